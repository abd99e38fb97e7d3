"""requirements.lock, which ./dev.sh installs from (hash-checked) and pip-audit audits,
pins every dependency pyproject.toml names: a dependency added without re-locking
would be installed unpinned and unaudited. The fix is ``./dev.sh lock``."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    assert match is not None, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pins() -> dict[str, list[str]]:
    pins: dict[str, list[str]] = {}
    current = ""
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith((" ", "#")):
            current = _name(line)
            pins[current] = []
        elif "--hash=sha256:" in line:
            pins[current].append(line.split("--hash=sha256:")[1].split()[0])
    return pins


def test_every_dependency_of_pyproject_is_pinned_with_hashes() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    named += project["optional-dependencies"]["embedded"]
    pins = _pins()
    missing = {_name(r) for r in named} - {"omniroute"} - set(pins)
    assert not missing, f"not in requirements.lock: {sorted(missing)}; run ./dev.sh lock"
    assert all(len(hashes) >= 1 for hashes in pins.values())
    for hashes in pins.values():
        assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert "pip-audit" in pins
