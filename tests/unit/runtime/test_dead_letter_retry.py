"""The schedule a held partition retries its refused dead letter on: quick at first
(a leader moving, a topic being recreated), then never more than the cap apart, so a
dead-letter topic fixed after an hour is noticed within the cap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniroute.router.runtime import retry_delay


def test_the_default_schedule_doubles_from_half_a_second_to_thirty_seconds() -> None:
    assert [retry_delay(n) for n in range(1, 10)] == [
        0.5,
        1.0,
        2.0,
        4.0,
        8.0,
        16.0,
        30.0,
        30.0,
        30.0,
    ]


def test_first_and_cap_are_the_callers() -> None:
    assert [retry_delay(n, first=0.1, cap=0.5) for n in range(1, 6)] == [0.1, 0.2, 0.4, 0.5, 0.5]


@pytest.mark.parametrize("attempt", [0, -3])
def test_an_attempt_below_one_waits_the_first_delay(attempt: int) -> None:
    assert retry_delay(attempt) == 0.5


@given(st.integers(min_value=1, max_value=10_000))
def test_never_shorter_than_the_last_nor_longer_than_the_cap(attempt: int) -> None:
    assert retry_delay(attempt) <= retry_delay(attempt + 1) <= 30.0
    assert retry_delay(attempt) >= 0.5
