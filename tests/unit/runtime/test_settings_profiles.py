"""The broker profile picks the consumer timings; an explicit value wins."""

from __future__ import annotations

import pytest

from omniroute.router.runtime import (
    KafkaSettings,
    Profile,
    Settings,
    consumer_config,
    producer_config,
)


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


@pytest.mark.parametrize(
    ("profile", "codec"), [(Profile.EMBEDDED, None), (Profile.PRODUCTION, "lz4")]
)
def test_each_profile_picks_the_producers_codec_and_an_explicit_one_wins(
    profile: Profile, codec: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One host compresses nothing (lz4 cost the router CPU and saved no network);
    production writes lz4. Workers get it through ``as_env``."""
    settings = Settings(profile=profile)
    assert producer_config(settings)["compression_type"] == codec
    monkeypatch.setenv("OMNIROUTE_KAFKA__COMPRESSION", "zstd")
    monkeypatch.setenv("OMNIROUTE_PROFILE", profile.value)
    assert producer_config(Settings())["compression_type"] == "zstd"
    assert Settings().as_env()["OMNIROUTE_KAFKA__COMPRESSION"] == "zstd"
