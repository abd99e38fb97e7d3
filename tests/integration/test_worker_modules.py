"""A worker loads its stage, the runtime and the pure packages, and nothing else of
ours: not the tools, the other stage, the simulator (simpy), the plotting stack or
kafka-python. Asked of real worker processes, started as an operator starts them
(``omniroute worker ...``), through ``/debug/modules`` once they are ready."""

from __future__ import annotations

import json
import urllib.request

import pytest

from omniroute.router.tools.harness import WorkerProcess

pytestmark = [pytest.mark.kafka, pytest.mark.redis]

NEVER_IN_A_WORKER = (
    "omniroute.router.tools",
    "omniroute.router.sdk",
    "simpy",
    "matplotlib",
    "numpy",
    "pandas",
    "kafka",  # kafka-python, the tools' client (workers use aiokafka)
)


def _loaded(worker: WorkerProcess) -> set[str]:
    url = f"http://127.0.0.1:{worker.settings.metrics_port}/debug/modules"
    with urllib.request.urlopen(url, timeout=5) as response:
        return set(json.loads(response.read()))


def _under(modules: set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def _offenders(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return [m for package in packages for m in _under(modules, package)]


def test_the_router_worker_loads_its_stage_and_nothing_of_the_tools(
    router_worker: WorkerProcess,
) -> None:
    modules = _loaded(router_worker)
    assert _under(modules, "omniroute.router.stages.routing")  # the probe sees what is there
    assert "aiokafka" in modules
    assert _offenders(modules, (*NEVER_IN_A_WORKER, "omniroute.router.stages.assignment")) == []
    assert [m for m in _under(modules, "omniroute.router.cli") if m.count(".") > 2] == [
        "omniroute.router.cli._common",
        "omniroute.router.cli._main",
        "omniroute.router.cli._worker",
    ]


def test_the_assigner_worker_loads_neither_the_routing_stage_nor_its_core(
    assigner_worker: WorkerProcess,
) -> None:
    modules = _loaded(assigner_worker)
    assert _under(modules, "omniroute.router.stages.assignment")
    assert _under(modules, "omniroute.router.codec")
    assert (
        _offenders(
            modules,
            (
                *NEVER_IN_A_WORKER,
                "omniroute.router.stages.routing",
                "omniroute.router.core",
                "omniroute.router.policy",
            ),
        )
        == []
    )


def test_the_insight_worker_loads_its_stage_and_no_other(
    insight_worker: WorkerProcess,
) -> None:
    modules = _loaded(insight_worker)
    assert _under(modules, "omniroute.router.stages.insight")
    assert _under(modules, "omniroute.router.policy")  # the one cost definition
    assert (
        _offenders(
            modules,
            (
                *NEVER_IN_A_WORKER,
                "omniroute.router.stages.routing",
                "omniroute.router.stages.assignment",
                "omniroute.router.stages.outbound",
            ),
        )
        == []
    )
