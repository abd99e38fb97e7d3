"""The interaction contract accepts no more than its published JSON Schema: JSON
types are JSON types, time is RFC 3339, numbers are finite, ``id`` is required."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from omniroute.schemas import (
    CustomerProfile,
    InteractionArrived,
    InteractionEventAdapter,
    RoutingDecision,
)
from omniroute.schemas.export import render_contract

ARRIVED: dict[str, Any] = {
    "type": "omniroute.interaction.arrived",
    "id": "ev-1",
    "source": "/frontends/ivr",
    "time": "2026-11-22T10:00:00Z",
    "interaction_id": "ix-1",
    "customer_id": "c-1",
    "channel": "voice",
}


def _refused_at(document: dict[str, Any]) -> set[str]:
    with pytest.raises(ValidationError) as caught:
        InteractionEventAdapter.validate_json(json.dumps(document))
    return {str(e["loc"][-1]) for e in caught.value.errors()}


def test_a_well_formed_arrival_is_accepted_as_written() -> None:
    event = InteractionEventAdapter.validate_json(
        json.dumps(ARRIVED | {"requested_agent": True, "automation_seconds": 12})
    )
    assert isinstance(event, InteractionArrived)
    assert event.requested_agent is True
    assert event.automation_seconds == 12.0
    assert event.time.isoformat() == "2026-11-22T10:00:00+00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("requested_agent", "yes"),
        ("requested_agent", 1),
        ("requested_agent", "true"),
        ("automation_seconds", "12.5"),
        ("automation_seconds", True),
        ("time", 1_764_000_000),
        ("time", "1764000000"),  # pydantic alone reads a numeric string as Unix seconds
        ("time", "2026-11-22"),
        ("time", "2026-11-22 10:00:00Z"),
        ("time", "2026-11-22T10:00:00"),
        ("schema_version", "1"),
    ],
)
def test_values_of_the_wrong_json_type_are_refused(field: str, value: object) -> None:
    assert _refused_at(ARRIVED | {field: value}) == {field}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_are_refused(literal: str) -> None:
    raw = json.dumps(ARRIVED | {"automation_seconds": 0}).replace(
        '"automation_seconds": 0', f'"automation_seconds": {literal}'
    )
    with pytest.raises(ValidationError) as caught:
        InteractionEventAdapter.validate_json(raw)
    assert [e["type"] for e in caught.value.errors()] == ["finite_number"]


def test_an_event_without_id_is_refused_and_the_schema_says_id_is_required() -> None:
    without_id = {k: v for k, v in ARRIVED.items() if k != "id"}
    assert _refused_at(without_id) == {"id"}
    schema = json.loads(render_contract()["jsonschema/omniroute.interactions.json"])
    for definition in schema["$defs"].values():
        if (
            definition.get("properties", {})
            .get("type", {})
            .get("const", "")
            .startswith("omniroute.interaction.")
        ):
            assert "id" in definition["required"], definition["title"]
    decision_schema = json.loads(render_contract()["jsonschema/omniroute.decisions.json"])
    assert "id" in decision_schema["required"]
    assert "id" in RoutingDecision.model_json_schema()["required"]


@pytest.mark.parametrize("arpu", ["Infinity", "NaN", "1e12", "-1"])
def test_a_profile_with_a_non_finite_or_absurd_arpu_is_refused(arpu: str) -> None:
    raw = f'{{"customer_id": "c-1", "arpu": {arpu}}}'
    with pytest.raises(ValidationError) as caught:
        CustomerProfile.model_validate_json(raw)
    assert {str(e["loc"][-1]) for e in caught.value.errors()} == {"arpu"}
