"""Each fast path of the router stage held to the slow one it replaces, for
generated inputs: the same bytes, the same decision (issue 25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniroute.router.core import PARSED_UTC, as_parsed_utc
from omniroute.router.stages.routing import history_json
from omniroute.schemas import (
    Channel,
    ContactOutcome,
    ContactTarget,
    RecentContact,
    RecentContacts,
)
from tests.support.examples import examples

FAST = settings(
    max_examples=examples(100), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
_WHOLE = RecentContacts.__pydantic_serializer__.to_json
names = st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,12}", fullmatch=True)
moments = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(
        [UTC, PARSED_UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30))]
    ),
)
lines = st.builds(
    RecentContact,
    interaction_id=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.:@-]{0,30}", fullmatch=True),
    at=moments,
    channel=st.sampled_from(Channel),
    reason=st.none() | names,
    target=st.none() | st.sampled_from(ContactTarget),
    queue=st.none() | names,
    pool=st.none() | names,
    agent_id=st.none() | st.text(max_size=20),
    outcome=st.sampled_from(ContactOutcome),
    automation_outcome=st.none() | st.sampled_from(ContactOutcome),
)


@FAST
@given(st.lists(lines, max_size=12).map(tuple), st.data())
def test_history_joined_from_its_lines_is_the_models_own_json(
    history: tuple[RecentContact, ...], data: st.DataObject
) -> None:
    """The incremental save writes what serialising ``RecentContacts`` writes, whichever
    lines' JSON it already held; and what it writes reads back as the same lines."""
    whole = _WHOLE(RecentContacts(contacts=history))
    cold, parts = history_json(history)
    held = data.draw(st.sets(st.integers(0, max(len(history) - 1, 0))))
    known = {id(history[i]): parts[i] for i in held if i < len(history)}
    warm, again = history_json(history, known)

    assert cold == warm == whole
    assert again == parts
    assert RecentContacts.model_validate_json(warm).contacts == history


@FAST
@given(moments)
def test_now_on_the_parsed_tzinfo_is_the_same_instant_written_the_same_way(
    moment: datetime,
) -> None:
    moved = as_parsed_utc(moment)

    assert moved == moment
    assert moved.utcoffset() == moment.utcoffset()
    assert RecentContact.__pydantic_serializer__.to_json(
        RecentContact(interaction_id="i", at=moved, channel=Channel.VOICE)
    ) == RecentContact.__pydantic_serializer__.to_json(
        RecentContact(interaction_id="i", at=moment, channel=Channel.VOICE)
    )
    if moment.utcoffset() == timedelta(0):
        assert moved.tzinfo is PARSED_UTC
