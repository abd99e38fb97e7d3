"""JSON-lines logs: one object per line, with the event id and decision when a
record is about one contact, so a contact can be traced across workers.

Customer ids, names and numbers are never logged: trace by event or
interaction id, which carry no personal data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

__all__ = ["TRACE_LOGGER", "JsonFormatter", "logging_config"]

_TRACE_FIELDS = (
    "event_id",
    "interaction_id",
    "decision_id",
    "target",
    "queue",
    "channel",
    "stage",
    "reason",
    "policy_version",
    "offer_id",
    "agent_id",
    "pool",
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in _TRACE_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                payload[name] = value
        if record.exc_info:
            payload["exc"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str)


TRACE_LOGGER = "omniroute.trace"


def logging_config(level: str, *, trace_contacts: bool = False) -> dict[str, Any]:
    """A dictConfig for worker processes: JSON lines on stderr. Per-contact lines go
    to ``omniroute.trace``, off unless asked for: at thousands of contacts a second
    they are a choice, not a default."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": f"{__name__}.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {TRACE_LOGGER: {"level": "INFO" if trace_contacts else "WARNING"}},
    }
