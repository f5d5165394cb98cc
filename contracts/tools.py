"""Tool calls: what the voice worker asks for on NATS and what the tool runner answers.

Structural rules (real dates, E.164 phones, text limits) always apply. Rules that depend on the clinic and on
the clock (no past slots, opening hours, the booking horizon, the phone region) apply when a `BookingRules` is passed
as validation context, which every boundary that accepts a *new* request does: `ToolRequest.model_validate(data,
context=rules.context())`. Stored history (audit events) is read without it, so old requests stay readable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from contracts.base import AwareDatetime, CallId, Contract, Identifier, MessageId, SafeText, new_message_id
from contracts.phi import DEFAULT_REGION, PatientName, PhoneNumber, Reason


class ToolName(StrEnum):
    CHECK_AVAILABILITY = "check_availability"
    BOOK_APPOINTMENT = "book_appointment"
    CANCEL_APPOINTMENT = "cancel_appointment"
    SEND_SMS = "send_sms"


OpeningHours = Mapping[int, tuple[tuple[dt.time, dt.time], ...]]  # ISO weekday (1 = Monday) -> intervals


@dataclass(frozen=True, slots=True)
class BookingRules:
    """The clinic and clock facts that decide whether a requested slot is acceptable now."""

    timezone: ZoneInfo
    now: dt.datetime
    opening_hours: OpeningHours = field(default_factory=dict)
    phone_region: str = DEFAULT_REGION
    horizon_days: int | None = None  # how many days ahead a slot may be; None: no limit

    def context(self) -> dict[str, Any]:
        return {"booking_rules": self, "phone_region": self.phone_region}

    def today(self) -> dt.date:
        return self.now.astimezone(self.timezone).date()

    def is_open(self, day: dt.date, at: dt.time) -> bool:
        return any(start <= at < end for start, end in self.opening_hours.get(day.isoweekday(), ()))

    def within_horizon(self, day: dt.date) -> bool:
        return self.horizon_days is None or day <= self.today() + dt.timedelta(days=self.horizon_days)


def _rules(info: ValidationInfo) -> BookingRules | None:
    context = info.context if isinstance(info.context, dict) else {}
    rules = context.get("booking_rules")
    return rules if isinstance(rules, BookingRules) else None


Location = Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)]


class DayArgs(Contract):
    """Shared checks for arguments that name a day and maybe a time."""

    date: dt.date = Field(description="Day of the appointment, ISO format YYYY-MM-DD, in the clinic's time zone.")

    @field_validator("date")
    @classmethod
    def _bookable_day(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        rules = _rules(info)
        if rules is not None and value < rules.today():
            raise PydanticCustomError("date_past", "the date is in the past")
        if rules is not None and not rules.within_horizon(value):
            raise PydanticCustomError(
                "date_beyond_horizon", "beyond the booking horizon", {"horizon_days": rules.horizon_days}
            )
        return value


def _time_validator(value: dt.time | None, info: ValidationInfo) -> dt.time | None:
    if value is not None and (value.tzinfo is not None or value.second or value.microsecond):
        raise PydanticCustomError("time_format", "give the local time as HH:MM")
    rules = _rules(info)
    day = info.data.get("date")
    if rules is None or value is None or not isinstance(day, dt.date):
        return value
    if dt.datetime.combine(day, value, tzinfo=rules.timezone) < rules.now:
        raise PydanticCustomError("time_past", "the slot is in the past")
    if rules.opening_hours and not rules.is_open(day, value):
        raise PydanticCustomError("time_closed", "the clinic is closed at that time")
    return value


class CheckAvailabilityArgs(DayArgs):
    """Find free slots on a day, optionally near a time and at a location."""

    tool: Literal[ToolName.CHECK_AVAILABILITY] = ToolName.CHECK_AVAILABILITY
    time: dt.time | None = Field(default=None, description="Preferred local time HH:MM, if the caller gave one.")
    location: Location | None = None

    _time = field_validator("time")(_time_validator)


class BookAppointmentArgs(DayArgs):
    """Book one slot for a patient."""

    tool: Literal[ToolName.BOOK_APPOINTMENT] = ToolName.BOOK_APPOINTMENT
    time: dt.time = Field(description="Local start time HH:MM.")
    patient_name: PatientName
    phone: PhoneNumber
    reason: Reason
    location: Location | None = None

    _time = field_validator("time")(_time_validator)


class CancelAppointmentArgs(DayArgs):
    """Cancel a patient's appointment: the one on that day (and time) whose phone number and name both match, or
    whose phone number is the number the caller is calling from."""

    tool: Literal[ToolName.CANCEL_APPOINTMENT] = ToolName.CANCEL_APPOINTMENT
    phone: PhoneNumber
    patient_name: PatientName
    time: dt.time | None = None

    _time = field_validator("time")(_time_validator)


class SmsConfirmation(StrEnum):
    """Which of the clinic's SMS templates to send."""

    BOOKING = "booking"
    CANCELLATION = "cancellation"


