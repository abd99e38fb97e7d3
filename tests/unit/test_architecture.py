"""The layout's promises, checked: pure packages load no I/O library, imports point
one way (import-linter's contracts in pyproject.toml), and no module reaches into
another package's ``_private`` module."""

from __future__ import annotations

import ast
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = (
    "omniroute.schemas",
    "omniroute.agents",
    "omniroute.router.codec",
    "omniroute.router.core",
    "omniroute.router.policy",
)
IO_MODULES = ("kafka", "aiokafka", "faust", "mode", "redis", "prometheus_client", "http.server")


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The installed layout (omniroute.router -> router/ ...) as a tree of links, so
    static tools read exactly the files the tests import."""
    tree = tmp_path_factory.mktemp("layout")
    (tree / "omniroute").mkdir()
    for package in ("router", "agents", "schemas"):
        (tree / "omniroute" / package).symlink_to(ROOT / package)
    return tree


@pytest.mark.parametrize("package", PURE_PACKAGES)
def test_a_pure_package_loads_no_io_library(package: str) -> None:
    probe = (
        f"import json, sys; import {package}; "
        f"print(json.dumps(sorted(m for m in {list(IO_MODULES)!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert json.loads(out) == []


def test_the_probe_sees_an_io_import() -> None:
    """The probe above would notice: the routing stage does load Redis and Kafka."""
    probe = (
        "import json, sys; import omniroute.router.stages.routing; "
        f"print(json.dumps(sorted(m for m in {list(IO_MODULES)!r} if m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    ).stdout
    assert {"aiokafka", "redis", "prometheus_client"} <= set(json.loads(out))


def test_import_contracts_are_kept(layout: Path) -> None:
    result = subprocess.run(
        [Path(sys.executable).parent / "lint-imports", "--no-cache"],
        cwd=ROOT,
        env={"PYTHONPATH": str(layout), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _package_of(module: str) -> str:
    return module.rsplit(".", 1)[0]


def test_no_module_imports_another_packages_private_module(layout: Path) -> None:
    sys.path.insert(0, str(layout))
    try:
        graph = grimp.build_graph("omniroute", cache_dir=None)
    finally:
        sys.path.remove(str(layout))
    offenders = sorted(
        f"{importer} -> {imported}"
        for imported in graph.modules
        if imported.rsplit(".", 1)[-1].startswith("_") and not imported.endswith("__init__")
        for importer in graph.find_modules_that_directly_import(imported)
        if _package_of(importer) != _package_of(imported)
        and not importer.startswith(_package_of(imported) + ".__init__")
        and importer != _package_of(imported)
    )
    assert offenders == []


PACKAGES = (
    *PURE_PACKAGES,
    "omniroute.router.runtime",
    "omniroute.router.stages.routing",
    "omniroute.router.stages.assignment",
    "omniroute.router.sdk",
    "omniroute.router.tools",
    "omniroute.router.tools.bench",
    "omniroute.router.tools.chaos",
    "omniroute.router.tools.demo",
    "omniroute.router.tools.harness",
    "omniroute.router.tools.ops",
    "omniroute.router.tools.sim",
)


@pytest.mark.parametrize("package", PACKAGES)
def test_a_package_exports_exactly_its_public_names(package: str) -> None:
    """Every public name is in ``__all__`` and every ``__all__`` name exists: a
    package's surface is what it says it is (submodules aside)."""
    module = importlib.import_module(package)
    public = {
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), ModuleType)
    }
    assert public - {"annotations"} == set(module.__all__)


def test_tests_import_public_names_only() -> None:
    private = re.compile(r"^\s*from omniroute(?:\.\w+)*\._\w+ import", re.M)
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "tests").rglob("*.py")
        if private.search(path.read_text())
    ]
    assert offenders == []


def _calls_named(name: str) -> list[str]:
    found = []
    for folder in ("router", "agents", "schemas"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == name
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_reader_takes_the_end_of_a_partition_from_list_offsets() -> None:
    """docs/embedded-broker.md's promise: lag and "the end" come from the fetch high watermark,
    never ``end_offsets()`` (ListOffsets LATEST, which the embedded broker answers
    with the last batch's base offset + 1; pinned in test_assigner_recovery)."""
    assert _calls_named("end_offsets") == []
    assert _calls_named("highwater") != []  # the probe sees a call where there is one


def test_the_cli_loads_a_command_group_only_when_its_command_runs() -> None:
    """Workers start through the CLI (``omniroute worker ...``): importing it loads no
    command group, so no tool, simulator (simpy), plotting stack (matplotlib cost each
    worker ~2 s of start-up and 43 MB, measured) or kafka-python. What a running
    worker loads is checked in tests/integration/test_worker_modules.py."""
    probe = (
        "import json, sys, omniroute.router.cli; "
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('omniroute.') "
        "or m.split('.')[0] in ('simpy', 'matplotlib', 'numpy', 'pandas', 'kafka'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(loaded) == [
        "omniroute.router",
        "omniroute.router.cli",
        "omniroute.router.cli._main",
    ]


def test_no_module_is_longer_than_four_hundred_lines() -> None:
    """Small modules with one job (the style we keep): a module past 400 lines has
    two jobs, and is split where they part."""
    long = {
        str(path.relative_to(ROOT)): lines
        for folder in ("router", "agents", "schemas")
        for path in (ROOT / folder).rglob("*.py")
        if (lines := len(path.read_text().splitlines())) > 400
    }
    assert long == {}
