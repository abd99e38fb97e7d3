"""Every closed set of names in the contract is validated as its enum and written as
its plain string by pydantic-core's string serializer (``ContractEnum``): the same
bytes, the same Python values and the same JSON Schema as the enum serializer it
replaces, which called a Python property for every enum field written."""

from __future__ import annotations

import json
from enum import Enum, StrEnum

import pytest
from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from omniroute import schemas
from omniroute.schemas import Channel, ContactOutcome, Tier

CONTRACT_ENUMS: list[type[StrEnum]] = [
    value
    for value in (getattr(schemas, name) for name in schemas.__all__)
    if isinstance(value, type) and issubclass(value, StrEnum)
]
"""Every closed set of names the contract publishes, found rather than listed, so
an enum added later is held to the same promise."""


def test_the_contract_publishes_its_enums() -> None:
    assert {e.__name__ for e in CONTRACT_ENUMS} >= {
        "AgentPresence",
        "Channel",
        "Compression",
        "ContactOutcome",
        "ContactTarget",
        "DeadLetterReason",
        "ExplanationKind",
        "Tier",
    }


def _plain_twin(enum: type[StrEnum]) -> type[Enum]:
    """The same members as a stdlib StrEnum, serialized by pydantic's enum serializer."""
    return StrEnum(enum.__name__, {m.name: m.value for m in enum})  # type: ignore[return-value]


@pytest.mark.parametrize("enum", CONTRACT_ENUMS, ids=lambda e: e.__name__)
def test_each_member_is_written_and_read_as_the_enum_serializer_would(
    enum: type[StrEnum],
) -> None:
    fast, plain = TypeAdapter(enum), TypeAdapter(_plain_twin(enum))
    for member in enum:
        twin = plain.validate_python(member.value)
        assert fast.dump_json(member) == plain.dump_json(twin) == json.dumps(member.value).encode()
        assert fast.dump_python(member) is member  # python mode keeps the member
        assert fast.dump_python(member, mode="json") == member.value
        assert type(fast.dump_python(member, mode="json")) is str
        assert fast.validate_json(json.dumps(member.value)) is member
    for mode in ("validation", "serialization"):
        published = fast.json_schema(mode=mode)
        published.pop("description", None)  # the docstring: the twin has none
        assert published == {**plain.json_schema(mode=mode), "title": enum.__name__}


@pytest.mark.parametrize("enum", CONTRACT_ENUMS, ids=lambda e: e.__name__)
def test_a_name_outside_the_set_is_refused(enum: type[StrEnum]) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(enum).validate_json('"not-a-member"')


def test_a_model_writes_enum_fields_in_place_and_optional_ones_as_null() -> None:
    class Line(BaseModel):
        model_config = ConfigDict(extra="forbid")
        channel: Channel
        tier: Tier | None = None
        outcomes: tuple[ContactOutcome, ...] = ()

    line = Line(channel=Channel.VOICE, outcomes=(ContactOutcome.ROUTED, ContactOutcome.ESCALATED))
    assert line.model_dump_json() == (
        '{"channel":"voice","tier":null,"outcomes":["routed","escalated"]}'
    )
    assert Line.model_validate_json(line.model_dump_json()) == line
