"""The rolling service-level window keeps running counts; they must equal a recount
of the events still inside the window, whatever the sequence."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from omniroute.router.stages.assignment import ServiceLevelWindow, WindowFigures

KEYS = [("care", "general", "voice"), ("care", "vip", "chat")]
STEPS = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=40, allow_nan=False),  # time passing first
        st.one_of(
            st.tuples(
                st.sampled_from(KEYS),
                st.sampled_from(["entered", "answered", "abandoned"]),
                st.booleans(),
            ),
            st.none(),  # a tick reading the figures
        ),
    ),
    max_size=200,
)


def _recount(
    events: list[tuple[tuple[str, str, str], float, str, bool]], now: float, seconds: float
) -> dict[tuple[str, str, str], WindowFigures]:
    figures = {}
    for key in KEYS:
        inside = [(o, w) for k, at, o, w in events if k == key and at >= now - seconds]
        if inside:
            figures[key] = WindowFigures(
                entered=sum(o == "entered" for o, _ in inside),
                answered=sum(o == "answered" for o, _ in inside),
                answered_within=sum(o == "answered" and w for o, w in inside),
                abandoned=sum(o == "abandoned" for o, _ in inside),
                abandoned_late=sum(o == "abandoned" and not w for o, w in inside),
            )
    return figures


@given(steps=STEPS)
def test_the_running_counts_equal_a_recount_of_the_window(
    steps: list[tuple[float, tuple[tuple[str, str, str], str, bool] | None]],
) -> None:
    window = ServiceLevelWindow(seconds=60.0)
    recorded: list[tuple[tuple[str, str, str], float, str, bool]] = []
    now = 1_000.0
    for elapsed, step in steps:
        now += elapsed
        if step is None:
            assert window.figures(now) == _recount(recorded, now, 60.0)
        else:
            key, outcome, within = step
            window.record(key, now, outcome, within)
            recorded.append((key, now, outcome, within))
    assert window.figures(now + 61) == {}


def test_service_level_counts_short_abandons_out() -> None:
    window = ServiceLevelWindow(seconds=900.0)
    key = KEYS[0]
    for within in (True, True, True, False):
        window.record(key, 10.0, "answered", within)
    window.record(key, 11.0, "abandoned", True)  # gave up inside the target: not counted
    window.record(key, 12.0, "abandoned", False)  # past the target: counted as missed
    for _ in range(6):
        window.record(key, 9.0, "entered", True)
    figures = window.figures(20.0)[key]
    assert figures.service_level == 3 / 5
    assert figures.abandon_ratio == 2 / 6