class SmsRecipient(StrEnum):
    """Who gets the SMS: the appointment's own phone number, or the number the caller is calling from (SIP)."""

    PATIENT = "patient"
    CALLER = "caller"


class SendSmsArgs(Contract):
    """Send the clinic's confirmation of an appointment booked or cancelled in this call. The tool runner writes the
    text from the clinic's template and picks the number; neither is ever the model's."""

    tool: Literal[ToolName.SEND_SMS] = ToolName.SEND_SMS
    confirmation: SmsConfirmation = Field(description="booking or cancellation: which template.")
    appointment_id: Identifier | None = Field(
        default=None, description="An appointment booked or cancelled in this call; unset: the last one of its kind."
    )
    recipient: SmsRecipient = SmsRecipient.PATIENT


ArgumentModel = CheckAvailabilityArgs | BookAppointmentArgs | CancelAppointmentArgs | SendSmsArgs
ToolArguments = Annotated[ArgumentModel, Field(discriminator="tool")]
ARGUMENT_MODELS: dict[ToolName, type[ArgumentModel]] = {
    ToolName.CHECK_AVAILABILITY: CheckAvailabilityArgs,
    ToolName.BOOK_APPOINTMENT: BookAppointmentArgs,
    ToolName.CANCEL_APPOINTMENT: CancelAppointmentArgs,
    ToolName.SEND_SMS: SendSmsArgs,
}

Practitioner = Annotated[str, StringConstraints(max_length=120)]


class Slot(Contract):
    start: AwareDatetime
    duration_minutes: int = Field(ge=5, le=240)
    practitioner: Practitioner | None = None
    location: Location | None = None


class CheckAvailabilityResult(Contract):
    tool: Literal[ToolName.CHECK_AVAILABILITY] = ToolName.CHECK_AVAILABILITY
    slots: list[Slot] = Field(max_length=50, description="Free slots; empty when nothing is free.")


class BookAppointmentResult(Contract):
    tool: Literal[ToolName.BOOK_APPOINTMENT] = ToolName.BOOK_APPOINTMENT
    appointment_id: Identifier
    start: AwareDatetime
    duration_minutes: int = Field(ge=5, le=240)
    practitioner: Practitioner | None = None
    location: Location | None = None


class CancelAppointmentResult(Contract):
    tool: Literal[ToolName.CANCEL_APPOINTMENT] = ToolName.CANCEL_APPOINTMENT
    appointment_id: Identifier
    start: AwareDatetime


class SendSmsResult(Contract):
    tool: Literal[ToolName.SEND_SMS] = ToolName.SEND_SMS
    sms_id: Identifier
    status: Literal["queued", "sent"]


ToolResult = Annotated[
    CheckAvailabilityResult | BookAppointmentResult | CancelAppointmentResult | SendSmsResult,
    Field(discriminator="tool"),
]
RESULT_MODELS: dict[ToolName, type[Contract]] = {
    ToolName.CHECK_AVAILABILITY: CheckAvailabilityResult,
    ToolName.BOOK_APPOINTMENT: BookAppointmentResult,
    ToolName.CANCEL_APPOINTMENT: CancelAppointmentResult,
    ToolName.SEND_SMS: SendSmsResult,
}


class ToolErrorCode(StrEnum):
    INVALID_ARGUMENTS = "invalid_arguments"
    SLOT_UNAVAILABLE = "slot_unavailable"
    NOT_FOUND = "not_found"
    BACKEND_UNAVAILABLE = "backend_unavailable"
    BACKEND_ERROR = "backend_error"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    INTERNAL = "internal"
    NOT_PERMITTED = "not_permitted"
    LIMIT_REACHED = "limit_reached"


