"""What an admitted tool call becomes: the webhook operations it makes, and what the call's state must remember.

A cancellation looks the phone number's appointments of the day up first, whatever follows, so that a name that
does not match and an appointment that does not exist cost the same and are answered alike. An SMS is the clinic's
template filled in from the backend's own answer for an appointment of this call, to the number authority chose.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from contracts.base import Contract
from contracts.clinic import ClinicProfile
from contracts.phi import PHI
from contracts.tools import (
    BookAppointmentArgs,
    BookAppointmentResult,
    CancelAppointmentArgs,
    CancelAppointmentResult,
    CheckAvailabilityArgs,
    RefusalReason,
    SendSmsArgs,
    ToolErrorCode,
    ToolFailure,
    ToolRequest,
)
from contracts.webhooks import (
    CancelAppointmentByIdArgs,
    FindAppointmentsArgs,
    FindAppointmentsResult,
    SmsMessage,
    WebhookOperation,
)
from tool_runner.authority import Admission, AppointmentStatus, CallAppointment, choose_appointment
from tool_runner.backends import Outcome, WebhookBackend

log = logging.getLogger(__name__)

Remaining = Callable[[], float]
# The backend's final word that nothing was done: the call's charge against its limit is given back.
NOTHING_DONE = frozenset({ToolErrorCode.SLOT_UNAVAILABLE, ToolErrorCode.INVALID_ARGUMENTS})
# One answer for "no such appointment" and "not yours to cancel": the caller learns nothing either way.
NO_MATCH = ToolFailure.of(ToolErrorCode.NOT_FOUND, "no appointment matches this phone number, name and day")
SEVERAL = ToolFailure.of(
    ToolErrorCode.INVALID_ARGUMENTS, "time: several appointments that day, give the time", field="time"
)


@dataclass(frozen=True, slots=True)
class Acted:
    outcome: Outcome
    appointment: CallAppointment | None = None  # booked or cancelled: its SMS may now be sent
    refund: bool = False
    refusal: RefusalReason | None = None  # refused inside the action (counted; the reply says no more)


def derived_key(key: str, operation: WebhookOperation) -> str:
    """The idempotency key of a second operation made for one tool call (the first one uses the call's own)."""
    return hashlib.sha256(f"{key}:{operation.value}".encode()).hexdigest()


class Actions:
    def __init__(self, backends: Mapping[WebhookOperation, WebhookBackend], clinic: ClinicProfile) -> None:
        self.backends = backends
        self.clinic = clinic

    async def run(self, request: ToolRequest, admission: Admission, remaining: Remaining) -> Acted:
        args = request.arguments
        if isinstance(args, CheckAvailabilityArgs):
            return Acted(await self._call(request, WebhookOperation.CHECK_AVAILABILITY, args, remaining))
        if isinstance(args, BookAppointmentArgs):
            return await self._book(request, args, remaining)
        if isinstance(args, CancelAppointmentArgs):
            return await self._cancel(request, args, remaining)
        assert isinstance(args, SendSmsArgs) and admission.sms is not None  # admission found the SMS's target
        appointment, to = admission.sms.appointment, admission.sms.to
        text = self.clinic.confirmation_text(args.confirmation, appointment.start, appointment.practitioner)
        outcome = await self._call(request, WebhookOperation.SEND_SMS, SmsMessage(to=to, text=PHI(text)), remaining)
        return Acted(outcome, refund=_nothing_done(outcome))

    async def _book(self, request: ToolRequest, args: BookAppointmentArgs, remaining: Remaining) -> Acted:
        outcome = await self._call(request, WebhookOperation.BOOK_APPOINTMENT, args, remaining)
        if not isinstance(booked := outcome.result, BookAppointmentResult):
            return Acted(outcome, refund=_nothing_done(outcome))
        appointment = CallAppointment(
            appointment_id=booked.appointment_id,
            start=booked.start,
            practitioner=booked.practitioner,
            location=booked.location,
            phone=args.phone,
            status=AppointmentStatus.BOOKED,
        )
        return Acted(outcome, appointment)

    async def _cancel(self, request: ToolRequest, args: CancelAppointmentArgs, remaining: Remaining) -> Acted:
        lookup = FindAppointmentsArgs(date=args.date, phone=args.phone)
        key = derived_key(request.idempotency_key, WebhookOperation.FIND_APPOINTMENTS)
        found = await self._call(request, WebhookOperation.FIND_APPOINTMENTS, lookup, remaining, key=key)
        if not isinstance(found.result, FindAppointmentsResult):
            return Acted(_no_match_if_missing(found))
        choice = choose_appointment(found.result.appointments, args, request.caller_phone, self.clinic.zone)
        if choice.ambiguous:
            return Acted(Outcome(failure=SEVERAL))
        if choice.appointment is None:
            mismatch = RefusalReason.CANCEL_IDENTITY_MISMATCH if choice.identity_mismatch else None
            return Acted(Outcome(failure=NO_MATCH), refusal=mismatch)
        chosen = choice.appointment
        by_id = CancelAppointmentByIdArgs(appointment_id=chosen.appointment_id, date=args.date, phone=args.phone)
        outcome = _no_match_if_missing(await self._call(request, WebhookOperation.CANCEL_APPOINTMENT, by_id, remaining))
        if not isinstance(cancelled := outcome.result, CancelAppointmentResult):
            return Acted(outcome)
        appointment = CallAppointment(
            appointment_id=cancelled.appointment_id,
            start=cancelled.start,
            practitioner=chosen.practitioner,
            location=chosen.location,
            phone=args.phone,
            status=AppointmentStatus.CANCELLED,
        )
        return Acted(outcome, appointment)

    async def _call(
        self,
        request: ToolRequest,
        operation: WebhookOperation,
        arguments: Contract,
        remaining: Remaining,
        *,
        key: str | None = None,
    ) -> Outcome:
        backend = self.backends[operation]
        outcome = await backend.call(operation, arguments, key or request.idempotency_key, remaining)
        if outcome.failure is not None:
            log.info(
                "webhook %s on %s failed: %s after %d attempt(s) (call %s)",
                operation.value,
                backend.name,
                outcome.failure.code.value,
                outcome.attempts,
                request.call_id,
            )
        return outcome


def _nothing_done(outcome: Outcome) -> bool:
    return outcome.failure is not None and outcome.failure.code in NOTHING_DONE


def _no_match_if_missing(outcome: Outcome) -> Outcome:
    if outcome.failure is not None and outcome.failure.code is ToolErrorCode.NOT_FOUND:
        return Outcome(failure=NO_MATCH, attempts=outcome.attempts)
    return outcome
