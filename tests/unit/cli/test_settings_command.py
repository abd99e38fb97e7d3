"""``omniroute settings`` shows what a process runs with, never a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from omniroute.router.cli import app


def test_settings_shows_every_setting_and_hides_the_passwords(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kafka").write_text("kafka-Secret-1\n")
    monkeypatch.setenv("OMNIROUTE_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("OMNIROUTE_KAFKA__SASL_MECHANISM", "SCRAM-SHA-512")
    monkeypatch.setenv("OMNIROUTE_KAFKA__SASL_USERNAME", "omniroute-router")
    monkeypatch.setenv("OMNIROUTE_KAFKA__SASL_PASSWORD_FILE", str(tmp_path / "kafka"))
    monkeypatch.setenv("OMNIROUTE_REDIS__PASSWORD", "redis-Secret-2")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["kafka"]["sasl_username"] == "omniroute-router"
    assert shown["kafka"]["sasl_password"] == "**********"
    assert shown["redis"]["password"] == "**********"
    assert "Secret" not in result.output


def test_a_bad_security_setting_is_named_without_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OMNIROUTE_KAFKA__SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("OMNIROUTE_KAFKA__SASL_PASSWORD", "kafka-Secret-3")
    result = CliRunner().invoke(app, ["settings"])
    assert result.exit_code == 2
    assert "OMNIROUTE_KAFKA" in result.output
    assert "kafka.sasl_mechanism" in result.output
    assert "Secret" not in result.output
