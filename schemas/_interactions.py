"""Interaction events: what front ends publish to ``omniroute.interactions`` (key: customer id).

One flat family, discriminated by ``type``, for every channel: the channel is a
field, never a separate flow, which is what lets one policy treat them alike.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    StringConstraints,
    TypeAdapter,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError, core_schema

from ._common import Channel, ContactReason, CustomerId, Envelope, Flag, InteractionId, Number
from ._identity import ContactAddress

__all__ = [
    "AutomationCompleted",
    "AutomationStage",
    "CallbackRequested",
    "InteractionAbandoned",
    "InteractionArrived",
    "InteractionEnded",
    "InteractionEscalated",
    "InteractionEvent",
    "InteractionEventAdapter",
]

AutomationStep = Annotated[str, StringConstraints(min_length=1, max_length=64)]
AutomationStage = Literal["ivr", "self_service"]


def _not_null(value: object) -> object:
    # Absent means "no address"; an explicit null is refused, as the schema says.
    if value is None:
        raise ValueError("an address, or leave the field out")
    return value


def _absent(value: object) -> bool:
    return value is None


def _unnamed(value: object) -> bool:
    return value == ""


class _Unnamed(str):
    """The default of ``customer_id``: told apart from any value a document can hold
    (JSON cannot produce this object), so only a *missing* id is checked against the
    contact address."""

    __slots__ = ()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.str_schema()  # how a schema generator writes it: ""


_UNNAMED: str = _Unnamed()


def _someone(value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> object:
    if value is _UNNAMED:
        if info.data.get("contact") is None:
            raise PydanticCustomError("missing", "Field required (or a contact address)")
        return ""  # to be resolved from the contact address
    return handler(value)


class _InteractionBase(Envelope):
    model_config = {
        "json_schema_extra": {
            # Who: a customer id, or a contact address to resolve.
            "anyOf": [{"required": ["customer_id"]}, {"required": ["contact"]}],
        }
    }

    interaction_id: InteractionId
    # Declared before customer_id: its validator reads it.
    contact: Annotated[ContactAddress | SkipJsonSchema[None], BeforeValidator(_not_null)] = Field(
        default=None,
        exclude_if=_absent,
        description=(
            "tel:, mailto: or social: (the caller's number, e-mail address or handle): "
            "resolved to the customer when customer_id is absent; with customer_id, it "
            "links the address to that customer in the identity index. Never logged."
        ),
    )
    customer_id: Annotated[CustomerId, WrapValidator(_someone)] = Field(
        default=_UNNAMED,
        validate_default=True,
        exclude_if=_unnamed,
        description=(
            "Who the customer is. Leave it out (and send the record without a key) when "
            "only a contact address is known: the router resolves it and re-publishes "
            "the event keyed by the customer id."
        ),
    )
    channel: Channel


class _AutomationContext(_InteractionBase):
    reason: ContactReason | None = Field(
        default=None, description="Contact reason, from an IVR menu, a web form or a classifier."
    )
    automation_seconds: Number = Field(
        default=0.0,
        ge=0,
        le=86_400 * 7,
        description="Time already spent in IVR or self-service; counts toward perceived wait.",
    )
    automation_path: list[AutomationStep] = Field(
        default_factory=list,
        max_length=50,
        description="IVR menu nodes or self-service pages visited, in order.",
    )


class InteractionArrived(_AutomationContext):
    """A new contact: a call reached the IVR, a chat opened, an e-mail arrived..."""

    type: Literal["omniroute.interaction.arrived"] = "omniroute.interaction.arrived"
    requested_agent: Flag = Field(default=False, description="The customer asked for a person.")
    language: Annotated[str, StringConstraints(max_length=16)] | None = None
    subject: Annotated[str, StringConstraints(max_length=256)] | None = None


class InteractionEscalated(_AutomationContext):
    """The customer left IVR or self-service asking for a person, or automation gave up."""

    type: Literal["omniroute.interaction.escalated"] = "omniroute.interaction.escalated"
    from_stage: AutomationStage
    requested_agent: Flag = True


class AutomationCompleted(_AutomationContext):
    """IVR or self-service finished, resolved or not."""

    type: Literal["omniroute.interaction.automation_completed"] = (
        "omniroute.interaction.automation_completed"
    )
    stage: AutomationStage
    resolved: Flag


class InteractionAbandoned(_InteractionBase):
    """The customer hung up or left while in automation, in queue, or during an offer."""

    type: Literal["omniroute.interaction.abandoned"] = "omniroute.interaction.abandoned"
    stage: Literal["ivr", "self_service", "queue", "offer"]
    waited_seconds: Number = Field(default=0.0, ge=0)
    reason: ContactReason | None = None


class CallbackRequested(_InteractionBase):
    """A queued customer chose to be called back instead of holding: the contact keeps
    its place in line and is offered to an agent as an outbound callback."""

    type: Literal["omniroute.interaction.callback_requested"] = (
        "omniroute.interaction.callback_requested"
    )
    callback_number_ref: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="A reference the dialler resolves; never the number itself."
    )


class InteractionEnded(_InteractionBase):
    """The contact is over: an agent wrapped it up or the front end closed it."""

    type: Literal["omniroute.interaction.ended"] = "omniroute.interaction.ended"
    outcome: Literal["resolved", "unresolved", "transferred"]
    handled_by: Literal["agent", "ivr", "self_service"] = "agent"
    agent_id: Annotated[str, StringConstraints(max_length=128)] | None = None
    handle_seconds: Number = Field(default=0.0, ge=0)
    waited_seconds: Number = Field(
        default=0.0, ge=0, description="Time queued before an agent took it (perceived wait)."
    )
    reason: ContactReason | None = None


InteractionEvent = Annotated[
    InteractionArrived
    | InteractionEscalated
    | AutomationCompleted
    | InteractionAbandoned
    | CallbackRequested
    | InteractionEnded,
    Field(discriminator="type"),
]
InteractionEventAdapter: TypeAdapter[InteractionEvent] = TypeAdapter(InteractionEvent)
