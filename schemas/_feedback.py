"""The customer's voice: a survey answer about one contact, published to
``omniroute.feedback`` (key: customer id) by front ends, survey tools or the SDKs.

The insight stage joins it with the contact it names (reason, channel, segment,
journey, perceived wait), so what customers say can be read by why they called.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from ._common import Channel, CustomerId, Envelope, Integer, InteractionId

__all__ = ["CustomerFeedback", "FeedbackKind"]

FeedbackKind = Literal["csat", "nps"]


class CustomerFeedback(Envelope):
    """A CSAT (1-5) or NPS (0-10) score about one contact, with optional free text.

    The text is the customer's own words: consumers keep it out of logs and metric
    labels; omniroute's figures use the score only."""

    type: Literal["omniroute.feedback"] = "omniroute.feedback"
    interaction_id: InteractionId = Field(description="The contact the answer is about.")
    customer_id: CustomerId
    channel: Channel | None = Field(
        default=None, description="Where the survey was answered (not the contact's channel)."
    )
    kind: FeedbackKind
    score: Integer = Field(ge=0, le=10, description="CSAT 1-5 or NPS 0-10.")
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _score_in_scale(self) -> CustomerFeedback:
        if self.kind == "csat" and not 1 <= self.score <= 5:
            raise ValueError("score: a CSAT score is 1 to 5")
        return self
