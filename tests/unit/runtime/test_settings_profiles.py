"""The broker profile picks the consumer timings; an explicit value wins."""

from __future__ import annotations

import pytest

from omniroute.router.runtime import KafkaSettings, Profile, Settings, consumer_config


@pytest.mark.parametrize(
    ("profile", "session_ms", "heartbeat_ms", "fetch_wait_ms"),
    [(Profile.EMBEDDED, 3_000, 500, 50), (Profile.PRODUCTION, 45_000, 3_000, 500)],
)
def test_each_profile_sets_the_consumer_timings(
    profile: Profile, session_ms: int, heartbeat_ms: int, fetch_wait_ms: int
) -> None:
    config = consumer_config(Settings(profile=profile), "g")
    assert config["session_timeout_ms"] == session_ms
    assert config["heartbeat_interval_ms"] == heartbeat_ms
    assert config["fetch_max_wait_ms"] == fetch_wait_ms


def test_an_explicit_fetch_wait_wins_and_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings(kafka=KafkaSettings(fetch_max_wait_ms=40)).fetch_max_wait_ms == 40
    monkeypatch.setenv("OMNIROUTE_KAFKA__FETCH_MAX_WAIT_MS", "120")
    monkeypatch.setenv("OMNIROUTE_PROFILE", "production")
    settings = Settings()
    assert consumer_config(settings, None)["fetch_max_wait_ms"] == 120
    # Handed to a worker process as it was read.
    assert settings.as_env()["OMNIROUTE_KAFKA__FETCH_MAX_WAIT_MS"] == "120"


def test_a_fetch_wait_of_zero_is_refused_naming_the_field() -> None:
    with pytest.raises(ValueError, match="fetch_max_wait_ms"):
        KafkaSettings(fetch_max_wait_ms=0)
