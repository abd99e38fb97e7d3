"""Reading a policy file. Every way it can be wrong ends in one ``PolicyError``
whose lines name the rule and the field, e.g.
``routing[2] 'vip-priority'.then.queue: unknown queue 'priorty'``."""

from __future__ import annotations

import hashlib
from importlib.resources import files
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from ._conditions import PolicyError
from ._model import PolicyFile
from ._policy import Policy

__all__ = ["DEFAULT_POLICY_FILE", "default_policy", "load_policy", "parse_policy"]

DEFAULT_POLICY_FILE = "default_policy.yaml"


def _where(data: Any, loc: tuple[int | str, ...]) -> str:
    """``('routing', 2, 'then', 'queue')`` -> ``routing[2] 'vip'.then.queue``."""
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int):
            name = (
                node[step].get("name")
                if isinstance(node, list) and step < len(node) and isinstance(node[step], dict)
                else None
            )
            parts[-1] += f"[{step}]" + (f" {name!r}" if name else "")
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) or "(file)"


def parse_policy(text: str, *, origin: str = "<policy>") -> Policy:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise PolicyError(f"{origin}: not valid YAML: {error}") from error
    except (ValueError, RecursionError) as error:
        # YAML that parses but cannot be built: a date like 2026-13-45, nesting too deep.
        raise PolicyError(f"{origin}: not valid YAML: {type(error).__name__}: {error}") from error
    if not isinstance(data, dict):
        raise PolicyError(f"{origin}: a policy is a mapping with version, queues and rules")
    try:
        spec = PolicyFile.model_validate(data)
    except ValidationError as error:
        lines = []
        for e in error.errors(include_url=False):
            loc = tuple(p for p in e["loc"] if p not in ("function-after[_queues_exist()]",))
            lines.append(f"{_where(data, loc)}: {e['msg'].removeprefix('Value error, ')}")
        raise PolicyError(f"{origin}: " + "; ".join(lines)) from error
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PolicyError(f"{origin}: timezone: unknown time zone {spec.timezone!r}") from error
    try:
        return Policy(spec, hashlib.sha256(text.encode()).hexdigest())
    except PolicyError as error:
        raise PolicyError(f"{origin}: {error}") from error


def load_policy(path: Path) -> Policy:
    """Read and check a policy file; every failure, unreadable bytes included, is a
    ``PolicyError`` naming the file, so neither the watcher nor start-up sees
    anything else."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"{path}: cannot read: {error.strerror}") from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PolicyError(
            f"{path}: not UTF-8 at byte {error.start} "
            f"({raw[error.start : error.start + 4]!r}): {error.reason}"
        ) from error
    return parse_policy(text, origin=str(path))


def default_policy() -> Policy:
    """The commented policy shipped with omniroute (router/policy/default_policy.yaml)."""
    text = files(__package__).joinpath(DEFAULT_POLICY_FILE).read_text(encoding="utf-8")
    return parse_policy(text, origin=DEFAULT_POLICY_FILE)
