"""Who may do what in a call: the tool runner's decisions, as plain functions over the call's own state.

The model proposes a tool call; this decides. A call may make at most the clinic's `limits` of each kind; an SMS
only confirms an appointment booked or cancelled in this very call, to that appointment's phone or to the number
the caller is calling from, in a country the clinic allows; a cancellation needs the name, phone and day to match
(or the caller to be calling from the appointment's phone). `Authority` applies the decisions to the shared state.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import Field

from contracts.base import AwareDatetime, Contract, Identifier
from contracts.clinic import ClinicProfile
from contracts.names import same_name
from contracts.phi import PHI, PhoneNumber, phone_region
from contracts.tools import (
    CancelAppointmentArgs,
    Location,
    Practitioner,
    RefusalReason,
    SendSmsArgs,
    SmsConfirmation,
    SmsRecipient,
    ToolErrorCode,
    ToolFailure,
    ToolName,
    ToolRequest,
)
from contracts.webhooks import AppointmentOnFile
from tool_runner.call_state import CallStateStore, update


class LimitKind(StrEnum):
    """The per-call limits, named as in the clinic file's `limits:`."""

    SMS = "sms"
    BOOKINGS = "bookings"
    CANCELLATION_ATTEMPTS = "cancellation_attempts"


LIMITED = {
    ToolName.SEND_SMS: LimitKind.SMS,
    ToolName.BOOK_APPOINTMENT: LimitKind.BOOKINGS,
    ToolName.CANCEL_APPOINTMENT: LimitKind.CANCELLATION_ATTEMPTS,
}
LIMIT_REASONS = {
    LimitKind.SMS: RefusalReason.SMS_LIMIT,
    LimitKind.BOOKINGS: RefusalReason.BOOKINGS_LIMIT,
    LimitKind.CANCELLATION_ATTEMPTS: RefusalReason.CANCELLATION_ATTEMPTS_LIMIT,
}


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


CONFIRMS = {
    SmsConfirmation.BOOKING: AppointmentStatus.BOOKED,
    SmsConfirmation.CANCELLATION: AppointmentStatus.CANCELLED,
}


class CallAppointment(Contract):
    """An appointment this call booked or cancelled, as the backend answered: what its SMS is written from."""

    appointment_id: Identifier
    start: AwareDatetime
    practitioner: Practitioner | None = None
    location: Location | None = None
    phone: PhoneNumber
    status: AppointmentStatus


class CallState(Contract):
    calls: dict[Identifier, ToolName] = Field(default_factory=dict, description="Every tool call admitted or refused.")
    charged: dict[Identifier, LimitKind] = Field(default_factory=dict, description="Tool calls counted in a limit.")
    appointments: list[CallAppointment] = Field(default_factory=list)

    def count(self, kind: LimitKind) -> int:
        return Counter(self.charged.values())[kind]


@dataclass(frozen=True, slots=True)
class Refusal:
    code: ToolErrorCode
    reason: RefusalReason
    message: str

    def failure(self) -> ToolFailure:
        return ToolFailure.of(self.code, self.message, reason=self.reason)


@dataclass(frozen=True, slots=True)
class SmsTarget:
    appointment: CallAppointment
    to: PHI


@dataclass(frozen=True, slots=True)
class Admission:
    refusal: Refusal | None = None
    sms: SmsTarget | None = None


def _limit(kind: LimitKind | None, limit: int, reason: RefusalReason) -> Refusal:
    what = kind.value.replace("_", " ") if kind else "tool calls"
    return Refusal(ToolErrorCode.LIMIT_REACHED, reason, f"limit reached: {limit} {what} per call")


def _not_permitted(reason: RefusalReason, why: str) -> Refusal:
    return Refusal(ToolErrorCode.NOT_PERMITTED, reason, f"not permitted: {why}")


def sms_target(
    state: CallState, args: SendSmsArgs, caller_phone: PHI | None, regions: frozenset[str]
) -> SmsTarget | Refusal:
    """The appointment an SMS confirms and its recipient, or why there is none to send."""
    status = CONFIRMS[args.confirmation]
    matching = [
        a
        for a in state.appointments
        if a.status is status and (args.appointment_id is None or a.appointment_id == args.appointment_id)
    ]
    if not matching:
        why = f"no appointment {status.value} in this call matches"
        return _not_permitted(RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL, why)
    appointment = matching[-1]
    to = appointment.phone if args.recipient is SmsRecipient.PATIENT else caller_phone
    if to is None:
        return _not_permitted(RefusalReason.SMS_NO_CALLER_NUMBER, "no caller number is known for this call")
    if phone_region(to) not in regions:
        return _not_permitted(RefusalReason.SMS_COUNTRY_NOT_ALLOWED, "the clinic sends no SMS to that country")
    return SmsTarget(appointment, to)


