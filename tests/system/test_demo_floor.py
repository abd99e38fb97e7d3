"""Issue 13, "a demo with a real floor": a short demo run on the sped-up floor
(scenario handle, answer and patience times, Erlang C staffing, customers who
abandon), its contacts replayed in the simulator with the same staffing, draws
and seed.

A short run on a shared machine cannot put the demo's service level within a few
points of the simulator's: every contact's measured wait includes three Kafka
hops, multiplied by the compression. So this checks what must hold on any
machine: every queued contact is accounted for on both sides, customers did
abandon through the real pipeline, and the pipeline only ever adds waiting.
The distributions and compression are pinned in tests/unit/tools/demo/test_floor_plan.py;
the long-run numbers are in the issue's report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from omniroute.router.tools.demo import DemoOptions, run_demo

pytestmark = [pytest.mark.kafka, pytest.mark.redis, pytest.mark.slow]


def test_a_short_demo_on_the_real_floor_beside_the_simulator(tmp_path: Path) -> None:
    options = DemoOptions(
        customers=2_000,
        events=500,
        rate=25.0,
        compression=20.0,
        state_dir=tmp_path / "demo",
        compare=True,
    )
    with (tmp_path / "out.txt").open("w") as out:
        result = run_demo(options, Console(file=out, width=120))
    comparison = result.comparison
    assert comparison is not None
    assert comparison.compression == 20.0
    demo, simulated = comparison.total.demo, comparison.total.simulated
    # Same contacts on both sides, each answered, abandoned or still waiting at the end.
    assert demo.offered == simulated.offered > 150
    assert demo.answered + demo.abandoned + demo.unresolved == demo.offered
    assert demo.answered > demo.offered // 2
    # Voice and chat customers have patience; e-mail and web customers never give up.
    by_channel = {row.channel: row for row in comparison.rows}
    assert by_channel["email"].demo.abandoned == by_channel["email"].simulated.abandoned == 0
    assert demo.abandoned <= demo.offered // 2
    # The pipeline adds waits, never removes them (the replay's answer draws differ,
    # hence a few points of slack).
    assert demo.service_level <= simulated.service_level + 0.05
    assert demo.asa_seconds >= simulated.asa_seconds - 2.0
    assert comparison.hop_seconds > 0
    # The insight report closes the demo: contacts counted once each, by outcome, and
    # cost per contact (the floor ends what its agents handled, as a front end would).
    assert result.insight is not None
    counted = result.insight.total()
    assert 0 < counted.agent <= demo.answered
    assert counted.contacts == counted.self_served + counted.agent + counted.abandoned
    assert counted.realised_cents >= counted.agent * 500  # an agent each, at least
    assert counted.csat_count > 0
    output = (tmp_path / "out.txt").read_text()
    assert "Cost per channel, per contact" in output
    assert "20x compression" in output
    assert "Demo floor vs simulator" in output
