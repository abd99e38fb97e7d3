"""Generate the published contract (JSON Schema per topic, one AsyncAPI 3 document)
from the models, so the documents can never be edited out of step with the code."""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter

from ._customers import CustomerProfile, RecentContacts
from ._topics import TOPICS

__all__ = ["CONTRACT_DIR", "WORKERS", "check_contract", "render_contract", "write_contract"]

CONTRACT_DIR = Path(__file__).parent / "contract"
_COMPONENT_REF = "#/components/schemas/{model}"
WORKERS = ("router", "assigner", "insight", "outbound coordinator")
"""omniroute's own workers: the AsyncAPI document's operations are theirs."""
# Records other systems (CRM) write into Redis for the router: part of the contract too.
_STORE_RECORDS: dict[str, type[Any]] = {
    "redis.cust": CustomerProfile,
    "redis.recent": RecentContacts,
}


def _package_version() -> str:
    try:
        return version("omniroute")
    except PackageNotFoundError:  # pragma: no cover - running from an uninstalled tree
        return "0.0.0"


def _json(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def _asyncapi() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for spec in TOPICS:
        schema = TypeAdapter(spec.message).json_schema(ref_template=_COMPONENT_REF)
        schemas.update(schema.pop("$defs", {}))
        schemas[spec.title] = schema
        channel_id = spec.name.removeprefix("omniroute.").replace("-", "_")
        messages[spec.title] = {
            "name": spec.title,
            "title": spec.title,
            "contentType": "application/json",
            "payload": {"$ref": f"#/components/schemas/{spec.title}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": spec.key}}},
        }
        bindings: dict[str, Any] = {"topic": spec.name}
        if spec.compacted:
            bindings["topicConfiguration"] = {"cleanup.policy": ["compact"]}
        channels[channel_id] = {
            "address": spec.name,
            "description": spec.description,
            "messages": {spec.title: {"$ref": f"#/components/messages/{spec.title}"}},
            "bindings": {"kafka": bindings},
        }
        for action, parties in (("send", spec.producers), ("receive", spec.consumers)):
            ours = [p for p in parties if p in WORKERS]
            if ours:
                who = " and ".join([", ".join(ours[:-1]), ours[-1]] if len(ours) > 1 else ours)
                operations[f"{action}_{channel_id}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel_id}"},
                    "summary": f"{who} {action}{'' if len(ours) > 1 else 's'} {spec.title}",
                    "messages": [{"$ref": f"#/channels/{channel_id}/messages/{spec.title}"}],
                }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "omniroute",
            "version": _package_version(),
            "description": "Kafka-native omnichannel interaction router: the message contract.",
            "license": {"name": "Apache-2.0"},
        },
        "defaultContentType": "application/json",
        "servers": {
            "production": {"host": "kafka:9092", "protocol": "kafka"},
            "embedded": {"host": "127.0.0.1:9092", "protocol": "kafka"},
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": dict(sorted(schemas.items()))},
    }


def render_contract() -> dict[str, str]:
    """File name (relative to the contract folder) -> content, deterministically."""
    files: dict[str, str] = {}
    for spec in TOPICS:
        files[f"jsonschema/{spec.name}.json"] = _json(TypeAdapter(spec.message).json_schema())
    for name, model in _STORE_RECORDS.items():
        files[f"jsonschema/{name}.json"] = _json(TypeAdapter(model).json_schema())
    files["asyncapi.yaml"] = yaml.safe_dump(
        _asyncapi(), sort_keys=False, allow_unicode=True, width=100
    )
    return files


def write_contract(directory: Path = CONTRACT_DIR) -> list[Path]:
    written = []
    for relative, content in render_contract().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def check_contract(directory: Path = CONTRACT_DIR) -> list[str]:
    """The files whose committed content differs from what the models generate."""
    drifted = []
    for relative, content in render_contract().items():
        path = directory / relative
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            drifted.append(relative)
    return drifted
