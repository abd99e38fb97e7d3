"""The published contract: committed documents match the models, and models round-trip."""

from __future__ import annotations

import json
from types import ModuleType

import pytest
import yaml
from pydantic import ValidationError

from omniroute import schemas
from omniroute.schemas import (
    TOPICS,
    Channel,
    InteractionArrived,
    InteractionEventAdapter,
    RoutingDecision,
    new_event_id,
    topic,
)
from omniroute.schemas.export import CONTRACT_DIR, WORKERS, check_contract, render_contract


def test_committed_contract_documents_match_the_models() -> None:
    drifted = check_contract(CONTRACT_DIR)
    assert drifted == [], f"run `omniroute schema export`: drifted {drifted}"


def test_asyncapi_document_names_every_topic_once() -> None:
    document = yaml.safe_load(render_contract()["asyncapi.yaml"])
    assert document["asyncapi"] == "3.0.0"
    addresses = sorted(channel["address"] for channel in document["channels"].values())
    assert addresses == sorted(spec.name for spec in TOPICS)
    for operation in document["operations"].values():
        channel_id = operation["channel"]["$ref"].rsplit("/", 1)[-1]
        assert channel_id in document["channels"]


def test_every_topic_schema_is_valid_json_and_every_ref_resolves() -> None:
    document = yaml.safe_load(render_contract()["asyncapi.yaml"])
    known = set(document["components"]["schemas"])
    refs = {
        ref.rsplit("/", 1)[-1]
        for ref in _refs(document["components"]["schemas"])
        if ref.startswith("#/components/schemas/")
    }
    assert refs <= known, f"dangling refs: {refs - known}"
    for content in render_contract().values():
        if content.startswith("{"):
            json.loads(content)


def _refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if "$ref" in node else []
        return found + [r for value in node.values() for r in _refs(value)]
    if isinstance(node, list):
        return [r for item in node for r in _refs(item)]
    return []


def test_interaction_event_round_trips_through_json_on_every_channel() -> None:
    for channel in Channel:
        event = InteractionArrived(
            id=new_event_id(),
            source="/test",
            interaction_id="i-1",
            customer_id="c-1",
            channel=channel,
        )
        parsed = InteractionEventAdapter.validate_json(event.model_dump_json())
        assert parsed == event
        assert parsed.type == "omniroute.interaction.arrived"
        assert parsed.schema_version == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"channel": "fax"}, "channel"),
        ({"customer_id": ""}, "customer_id"),
        ({"time": "2026-01-01T00:00:00"}, "time"),  # naive times are ambiguous
        ({"schema_version": 2}, "schema_version"),
    ],
)
def test_interaction_event_rejects_bad_values_naming_the_field(
    payload: dict[str, object], field: str
) -> None:
    base: dict[str, object] = {
        "type": "omniroute.interaction.arrived",
        "id": "e-1",
        "source": "/test",
        "interaction_id": "i-1",
        "customer_id": "c-1",
        "channel": "chat",
    }
    with pytest.raises(ValidationError) as caught:
        InteractionEventAdapter.validate_python(base | payload)
    locations = {str(error["loc"][-1]) for error in caught.value.errors()}
    assert field in locations


def test_unknown_fields_are_tolerated_for_forward_compatibility() -> None:
    parsed = InteractionEventAdapter.validate_python(
        {
            "type": "omniroute.interaction.arrived",
            "id": "e-1",
            "source": "/test",
            "interaction_id": "i-1",
            "customer_id": "c-1",
            "channel": "sms",
            "added_in_a_later_minor": True,
        }
    )
    assert parsed.channel is Channel.SMS


def test_topic_lookup_fails_loudly_on_a_typo() -> None:
    assert topic("omniroute.decisions").message is RoutingDecision
    with pytest.raises(KeyError, match="unknown topic"):
        topic("omniroute.decision")


def test_public_names_are_exactly_the_exported_ones() -> None:
    public = {
        name
        for name in dir(schemas)
        if not name.startswith("_") and not isinstance(getattr(schemas, name), ModuleType)
    }
    assert public == set(schemas.__all__)


def test_asyncapi_operations_name_every_worker_that_reads_or_writes_a_topic() -> None:
    """The new workers are in the document as the router and assigner are: each topic's
    operations say which of omniroute's workers send and receive it."""
    operations = yaml.safe_load(render_contract()["asyncapi.yaml"])["operations"]
    for spec in TOPICS:
        channel_id = spec.name.removeprefix("omniroute.").replace("-", "_")
        for action, parties in (("send", spec.producers), ("receive", spec.consumers)):
            ours = [p for p in parties if p in WORKERS]
            operation = operations.get(f"{action}_{channel_id}")
            assert (operation is not None) == bool(ours), (action, spec.name)
            for worker in ours:
                assert worker in operation["summary"], (action, spec.name, worker)
    assert operations["receive_feedback"]["summary"] == "insight receives CustomerFeedback"
    assert operations["send_deadletter"]["summary"] == (
        "router, assigner, insight and outbound coordinator send DeadLetter"
    )
