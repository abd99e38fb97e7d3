"""The simulated floor's agenda: every agent's next action on one heap that the
floor's one loop reads. It must fire what the floor's old per-loop heap fired, at
the same loop turn: everything due by the clock, in time order, ties in the order
they were scheduled, nothing early."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniroute.router.tools.harness import Agenda


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_agents_actions_fire_at_the_first_turn_at_or_after_their_moment() -> None:
    clock = FakeClock(1_000.0)
    agenda: Agenda[str] = Agenda(clock)
    agenda.later(0.25, "agent-1 accepts offer-a")  # due 1000.25
    agenda.later(0.10, "agent-2 accepts offer-b")  # due 1000.10
    agenda.at(1_030.0, "agent-1 completes contact-a")
    agenda.at(1_000.10, "agent-3 rejects offer-c")  # same moment as agent-2: after it
    agenda.at(999.0, "customer-9 abandons")  # already due
    assert len(agenda) == 5
    assert agenda.next_at() == 999.0

    assert agenda.due() == ["customer-9 abandons"]
    clock.now = 1_000.099
    assert agenda.due() == []
    clock.now = 1_000.10
    assert agenda.due() == ["agent-2 accepts offer-b", "agent-3 rejects offer-c"]
    clock.now = 1_029.0
    assert agenda.due() == ["agent-1 accepts offer-a"]
    assert agenda.next_at() == 1_030.0
    # An action scheduled from a later turn counts from that turn's clock.
    agenda.later(0.5, "agent-2 completes contact-b")  # due 1029.5
    assert agenda.due(now=1_031.0) == ["agent-2 completes contact-b", "agent-1 completes contact-a"]
    assert len(agenda) == 0
    assert agenda.next_at() is None
    assert agenda.due(now=10_000.0) == []


@given(
    moments=st.lists(st.floats(0.0, 100.0, allow_nan=False), max_size=60),
    turns=st.lists(st.floats(0.0, 120.0, allow_nan=False), min_size=1, max_size=20),
)
def test_each_loop_turn_fires_what_a_sort_of_everything_scheduled_says(
    moments: list[float], turns: list[float]
) -> None:
    """The reference is the plainest one: sort every (moment, order scheduled), and
    a turn at ``now`` fires, in that order, each one due by ``now`` not yet fired."""
    agenda: Agenda[int] = Agenda(FakeClock(0.0))
    for index, moment in enumerate(moments):
        agenda.at(moment, index)
    expected_order = [i for _, i in sorted((m, i) for i, m in enumerate(moments))]
    fired: list[int] = []
    for now in sorted(turns):
        got = agenda.due(now)
        assert got == [i for i in expected_order if i not in fired and moments[i] <= now]
        assert all(moments[i] <= now for i in got)
        fired += got
    assert len(agenda) == len(moments) - len(fired)
    assert agenda.next_at() == min(
        (moments[i] for i in expected_order if i not in fired), default=None
    )
