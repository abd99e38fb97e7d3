#!/usr/bin/env bash
# Kafka ACLs for omniroute, one principal per job, each allowed what it needs and nothing
# more (the broker runs StandardAuthorizer with allow.everyone.if.no.acl.found=false, so
# what is not granted here is refused). docker-compose.yml's `kafka-security` service
# runs this once; on another cluster run it with the admin's client properties:
#   BOOTSTRAP=kafka:9092 ADMIN_CONFIG=admin.properties deploy/security/kafka-acls.sh
# tests/integration/test_least_privilege.py checks these lines against the contract's
# producers and consumers (omniroute.schemas.TOPICS) in both directions.
set -euo pipefail
KAFKA_ACLS=${KAFKA_ACLS:-/opt/kafka/bin/kafka-acls.sh}
acl() {
    "$KAFKA_ACLS" --bootstrap-server "$BOOTSTRAP" --command-config "$ADMIN_CONFIG" \
        --add --allow-principal "$@"
}

# Front ends (telephony, IVR, chat, web): publish contacts, read the decisions on them,
# the wait estimates and the pools' load. No consumer group: the SDK reads by partition.
# Survey tools log in as front ends too: the SDK's survey answer is FrontEndClient.feedback
# (docs/security.md says why, and what to do for a survey vendor you trust less).
acl User:omniroute-frontend --operation Write --topic omniroute.interactions
acl User:omniroute-frontend --operation Write --topic omniroute.feedback
acl User:omniroute-frontend --operation Read --topic omniroute.decisions
acl User:omniroute-frontend --operation Read --topic omniroute.wait-estimates
acl User:omniroute-frontend --operation Read --topic omniroute.pool-load

# Agent desktops: publish agent events (log-in, presence, accept, reject, done), read
# their offers and assignments.
acl User:omniroute-desktop --operation Write --topic omniroute.agent-events
acl User:omniroute-desktop --operation Read --topic omniroute.assignments

# The router workers. They write interactions too: an event that came with only a contact
# address goes back keyed by the customer the identity index found.
acl User:omniroute-router --operation Read --topic omniroute.interactions
acl User:omniroute-router --operation Write --topic omniroute.interactions
acl User:omniroute-router --operation Read --topic omniroute.pool-load
acl User:omniroute-router --operation Write --topic omniroute.decisions
acl User:omniroute-router --operation Write --topic omniroute.assigner-input
acl User:omniroute-router --operation Write --topic omniroute.deadletter
acl User:omniroute-router --operation Read --group omniroute-router --resource-pattern-type prefixed
acl User:omniroute-router --operation All --topic omniroute-router-host --resource-pattern-type prefixed

# The assigner workers (their state changelog and Faust's own topics under their app id).
acl User:omniroute-assigner --operation Read --topic omniroute.decisions
acl User:omniroute-assigner --operation Read --topic omniroute.agent-events
acl User:omniroute-assigner --operation Read --topic omniroute.assigner-input
acl User:omniroute-assigner --operation Write --topic omniroute.assigner-input
acl User:omniroute-assigner --operation Write --topic omniroute.assignments
# The contact's end, naming the agent who served it, onto the customer's key.
acl User:omniroute-assigner --operation Write --topic omniroute.interactions
acl User:omniroute-assigner --operation Write --topic omniroute.pool-load
acl User:omniroute-assigner --operation Write --topic omniroute.wait-estimates
acl User:omniroute-assigner --operation Write --topic omniroute.deadletter
acl User:omniroute-assigner --operation Read --group omniroute-assigner --resource-pattern-type prefixed
acl User:omniroute-assigner --operation All --topic omniroute-assigner --resource-pattern-type prefixed

# The insight workers: contacts, decisions and feedback in; their state changelog, their
# consumer group and the Faust host's topics all under their group id.
acl User:omniroute-insight --operation Read --topic omniroute.interactions
acl User:omniroute-insight --operation Read --topic omniroute.decisions
acl User:omniroute-insight --operation Read --topic omniroute.feedback
acl User:omniroute-insight --operation Write --topic omniroute.deadletter
acl User:omniroute-insight --operation Read --group omniroute-insight --resource-pattern-type prefixed
acl User:omniroute-insight --operation All --topic omniroute-insight --resource-pattern-type prefixed

# The outbound coordinator: departments' requests and the pools' load in, verdicts out.
acl User:omniroute-outbound --operation Read --topic omniroute.outbound-requests
acl User:omniroute-outbound --operation Read --topic omniroute.pool-load
acl User:omniroute-outbound --operation Write --topic omniroute.outbound-decisions
acl User:omniroute-outbound --operation Write --topic omniroute.deadletter
acl User:omniroute-outbound --operation Read --group omniroute-outbound --resource-pattern-type prefixed
acl User:omniroute-outbound --operation All --topic omniroute-outbound-host --resource-pattern-type prefixed

# Departments (collections, marketing, surveys): ask before contacting a customer, read
# the verdicts. No consumer group: DepartmentClient reads by partition.
acl User:omniroute-department --operation Write --topic omniroute.outbound-requests
acl User:omniroute-department --operation Read --topic omniroute.outbound-decisions

# Operators: read the dead letters (omniroute top, replay of rejected records) and the
# insight workers' state (omniroute report reads its figures there).
acl User:omniroute-operator --operation Read --topic omniroute.deadletter
acl User:omniroute-operator --operation Read --topic omniroute-insight-state-changelog
