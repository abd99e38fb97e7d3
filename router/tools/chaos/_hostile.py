"""Hostile records: documents generated from the contract's published JSON Schemas
(hypothesis-jsonschema) and then broken on purpose, plus raw bytes no schema would
produce. Deterministic for a seed, so a record that broke a worker can be made again.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

__all__ = ["MUTATIONS", "Hostile", "hostile_records", "schema_documents"]

_FAR_TIMES = (
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2262-04-11T23:47:16.854775807Z",
    "2026-02-30T25:61:00Z",
    "yesterday",
)
_WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    -1,
    2**70,
    1e308,
    "",
    "yes",
    "12.5",
    [],
    {},
    [1, "a"],
    {"nested": {"deeper": []}},
    "\u0000\u202e\ud7ff",
)


@dataclass(frozen=True, slots=True)
class Hostile:
    mutation: str
    key: bytes | None
    value: bytes | None


def _hypothesis_jsonschema_compat() -> None:
    """hypothesis-jsonschema 0.23 drives ``many.more()``, which newer Hypothesis replaced
    by a context manager and an iterator; give ``many`` that one method back on top of
    the new API (only when it is missing), so the published library still draws."""
    from hypothesis.internal.conjecture import utils  # noqa: PLC0415

    if hasattr(utils.many, "more"):
        return

    def more(self: Any) -> bool:
        if not hasattr(self, "_compat_iterator"):
            self.__enter__()
            self._compat_iterator = iter(self)
        try:
            next(self._compat_iterator)
        except StopIteration:
            self.__exit__(None)
            return False
        return True

    utils.many.more = more  # type: ignore[attr-defined]


def schema_documents(topic_name: str, count: int, seed: int = 1) -> list[dict[str, Any]]:
    """``count`` documents the topic's published JSON Schema allows, drawn by
    hypothesis-jsonschema (derandomized, so the same seed gives the same corpus)."""
    from hypothesis import HealthCheck, Phase, given, settings  # noqa: PLC0415
    from hypothesis_jsonschema import from_schema  # noqa: PLC0415

    _hypothesis_jsonschema_compat()
    schema_file = files("omniroute.schemas").joinpath(f"contract/jsonschema/{topic_name}.json")
    schema = json.loads(schema_file.read_text())
    # One strategy per message type: drawing from the top-level oneOf filters every
    # draw through the whole union and is ~10x slower for the same documents.
    variants = [
        schema["$defs"][ref["$ref"].rsplit("/", 1)[-1]] | {"$defs": schema["$defs"]}
        if "$ref" in ref
        else ref | {"$defs": schema.get("$defs", {})}
        for ref in schema.get("oneOf", [schema])
    ]
    documents: list[dict[str, Any]] = []
    for variant in variants:

        @settings(
            max_examples=max(1, count // len(variants)),
            database=None,
            derandomize=True,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(from_schema(variant))
        def collect(document: dict[str, Any]) -> None:
            documents.append(document)

        collect()
    random.Random(seed).shuffle(documents)
    return documents


def _mutate(kind: str, doc: dict[str, Any], rng: random.Random) -> bytes | None:  # noqa: PLR0911, PLR0912
    keys = list(doc) or ["id"]
    match kind:
        case "schema_valid":
            return json.dumps(doc).encode()
        case "wrong_type":
            return json.dumps(doc | {rng.choice(keys): rng.choice(_WRONG_VALUES)}).encode()
        case "missing_field":
            return json.dumps({k: v for k, v in doc.items() if k != rng.choice(keys)}).encode()
        case "unknown_enum":
            field = rng.choice(["type", "channel", "stage", "presence", "why", "update", "outcome"])
            return json.dumps(doc | {field: f"zz-{rng.randrange(1000)}"}).encode()
        case "far_time":
            return json.dumps(doc | {"time": rng.choice(_FAR_TIMES)}).encode()
        case "unknown_field":
            return json.dumps(doc | {"zz_extra": rng.choice(_WRONG_VALUES)}).encode()
        case "bad_version":
            return json.dumps(doc | {"schema_version": rng.choice([0, 2, 99, "1", None])}).encode()
        case "duplicate_key":
            body = json.dumps(doc)
            field = rng.choice(keys)
            return (body[:-1] + f', "{field}": {json.dumps(rng.choice(_WRONG_VALUES))}}}').encode()
        case "truncated":
            raw = json.dumps(doc).encode()
            return raw[: rng.randrange(max(1, len(raw)))]
        case "wrong_encoding":
            text = json.dumps(doc, ensure_ascii=False)
            encoding = rng.choice(["utf-16", "utf-32", "cp500"])
            return text.encode(encoding, errors="replace")
        case "invalid_utf8":
            raw = json.dumps(doc).encode()
            cut = rng.randrange(max(1, len(raw)))
            return raw[:cut] + b"\xff\xfe\xc3\x28" + raw[cut:]
        case "deeply_nested":
            depth = rng.choice([1000, 50_000, 200_000])
            return b"[" * depth + b"]" * depth
        case "nested_field":
            value: Any = {}
            for _ in range(rng.choice([100, 900])):
                value = {"x": value}
            return json.dumps(doc | {rng.choice(keys): value}).encode()
        case "big_string":
            return json.dumps(
                doc | {rng.choice(keys): "x" * rng.choice([70_000, 300_000])}
            ).encode()
        case "non_finite":
            body = json.dumps(doc)
            return (
                body[:-1] + f', "automation_seconds": {rng.choice(["NaN", "Infinity"])}}}'
            ).encode()
        case "not_an_object":
            return json.dumps(rng.choice([[doc], "text", 42, None, True])).encode()
        case "garbage":
            return rng.randbytes(rng.randrange(1, 2048))
        case "empty":
            return b""
        case "tombstone":
            return None
    raise ValueError(kind)


MUTATIONS = (
    "schema_valid",
    "wrong_type",
    "missing_field",
    "unknown_enum",
    "far_time",
    "unknown_field",
    "bad_version",
    "duplicate_key",
    "truncated",
    "wrong_encoding",
    "invalid_utf8",
    "deeply_nested",
    "nested_field",
    "big_string",
    "non_finite",
    "not_an_object",
    "garbage",
    "empty",
    "tombstone",
)
_RARE = {"deeply_nested": 0.1, "big_string": 0.2, "nested_field": 0.3}


def hostile_records(
    corpus: list[dict[str, Any]], count: int, *, seed: int = 7, huge: tuple[int, ...] = ()
) -> Iterator[Hostile]:
    """``count`` hostile records built from ``corpus``, each mutation in turn (the
    expensive ones less often), then one record of each size in ``huge`` bytes."""
    rng = random.Random(seed)
    weights = [_RARE.get(kind, 1.0) for kind in MUTATIONS]
    for n in range(count):
        doc = corpus[n % len(corpus)]
        kind = rng.choices(MUTATIONS, weights)[0]
        key = rng.choice([None, b"", str(doc.get("customer_id", "k")).encode(), rng.randbytes(8)])
        value = _mutate(kind, doc, rng)
        # A record needs a key or a value: a tombstone always has a key.
        yield Hostile(kind, key or b"tombstone" if value is None else key, value)
    for size in huge:
        filler = "y" * size
        yield Hostile(f"huge_{size // 1024}k", b"huge", json.dumps({"subject": filler}).encode())
