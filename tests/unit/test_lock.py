"""requirements.lock, which ./dev.sh installs from (hash-checked) and pip-audit audits,
pins every dependency pyproject.toml names: a dependency added without re-locking
would be installed unpinned and unaudited. The fix is ``./dev.sh lock``."""

from __future__ import annotations

import importlib.util
import re
import sys
import tomllib
from pathlib import Path

import pytest

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


def test_the_fallback_audit_fails_on_a_known_vulnerability_of_a_latest_pin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """.ci/audit_latest.py, on answers made up here (no network): a pin that is its
    package's latest release with a known vulnerability fails the run and is named;
    an older pin is counted as not checkable, not as clean."""
    spec = importlib.util.spec_from_file_location("audit_latest", ROOT / ".ci/audit_latest.py")
    assert spec is not None
    assert spec.loader is not None
    audit = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(audit)
    lock = tmp_path / "requirements.lock"
    lock.write_text("alpha==1.0 \\\n    --hash=sha256:00\nbeta==2.0 \\\n    --hash=sha256:11\n")
    answers = {
        "alpha": ("1.0", [{"id": "PYSEC-2026-1", "fixed_in": ["1.1"], "withdrawn": None}]),
        "beta": ("3.0", [{"id": "PYSEC-2026-2", "fixed_in": ["3.0"]}]),
    }
    monkeypatch.setattr(audit, "_latest", answers.__getitem__)
    monkeypatch.setattr(sys, "argv", ["audit_latest.py", str(lock)])
    assert audit.main() == 1
    err = capsys.readouterr().err
    assert "vulnerable: alpha==1.0: PYSEC-2026-1 (fixed in 1.1)" in err
    assert "beta" not in err  # older than latest: not checkable here, not reported clean
    answers["alpha"] = ("1.0", [])
    assert audit.main() == 0
    assert "1 of 2 pins checked" in capsys.readouterr().out
