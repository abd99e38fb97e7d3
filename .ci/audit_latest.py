"""The audit ./dev.sh test falls back to when pip-audit cannot reach an advisory source.

pip-audit asks PyPI for each pinned version (``/pypi/NAME/VERSION/json``); on this
network that endpoint answers 404 for every package and OSV is not reachable, while
the project endpoint (``/pypi/NAME/json``) answers, with the known vulnerabilities of
the package's latest release. So: every pin that is its package's latest release is
checked exactly (a known vulnerability fails the run, naming it and its fix); an older
pin cannot be checked here and is counted, and named with ``-v``. Re-locking
(``./dev.sh lock``) brings pins back to the latest releases and under the check.

Usage: python .ci/audit_latest.py requirements.lock [-v]
"""

from __future__ import annotations

import json
import re
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _pins(lock: Path) -> dict[str, str]:
    pins = {}
    for line in lock.read_text().splitlines():
        match = re.match(r"([A-Za-z0-9._-]+)==([^\s\\;]+)", line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def _latest(name: str) -> tuple[str, list[dict[str, object]]]:
    """The latest release and its known vulnerabilities; three tries (a registry
    hiccup is not a finding)."""
    url = f"https://pypi.org/pypi/{name}/json"
    for attempt in range(3):
        try:
            with urllib.request.urlopen(url, timeout=30) as response:
                data = json.load(response)
            return data["info"]["version"], data.get("vulnerabilities") or []
        except OSError:
            if attempt == 2:
                raise
            time.sleep(1 + attempt)
    raise AssertionError("unreachable")


def main() -> int:
    pins = _pins(Path(sys.argv[1]))
    with ThreadPoolExecutor(max_workers=32) as pool:
        answers = dict(zip(pins, pool.map(_latest, pins), strict=True))
    found, older = [], []
    for name, pinned in sorted(pins.items()):
        latest, vulnerabilities = answers[name]
        if pinned != latest:
            older.append(f"{name}=={pinned} (latest {latest})")
            continue
        for vulnerability in vulnerabilities:
            if vulnerability.get("withdrawn"):
                continue
            fixed = ", ".join(map(str, vulnerability.get("fixed_in") or [])) or "no fix yet"
            found.append(f"{name}=={pinned}: {vulnerability.get('id')} (fixed in {fixed})")
    for line in found:
        print(f"vulnerable: {line}", file=sys.stderr)
    if "-v" in sys.argv:
        for line in older:
            print(f"not checkable here: {line}", file=sys.stderr)
    if found:
        return 1
    print(
        f"pip-audit fallback: {len(pins) - len(older)} of {len(pins)} pins checked against "
        f"PyPI's advisories, none known vulnerable; {len(older)} older pins not checkable "
        "here (./dev.sh lock updates them)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
