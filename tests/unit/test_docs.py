"""The README and docs/ keep their word: the README names the test command CI runs,
every path in its "where to find" table exists, every relative link in README.md and
docs/ reaches a file (and a heading, when it names one), and every ``omniroute ...``
line of its CLI section names real commands, subcommands and options.

Commands are looked up on the typer app the ``omniroute`` script runs, each group
loaded as ``--help`` would load it; nothing is run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from typer.core import TyperGroup

from omniroute.router.cli import app
from omniroute.router.tools.chaos import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted([README, *(ROOT / "docs").rglob("*.md")])

# What the "where to find" table must point at, whatever else it names.
MUST_NAME = (
    "router/policy/",
    "router/policy/default_policy.yaml",
    "agents/_matcher.py",
    "schemas/",
    "router/codec/",
    "router/stages/routing/_app.py",
    "router/stages/assignment/_loop.py",
    "router/runtime/_kafka.py",
    "router/runtime/_blocked.py",
    "router/tools/bench/",
    "router/tools/chaos/_scenarios.py",
    "router/tools/chaos/_soak.py",
    "router/tools/chaos/_trends.py",
    "router/tools/sim/",
    "router/tools/demo/",
    "router/tools/ops/",
    "router/sdk/",
    "deploy/",
    "docker-compose.yml",
)

# Arguments (not subcommands) a CLI line may spell out, per command.
ARGUMENT_VALUES = {"chaos": {*SCENARIOS, "all"}}

_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section, up to the next ``## ``."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, f"README has no '## {heading}' section"
    return match.group(1)


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    prose = _FENCE.sub("", page.read_text())
    return {_slug(m.group(1)) for m in re.finditer(r"^#{1,6} (.+)$", prose, re.M)}


def _where_to_find_paths() -> list[str]:
    rows = [
        line
        for line in _section(README.read_text(), "Where to find").splitlines()
        if line.startswith("|") and not line.startswith("|---")
    ][1:]  # the header row
    paths = []
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        paths += re.findall(r"`([^`]+)`", cells[1])
    return paths


def _cli_lines() -> list[str]:
    block = re.search(
        r"```\n(.*?)```", _section(README.read_text(), "The command line at a glance"), re.S
    )
    assert block, "the CLI section has no code block"
    lines = [line for line in block.group(1).splitlines() if line.startswith("omniroute ")]
    # The command and its options end where the description starts (two spaces or more).
    return [re.split(r"\s{2,}", line, maxsplit=1)[0] for line in lines]


def test_the_readme_names_the_test_command_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert "exec ./dev.sh test\n" in ci
    assert "./dev.sh test" in _section(README.read_text(), "Two commands")
    assert "./dev.sh demo" in _section(README.read_text(), "Two commands")


def test_every_path_in_the_where_to_find_table_exists() -> None:
    paths = _where_to_find_paths()
    assert len(paths) >= len(MUST_NAME)
    missing = [p for p in paths if not (ROOT / p).exists()]
    assert missing == []
    assert [p for p in MUST_NAME if p not in paths] == []


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_its_heading(page: Path) -> None:
    broken = []
    for target in _LINK.findall(_FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in _anchors(file):
            broken.append(f"{target}: no heading '{anchor}' in {file.name}")
    assert broken == []


def test_every_command_in_the_readme_cli_section_is_real() -> None:
    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    ctx = typer.Context(root)
    lines = _cli_lines()
    assert len(lines) >= 10
    problems = []
    for line in lines:
        words = line.split()[1:]
        name = words[0]
        command = root.get_command(ctx, name)
        if command is None:
            problems.append(f"{line}: no command '{name}'")
            continue
        targets = [command]
        second = words[1] if len(words) > 1 else ""
        if re.fullmatch(r"[a-z][a-z|-]*", second):
            choices = second.split("|")
            if isinstance(command, TyperGroup):
                found = {c: command.get_command(ctx, c) for c in choices}
                problems += [f"{line}: no '{name} {c}'" for c, sub in found.items() if not sub]
                targets = [sub for sub in found.values() if sub is not None]
            else:
                allowed = ARGUMENT_VALUES.get(name, set())
                problems += [
                    f"{line}: '{c}' is not an argument" for c in choices if c not in allowed
                ]
        for flag in re.findall(r"--[a-z][a-z-]*", line):
            for target in targets:
                if not any(flag in param.opts for param in target.params):
                    problems.append(f"{line}: '{target.name}' has no option {flag}")
    assert problems == []
