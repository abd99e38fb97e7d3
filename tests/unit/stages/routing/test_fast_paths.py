"""Each fast path of the router stage held to the slow one it replaces, for
generated inputs: the same bytes, the same decision (issue 25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omniroute.router.codec import InboundRecord
from omniroute.router.core import (
    AUTOMATION_FAILURES,
    PARSED_UTC,
    CustomerRecord,
    as_parsed_utc,
    route_events,
)
from omniroute.router.policy import FactSheet, default_policy
from omniroute.router.stages.routing import DecisionWriter, HistoryWriter, LineJson, history_json
from omniroute.schemas import (
    Channel,
    ContactOutcome,
    ContactTarget,
    CustomerContext,
    CustomerProfile,
    Explanation,
    ExplanationKind,
    InteractionArrived,
    InteractionEscalated,
    RecentContact,
    RecentContacts,
    RoutingDecision,
    Tier,
)
from tests.support.assigner import queued_decision
from tests.support.examples import examples

FAST = settings(
    max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
DEFAULT = default_policy()
NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)
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
    cold = history_json(history, LineJson())
    held = LineJson(limit=data.draw(st.integers(1, 6)))
    for index in data.draw(st.sets(st.integers(0, max(len(history) - 1, 0)))):
        if index < len(history):
            held(history[index])
    warm = history_json(history, held)

    assert cold == warm == whole
    assert len(held) <= held._limit
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


profiles = st.none() | st.builds(
    CustomerProfile,
    customer_id=st.just("c1"),
    name=st.text(max_size=10),
    tier=st.sampled_from(Tier),
    arpu=st.floats(0, 600, allow_nan=False),
    segment=st.none() | names,
    language=st.none() | st.sampled_from(["en", "fr"]),
    preferred_channel=st.none() | st.sampled_from(Channel),
)
events = st.builds(
    InteractionArrived,
    id=st.from_regex(r"e[a-z0-9-]{0,20}", fullmatch=True),
    source=st.just("/frontends/test"),
    interaction_id=st.just("i-now"),
    customer_id=st.just("c1"),
    channel=st.sampled_from(Channel),
    reason=st.none() | st.sampled_from(["billing", "cancellation", "outage", "other"]),
    requested_agent=st.booleans(),
) | st.builds(
    InteractionEscalated,
    id=st.from_regex(r"e[a-z0-9-]{0,20}", fullmatch=True),
    source=st.just("/frontends/test"),
    interaction_id=st.just("i-now"),
    customer_id=st.just("c1"),
    channel=st.sampled_from(Channel),
    reason=st.none() | names,
)


@FAST
@given(profiles, st.lists(lines, max_size=8).map(tuple), events, st.booleans(), st.booleans())
def test_a_decision_written_from_its_lines_json_is_the_models_own_json(
    profile: CustomerProfile | None,
    history: tuple[RecentContact, ...],
    event: InteractionArrived | InteractionEscalated,
    failed: bool,
    warm: bool,
) -> None:
    """The stage's decisions (the pure core, then ``DecisionWriter``) are the bytes the
    model's serialiser writes, and read back as the same decision."""
    customer = CustomerRecord("c1", profile, history, lookup_failed=failed)
    record = InboundRecord("omniroute.interactions", 0, 0, b"c1", b"{}")
    routed = route_events(
        [(record, event)],
        {"c1": customer},
        DEFAULT,
        {},
        now=datetime.now(UTC),
        keep=20,
        max_age=timedelta(days=30),
    )
    line_json = LineJson()
    if warm:
        history_json(history, line_json)
    write = DecisionWriter(line_json)
    ((_, decision),) = routed.decisions

    written = write(decision)
    assert written == RoutingDecision.__pydantic_serializer__.to_json(decision)
    assert RoutingDecision.model_validate_json(written) == decision


