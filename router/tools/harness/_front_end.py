"""What a front end says when an agent finishes a contact: the contact's end
(``InteractionEnded``, with the wait it had) and, from some customers, a survey
answer whose score falls as the wait they perceived grows. Seeded."""

from __future__ import annotations

import random

from omniroute.schemas import Channel, CustomerFeedback, InteractionEnded, new_event_id

__all__ = ["closing_events", "csat_for_wait"]

_SOURCE = "/demo/front-end"


def csat_for_wait(perceived_seconds: float, rng: random.Random) -> int:
    """A plausible CSAT (1-5): about 4.6 for no wait, a point lower every ~80 s
    perceived, with a person's variation around it."""
    mean = 4.6 - perceived_seconds / 80
    return max(1, min(5, round(rng.gauss(mean, 0.6))))


def closing_events(
    *,
    interaction_id: str,
    customer_id: str,
    channel: Channel,
    agent_id: str,
    waited_seconds: float,
    automation_seconds: float,
    handle_seconds: float,
    rng: random.Random,
    survey_share: float = 0.4,
) -> list[InteractionEnded | CustomerFeedback]:
    """The end of an agent-handled contact, and a CSAT answer from ``survey_share``
    of the customers (interaction events and feedback, both keyed by customer)."""
    ended = InteractionEnded(
        id=new_event_id(),
        source=_SOURCE,
        interaction_id=interaction_id,
        customer_id=customer_id,
        channel=channel,
        outcome="resolved",
        agent_id=agent_id,
        handle_seconds=round(handle_seconds, 3),
        waited_seconds=round(max(0.0, waited_seconds), 3),
    )
    events: list[InteractionEnded | CustomerFeedback] = [ended]
    if rng.random() < survey_share:
        events.append(
            CustomerFeedback(
                id=new_event_id(),
                source=_SOURCE,
                interaction_id=interaction_id,
                customer_id=customer_id,
                kind="csat",
                score=csat_for_wait(waited_seconds + automation_seconds, rng),
            )
        )
    return events
