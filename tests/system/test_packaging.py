"""The wheel installs everything under ``omniroute.*`` and nothing at the top level:
``agents`` and ``schemas`` are other distributions' names on PyPI."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.support.wheel_env import make_clean_venv

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("router", "agents", "schemas")

pytestmark = [pytest.mark.packaging, pytest.mark.slow]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("omniroute-*.whl")
    return built


def test_wheel_has_one_top_level_name_and_every_source_file(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/", 1)[0] for name in names if not name.startswith("omniroute-")}
    assert top == {"omniroute"}
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            relative = source.relative_to(ROOT).as_posix()
            assert f"omniroute/{relative}" in names, f"{relative} missing from the wheel"
    assert "omniroute/router/py.typed" in names
    assert "omniroute/schemas/contract/asyncapi.yaml" in names


def test_wheel_imports_every_module_in_a_clean_venv(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    python = make_clean_venv(env_dir, wheel)
    script = (
        "import importlib, pkgutil, omniroute.router, omniroute.agents, omniroute.schemas\n"
        "mods = [m.name for p in (omniroute.router, omniroute.agents, omniroute.schemas)\n"
        "        for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.')\n"
        "        if not m.name.endswith('__main__')]\n"
        "[importlib.import_module(m) for m in mods]\n"
        "for bare in ('agents', 'schemas', 'router'):\n"
        "    try:\n"
        "        importlib.import_module(bare)\n"
        "    except ModuleNotFoundError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit(f'bare top-level import {bare!r} works')\n"
        "print(len(mods))\n"
    )
    result = subprocess.run(
        [str(python), "-c", script], check=True, capture_output=True, text=True, cwd=tmp_path
    )
    assert int(result.stdout.strip()) > 10
    cli = subprocess.run(
        [str(env_dir / "bin" / "omniroute"), "--help"], capture_output=True, text=True, check=True
    )
    assert "demo" in cli.stdout
