"""The webhook contract: what the tool runner asks of the clinic's scheduling backend, operation by operation.

The model's tool calls (`contracts.tools`) are proposals; the tool runner decides what each one becomes here.
check_availability and book_appointment go as the model's arguments. cancel_appointment becomes find_appointments
(a phone number's appointments on a day, with the patient's name, so that the runner can check who is asking) and
then cancel_appointment by appointment id. send_sms carries the text the runner rendered from the clinic's template,
to the number the runner chose: the backend's `send_sms(to, text)` is the same as it always was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import AwareDatetime, Contract, Identifier
from contracts.phi import PatientName, PhoneNumber, SmsText
from contracts.tools import (
    BookAppointmentResult,
    CancelAppointmentResult,
    CheckAvailabilityResult,
    DayArgs,
    Location,
    Practitioner,
    SendSmsResult,
)


class WebhookOperation(StrEnum):
    CHECK_AVAILABILITY = "check_availability"
    BOOK_APPOINTMENT = "book_appointment"
    FIND_APPOINTMENTS = "find_appointments"
    CANCEL_APPOINTMENT = "cancel_appointment"
    SEND_SMS = "send_sms"


class FindAppointmentsArgs(DayArgs):
    """The booked appointments of a phone number on a day (read only)."""

    tool: Literal[WebhookOperation.FIND_APPOINTMENTS] = WebhookOperation.FIND_APPOINTMENTS
    phone: PhoneNumber


class AppointmentOnFile(Contract):
    appointment_id: Identifier
    start: AwareDatetime
    patient_name: PatientName
    practitioner: Practitioner | None = None
    location: Location | None = None


class FindAppointmentsResult(Contract):
    tool: Literal[WebhookOperation.FIND_APPOINTMENTS] = WebhookOperation.FIND_APPOINTMENTS
    appointments: list[AppointmentOnFile] = Field(max_length=20, description="Empty when there is none.")


class CancelAppointmentByIdArgs(DayArgs):
    """Cancel one appointment by id; the backend cancels it only if it is booked on that day for that phone."""

    tool: Literal[WebhookOperation.CANCEL_APPOINTMENT] = WebhookOperation.CANCEL_APPOINTMENT
    appointment_id: Identifier
    phone: PhoneNumber


class SmsMessage(Contract):
    """One text message to queue: the number and the words are the tool runner's, never the model's."""

    tool: Literal[WebhookOperation.SEND_SMS] = WebhookOperation.SEND_SMS
    to: PhoneNumber
    text: SmsText


WEBHOOK_RESULT_MODELS: dict[WebhookOperation, type[Contract]] = {
    WebhookOperation.CHECK_AVAILABILITY: CheckAvailabilityResult,
    WebhookOperation.BOOK_APPOINTMENT: BookAppointmentResult,
    WebhookOperation.FIND_APPOINTMENTS: FindAppointmentsResult,
    WebhookOperation.CANCEL_APPOINTMENT: CancelAppointmentResult,
    WebhookOperation.SEND_SMS: SendSmsResult,
}
