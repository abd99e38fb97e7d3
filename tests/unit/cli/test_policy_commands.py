"""``omniroute policy explain`` answers "why did this contact go there?" from the
fields a supervisor knows; the event's id, type and time are filled in."""

from __future__ import annotations

from typer.testing import CliRunner

from omniroute.router.cli import app


def test_explain_decides_an_event_given_only_its_channel_and_reason() -> None:
    result = CliRunner().invoke(
        app, ["policy", "explain", "--event", '{"channel": "voice", "reason": "billing"}']
    )
    assert result.exit_code == 0, result.output
    assert "voice contact -> ivr" in result.output
    assert "automation-simple-billing" in result.output
