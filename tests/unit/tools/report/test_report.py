"""The report answers the three questions per segment and prints cost per channel
to the cent, from the figures the insight stage keeps."""

from __future__ import annotations

import io

from rich.console import Console

from omniroute.router.policy import ContactFigures
from omniroute.router.tools.report import FigureKey, InsightFigures, csv_rows, print_report


def _figures() -> InsightFigures:
    figures = InsightFigures()
    figures.add(
        FigureKey("careful_spender", "billing", "voice"),
        ContactFigures(
            contacts=3,
            self_served=2,
            agent=1,
            repeat=1,
            preventable=2,
            automated=3,
            contained=2,
            escalated=1,
            expected_cents=108,
            realised_cents=608,
            baseline_cents=1500,
            automation_cents=108,
            automation_failed_cents=36,
            csat_count=2,
            csat_sum=7,
        ),
    )
    # A second partition's figures for the same cell add up.
    figures.add(
        FigureKey("careful_spender", "billing", "voice"),
        ContactFigures(
            contacts=1, agent=1, expected_cents=500, realised_cents=500, baseline_cents=500
        ),
    )
    figures.add(
        FigureKey("careful_spender", "outage", "chat"),
        ContactFigures(
            contacts=2,
            abandoned=2,
            repeat=2,
            preventable=2,
            expected_cents=72,
            realised_cents=72,
            automation_cents=72,
            automation_failed_cents=72,
            automated=2,
        ),
    )
    return figures


def test_the_report_answers_per_segment_and_counts_cost_per_channel() -> None:
    out = io.StringIO()
    print_report(Console(file=out, width=160), _figures())
    text = out.getvalue()
    assert "repeat contacts (same reason, 7 days) driven by: outage 2/2, billing 1/4" in text
    assert "preventable by a proactive message: billing 2/4, outage 2/2" in text
    assert "contained in automation: billing 2/4" in text
    assert "escalated from automation to an agent: billing 1/4" in text
    voice = next(line for line in text.splitlines() if line.startswith(" voice"))
    assert voice.split() == ["voice", "4", "$6.08", "$11.08", "$20.00", "$8.92", "$0.36", "$2.77"]
    chat = next(line for line in text.splitlines() if line.startswith(" chat"))
    assert chat.split() == ["chat", "2", "$0.72", "$0.72", "$0.00", "-$0.72", "$0.72", "$0.36"]
    assert "contained / escalated, by channel: chat 0/0, voice 2/1" in text


def test_csv_rows_carry_money_in_dollars_and_cents() -> None:
    (voice, chat) = list(csv_rows(_figures()))
    assert (voice["contacts"], voice["realised_cost"], voice["cost_avoided"]) == (
        "4",
        "11.08",
        "8.92",
    )
    assert (chat["cost_avoided"], chat["automation_failed_cost"]) == ("-0.72", "0.72")
    assert voice["csat_mean"] == "3.50"