@FAST
@given(
    st.lists(
        st.builds(
            RecentContact,
            interaction_id=st.sampled_from(["i-now", "i-1", "i-2", "i-3"]),
            at=st.integers(-7200, 60).map(lambda s: NOW + timedelta(seconds=s)),
            channel=st.just(Channel.VOICE),
            reason=st.none() | st.sampled_from(["billing", "other"]),
            target=st.none() | st.sampled_from(ContactTarget),
            outcome=st.sampled_from(ContactOutcome),
            automation_outcome=st.none() | st.sampled_from(ContactOutcome),
        ),
        max_size=10,
    ).map(tuple),
    st.none() | st.sampled_from(["billing", "other"]),
    st.integers(0, 7200),
    st.integers(0, 7200),
)
def test_the_history_facts_in_one_pass_are_the_filtered_ones(
    history: tuple[RecentContact, ...], reason: str | None, repeat: int, failure: int
) -> None:
    """``FactSheet.scan_history`` (one pass, cut-offs computed once) gives what the
    three filtered passes it replaced gave."""
    event = InteractionArrived(
        id="e1",
        source="/t",
        interaction_id="i-now",
        customer_id="c1",
        channel=Channel.VOICE,
        reason=reason,
    )
    now = as_parsed_utc(NOW)
    sheet = FactSheet(
        event,
        CustomerRecord("c1", None, history),
        {},
        now,
        timezone=ZoneInfo("UTC"),
        repeat_window=timedelta(seconds=repeat),
        failure_window=timedelta(seconds=failure),
    )
    others = [line for line in history if line.interaction_id != "i-now"]
    in_repeat = [line for line in others if now - line.at <= timedelta(seconds=repeat)]
    in_failure = [line for line in others if now - line.at <= timedelta(seconds=failure)]

    assert sheet["recent_contacts"] == len(in_repeat)
    assert sheet["same_reason_recent"] == sum(
        1 for line in in_repeat if reason and line.reason == reason
    )
    assert sheet["failed_automation_recently"] == any(
        line.automation_outcome in AUTOMATION_FAILURES
        or (
            line.outcome in {ContactOutcome.FAILED_IN_AUTOMATION, ContactOutcome.ABANDONED}
            and line.target in {ContactTarget.IVR, ContactTarget.SELF_SERVICE}
        )
        for line in in_failure
    )
    assert sheet["last_outcome"] == (others[-1].outcome.value if others else "")


@FAST
@given(
    st.lists(lines, max_size=6).map(tuple),
    st.lists(st.tuples(st.sampled_from(["append", "roll", "replace", "fresh"]), lines), max_size=8),
)
def test_histories_written_from_the_last_bytes_are_the_models_own_json(
    start: tuple[RecentContact, ...], steps: list[tuple[str, RecentContact]]
) -> None:
    """A customer's saves in a row, each a line appended, the oldest dropped and one
    appended, a line replaced or a fresh history: every one the model's own bytes."""
    writer = HistoryWriter(LineJson(), limit=4)
    history = start
    writer.written("c1", history, writer.encode("c1", history))
    for step, line in steps:
        if step == "append":
            history = (*history, line)
        elif step == "roll":
            history = (*history[1:], line)
        elif step == "replace" and history:
            history = (*history[:-1], line)
        elif step == "fresh":
            history = start
        raw = writer.encode("c1", history)
        assert raw == _WHOLE(RecentContacts(contacts=history)), step
        writer.written("c1", history, raw)


tricky_text = st.text(max_size=30) | st.sampled_from(
    [',"overflow":[]', '"customer":{}', '\\",\\"overflow\\":', "\u00e9\u2028\x00", ""]
)


@FAST
@given(
    tricky_text,
    tricky_text,
    st.lists(tricky_text, max_size=3).map(tuple),
    st.lists(lines, max_size=3).map(tuple),
    st.none() | names,
)
def test_the_customer_spliced_into_a_decision_lands_where_the_model_writes_it(
    detail: str,
    version: str,
    path: tuple[str, ...],
    history: tuple[RecentContact, ...],
    closed: str | None,
) -> None:
    """Free text before the customer (an explanation, the policy version, the
    automation path) that spells the next field's key cannot move the splice: the
    bytes are the model's own."""
    decision = queued_decision("i1", "c1", queue="general", pool="care").model_copy(
        update={
            "automation_path": path,
            "explanation": (Explanation(kind=ExplanationKind.RULE, name="r", detail=detail),),
            "policy_version": version or "v",
            "customer": CustomerContext(customer_id="c1", known=True, recent_contacts=history),
            "closed_queue": closed,
        }
    )

    written = DecisionWriter(LineJson())(decision)
    assert written == RoutingDecision.__pydantic_serializer__.to_json(decision)
    assert RoutingDecision.model_validate_json(written) == decision
