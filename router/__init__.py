"""omniroute's runtime around the pure cores, one folder per role, imports pointing down:

- ``cli``: the ``omniroute`` command, on top of everything;
- ``tools``: embedded stack, demo, traffic, floor, bench, replay, top, dashboards;
- ``sdk``: the front-end and agent-desktop clients (contract + Kafka client only);
- ``stages.routing`` and ``stages.assignment``: the two stream processors;
- ``runtime``: what both stages share (settings, worker host, HTTP, logs, Kafka loop);
- ``core`` and ``policy``: the pure routing core and the routing policy.

Importing this package imports none of them, so ``import omniroute.router.policy``
stays free of Kafka, Redis and HTTP (tests/unit/test_architecture.py checks it).
"""
