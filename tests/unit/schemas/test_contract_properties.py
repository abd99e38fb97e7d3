"""The models and the published JSON Schema of ``omniroute.interactions`` agree:
every document the schema accepts, the model accepts; every document changed to
hold a wrong JSON type somewhere, or to lack a field, both refuse or both accept.

The schema is the oracle (``jsonschema`` with format checks, as published); the
documents come from the schema itself (``hypothesis-jsonschema``). NaN and
Infinity, which JSON Schema cannot express, are covered in
test_contract_strictness.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from pydantic import ValidationError

from omniroute.schemas import InteractionEventAdapter
from omniroute.schemas.export import render_contract

SCHEMA: dict[str, Any] = json.loads(render_contract()["jsonschema/omniroute.interactions.json"])


def _ecma_pattern(
    validator: jsonschema.Draft202012Validator, pattern: str, instance: object, schema: object
) -> Iterator[jsonschema.ValidationError]:
    # JSON Schema patterns are ECMA-262: "$" is the end of the string. Python's
    # re lets "$" match before a final newline, which would make the oracle
    # accept "c-1\n" as an identifier.
    if isinstance(instance, str) and not re.search(pattern.replace("$", r"\Z"), instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


ORACLE_CLASS = jsonschema.validators.extend(  # type: ignore[no-untyped-call]
    jsonschema.Draft202012Validator, {"pattern": _ecma_pattern}
)
ORACLE = ORACLE_CLASS(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
WRONG_TYPES: list[object] = ["yes", "12.5", "", 0, 1, 12.5, -1, True, False, None, [], {}, ["x"]]
COUNTED = {"valid": 0, "mutated": 0, "mutated_valid": 0}
PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _model_accepts(document: object) -> bool:
    try:
        InteractionEventAdapter.validate_json(json.dumps(document))
    except ValidationError:
        return False
    return True


def _resolved(node: Any) -> Any:
    """The schema with its local ``$ref``s inlined (the interaction schema has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return _resolved(SCHEMA["$defs"][node["$ref"].removeprefix("#/$defs/")])
        return {key: _resolved(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(item) for item in node]
    return node


def _event_documents(branch: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Objects of one event type, property by property from the schema.

    hypothesis-jsonschema 0.23.1 builds objects with a Hypothesis internal that
    Hypothesis 6.170 no longer has (``many.more``), so objects are composed
    here and every property value still comes from ``from_schema``.
    """
    properties = {name: from_schema(schema) for name, schema in branch["properties"].items()}
    required = set(branch["required"])
    return st.fixed_dictionaries(
        {name: value for name, value in properties.items() if name in required},
        optional={name: value for name, value in properties.items() if name not in required},
    )


documents = st.one_of([_event_documents(_resolved(b)) for b in SCHEMA["oneOf"]]).filter(
    ORACLE.is_valid
)


@PROPERTY
@given(documents)
def test_every_document_the_schema_accepts_the_model_accepts(document: dict[str, Any]) -> None:
    COUNTED["valid"] += 1
    assert _model_accepts(document), document


@PROPERTY
@given(documents, st.data())
def test_a_field_of_the_wrong_json_type_is_refused_by_both_or_neither(
    document: dict[str, Any], data: st.DataObject
) -> None:
    field = data.draw(st.sampled_from(sorted(document)), label="field")
    change = data.draw(st.sampled_from(["wrong type", "removed"]), label="change")
    mutated = dict(document)
    if change == "removed":
        del mutated[field]
    else:
        mutated[field] = data.draw(st.sampled_from(WRONG_TYPES), label="value")
    COUNTED["mutated"] += 1
    schema_accepts = ORACLE.is_valid(mutated)
    COUNTED["mutated_valid"] += schema_accepts
    assert _model_accepts(mutated) == schema_accepts, (field, mutated)


def test_report_how_many_examples_ran() -> None:
    """Not a check: prints the counts (run with -s) after the two properties above."""
    print(f"\ncontract property examples: {COUNTED}")