def admit(state: CallState, request: ToolRequest, clinic: ClinicProfile) -> tuple[CallState | None, Admission]:
    """Whether the call may go ahead, and the state to store (None: unchanged). A tool call is counted once: a
    retry of one already let through goes through again, one refused before is decided again."""
    limits = clinic.limits
    args = request.arguments
    target = (
        sms_target(state, args, request.caller_phone, clinic.sms_regions()) if isinstance(args, SendSmsArgs) else None
    )
    refused = target if isinstance(target, Refusal) else None
    sms = target if isinstance(target, SmsTarget) else None
    kind = LIMITED.get(request.tool)
    seen = request.tool_call_id in state.calls
    if seen and (kind is None or request.tool_call_id in state.charged):
        return None, Admission(refused, sms)
    if not seen and len(state.calls) >= limits.tool_calls:
        return None, Admission(_limit(None, limits.tool_calls, RefusalReason.TOOL_CALLS_LIMIT))
    calls = {**state.calls, request.tool_call_id: request.tool}
    if kind is not None and state.count(kind) >= getattr(limits, kind.value):
        refused = _limit(kind, getattr(limits, kind.value), LIMIT_REASONS[kind])
    if refused is not None or kind is None:
        return (None if seen else state.model_copy(update={"calls": calls})), Admission(refused, sms)
    charged = {**state.charged, request.tool_call_id: kind}
    return state.model_copy(update={"calls": calls, "charged": charged}), Admission(sms=sms)


def settled(state: CallState, tool_call_id: str, *, refund: bool, appointment: CallAppointment | None) -> CallState:
    """The state after a call's outcome: its charge returned when nothing happened, its appointment remembered."""
    charged = {k: v for k, v in state.charged.items() if not (refund and k == tool_call_id)}
    appointments = list(state.appointments)
    if appointment is not None:
        appointments = [a for a in appointments if a.appointment_id != appointment.appointment_id] + [appointment]
    return state.model_copy(update={"charged": charged, "appointments": appointments})


@dataclass(frozen=True, slots=True)
class CancelChoice:
    appointment: AppointmentOnFile | None = None
    ambiguous: bool = False  # several of the caller's own appointments fit: the time is needed
    identity_mismatch: bool = False  # appointments fit the day, none is the caller's to cancel


def choose_appointment(
    found: Sequence[AppointmentOnFile], args: CancelAppointmentArgs, caller_phone: PHI | None, zone: ZoneInfo
) -> CancelChoice:
    """The one appointment this caller may cancel among a phone number's appointments of the day: the name must
    match, unless the caller is calling from that phone number."""
    fits = [a for a in found if _at(a.start, zone, args.date, args.time)]
    named = [a for a in fits if same_name(args.patient_name, a.patient_name)]  # every one compared: no early exit
    callers_own = caller_phone is not None and caller_phone == args.phone
    candidates = named or (fits if callers_own else [])
    if len(candidates) == 1:
        return CancelChoice(candidates[0])
    if candidates:
        return CancelChoice(ambiguous=True)
    return CancelChoice(identity_mismatch=bool(fits))


def _at(start: dt.datetime, zone: ZoneInfo, day: dt.date, at: dt.time | None) -> bool:
    local = start.astimezone(zone)
    return local.date() == day and (at is None or local.time().replace(tzinfo=None) == at)


class Authority:
    """The decisions above, applied to the call's state shared by every replica."""

    def __init__(self, store: CallStateStore, clinic: ClinicProfile) -> None:
        self.store = store
        self.clinic = clinic

    async def admit(self, request: ToolRequest) -> Admission:
        def change(raw: bytes | None) -> tuple[bytes | None, Admission]:
            new, admission = admit(_state(raw), request, self.clinic)
            return (new.model_dump_json().encode() if new is not None else None), admission

        return await update(self.store, request.call_id, change)

    async def settle(
        self, request: ToolRequest, *, refund: bool = False, appointment: CallAppointment | None = None
    ) -> None:
        if not refund and appointment is None:
            return

        def change(raw: bytes | None) -> tuple[bytes | None, None]:
            new = settled(_state(raw), request.tool_call_id, refund=refund, appointment=appointment)
            return new.model_dump_json().encode(), None

        await update(self.store, request.call_id, change)


def _state(raw: bytes | None) -> CallState:
    return CallState.model_validate_json(raw) if raw else CallState()