class RefusalReason(StrEnum):
    """Why the tool runner refused an action (a metric label and an audit field: never PHI)."""

    TOOL_CALLS_LIMIT = "tool_calls_limit"
    SMS_LIMIT = "sms_limit"
    BOOKINGS_LIMIT = "bookings_limit"
    CANCELLATION_ATTEMPTS_LIMIT = "cancellation_attempts_limit"
    SMS_APPOINTMENT_NOT_IN_CALL = "sms_appointment_not_in_call"
    SMS_NO_CALLER_NUMBER = "sms_no_caller_number"
    SMS_COUNTRY_NOT_ALLOWED = "sms_country_not_allowed"
    # Counted by the tool runner only: the reply is the plain not_found of an appointment that does not exist.
    CANCEL_IDENTITY_MISMATCH = "cancel_identity_mismatch"


RETRYABLE_CODES = frozenset({ToolErrorCode.BACKEND_UNAVAILABLE, ToolErrorCode.RATE_LIMITED, ToolErrorCode.TIMEOUT})


def idempotency_key_for(call_id: str, tool_call_id: str) -> str:
    """The idempotency key of a tool call: stable for the same (call, tool call), distinct otherwise."""
    return hashlib.sha256(f"camille-tool:{call_id}:{tool_call_id}".encode()).hexdigest()


IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ToolRequest(Contract):
    message_id: MessageId = Field(default_factory=new_message_id)
    call_id: CallId
    tool_call_id: Identifier
    idempotency_key: IdempotencyKey
    deadline: AwareDatetime = Field(description="After this instant the caller has stopped waiting.")
    arguments: ToolArguments
    caller_phone: PhoneNumber | None = Field(
        default=None,
        description="The number the caller is calling from, as the SIP participant reports it; set by the voice "
        "worker, never from the model's arguments. Unset on web calls and withheld numbers.",
    )

    @property
    def tool(self) -> ToolName:
        return self.arguments.tool

    @model_validator(mode="after")
    def _key_matches_ids(self) -> Self:
        if self.idempotency_key != idempotency_key_for(self.call_id, self.tool_call_id):
            raise PydanticCustomError("idempotency_key", "idempotency_key must derive from call_id and tool_call_id")
        return self

    @classmethod
    def create(
        cls, *, call_id: str, tool_call_id: str, deadline: dt.datetime, arguments: Any, **extra: Any
    ) -> ToolRequest:
        return cls(
            call_id=call_id,
            tool_call_id=tool_call_id,
            idempotency_key=idempotency_key_for(call_id, tool_call_id),
            deadline=deadline,
            arguments=arguments,
            **extra,
        )


class ToolFailure(Contract):
    code: ToolErrorCode
    message: SafeText = Field(description="Operator-facing, never PHI.")
    retryable: bool
    field: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None, description="The argument that was rejected, as a dotted path."
    )
    retry_after_s: float | None = Field(default=None, ge=0)
    reason: RefusalReason | None = Field(default=None, description="Why a not_permitted or limit_reached refusal.")

    @classmethod
    def of(cls, code: ToolErrorCode, message: str, **extra: Any) -> ToolFailure:
        return cls(code=code, message=message, retryable=code in RETRYABLE_CODES, **extra)


class ToolReply(Contract):
    message_id: MessageId = Field(default_factory=new_message_id)
    request_id: Identifier = Field(description="message_id of the request this answers.")
    call_id: CallId
    tool_call_id: Identifier
    tool: ToolName
    ok: bool
    result: ToolResult | None = None
    error: ToolFailure | None = None

    @model_validator(mode="after")
    def _exactly_one_outcome(self) -> Self:
        if self.ok != (self.result is not None) or self.ok == (self.error is not None):
            raise PydanticCustomError("reply_outcome", "ok replies carry a result, failed replies an error")
        if self.result is not None and self.result.tool != self.tool:
            raise PydanticCustomError("reply_tool", "result does not belong to this tool")
        return self

    @classmethod
    def success(cls, request: ToolRequest, result: Any) -> ToolReply:
        return cls(
            request_id=request.message_id,
            call_id=request.call_id,
            tool_call_id=request.tool_call_id,
            tool=request.tool,
            ok=True,
            result=result,
        )

    @classmethod
    def failure(
        cls, *, request_id: str, call_id: str, tool_call_id: str, tool: ToolName, error: ToolFailure
    ) -> ToolReply:
        """A failed reply built from raw ids: for requests too malformed to become a `ToolRequest`."""
        return cls(
            request_id=request_id,
            call_id=call_id,
            tool_call_id=tool_call_id,
            tool=tool,
            ok=False,
            error=error,
        )

    @classmethod
    def failed(cls, request: ToolRequest, error: ToolFailure) -> ToolReply:
        return cls.failure(
            request_id=request.message_id,
            call_id=request.call_id,
            tool_call_id=request.tool_call_id,
            tool=request.tool,
            error=error,
        )
