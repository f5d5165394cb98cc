"""The scheduling rules of the reference API: slots from the clinic file, one booking per slot, cancellations,
an SMS outbox, and responses replayed by request id (the signed webhook-id). Also the staging hooks end-to-end tests
use.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from pydantic import ValidationError

from contracts.clinic import ClinicProfile
from contracts.tools import (
    BookAppointmentArgs,
    BookAppointmentResult,
    BookingRules,
    CancelAppointmentResult,
    CheckAvailabilityArgs,
    CheckAvailabilityResult,
    SendSmsResult,
    Slot,
)
from contracts.webhooks import (
    AppointmentOnFile,
    CancelAppointmentByIdArgs,
    FindAppointmentsArgs,
    FindAppointmentsResult,
    SmsMessage,
)
from runtime.sql import Database, UniqueViolation

log = logging.getLogger(__name__)

Clock = Callable[[], dt.datetime]
MAX_SLOTS = 6
Answer = tuple[int, dict[str, Any]]
MAX_FOUND = 20
_Args = TypeVar("_Args", CheckAvailabilityArgs, BookAppointmentArgs, FindAppointmentsArgs, CancelAppointmentByIdArgs)


class Refused(Exception):
    """A business refusal with its HTTP status and typed error body (never PHI)."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field

    def answer(self) -> Answer:
        body: dict[str, Any] = {"error": self.error, "message": self.message}
        if self.field:
            body["field"] = self.field
        return self.status, body


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


class SchedulingStore:
    def __init__(self, db: Database, clinic: ClinicProfile, clock: Clock) -> None:
        self.db = db
        self.clinic = clinic
        self.clock = clock

    # Staging hooks (also behind /admin in development) ------------------------------------------------------
    def close_day(self, day: dt.date) -> None:
        """Make a day fully booked: no slots offered, every booking refused with 409."""
        with self.db.transaction():
            if not self.db.execute("SELECT day FROM closed_days WHERE day = %(day)s", {"day": day.isoformat()}):
                self.db.execute("INSERT INTO closed_days (day) VALUES (%(day)s)", {"day": day.isoformat()})

    def reopen_day(self, day: dt.date) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM closed_days WHERE day = %(day)s", {"day": day.isoformat()})

    def outbox(self) -> list[dict[str, str]]:
        rows = self.db.execute("SELECT id, phone, body, status FROM sms_outbox ORDER BY created_at")
        return [{"id": r[0], "phone": r[1], "body": r[2], "status": r[3]} for r in rows]

    def appointments(self) -> list[dict[str, str]]:
        rows = self.db.execute("SELECT id, start_at, patient_name, phone, status FROM appointments ORDER BY start_at")
        return [{"id": r[0], "start": r[1], "patient_name": r[2], "phone": r[3], "status": r[4]} for r in rows]

    # Idempotent execution -----------------------------------------------------------------------------------
    def run(self, key: str | None, operation: str, payload: bytes, work: Callable[[], Answer]) -> Answer:
        """Run `work` once per request id (the caller passes the signed webhook-id); a repeat gets the stored
        answer, a reuse with another body 422."""
        request_hash = hashlib.sha256(operation.encode() + b"\0" + payload).hexdigest()
        with self.db.transaction():
            if key:
                rows = self.db.execute(
                    "SELECT request_hash, status_code, body FROM idempotency WHERE key = %(key)s", {"key": key}
                )
                if rows:
                    if rows[0][0] != request_hash:
                        return Refused(
                            422, "idempotency_key_reused", "this webhook-id was used for another request"
                        ).answer()
                    return int(rows[0][1]), json.loads(rows[0][2])
            try:
                status, body = work()
            except Refused as refusal:
                status, body = refusal.answer()
            if key:
                self.db.execute(
                    "INSERT INTO idempotency (key, request_hash, status_code, body, created_at) "
                    "VALUES (%(key)s, %(hash)s, %(status)s, %(body)s, %(now)s)",
                    {
                        "key": key,
                        "hash": request_hash,
                        "status": status,
                        "body": json.dumps(body),
                        "now": _utc(self.clock()),
                    },
                )
            return status, body

    # The five operations ------------------------------------------------------------------------------------
    def _rules(self, *, horizon: bool = True) -> BookingRules:
        """The clinic's booking rules on this store's clock; without the horizon where it is not a refusal."""
        rules = self.clinic.booking_rules(self.clock())
        return rules if horizon else dataclasses.replace(rules, horizon_days=None)

    def _checked(self, args: _Args, rules: BookingRules) -> _Args:
        """Apply the booking rules (no past day or slot, opening hours, the horizon when it is set)."""
        try:
            return type(args).model_validate(args.model_dump(mode="json"), context=rules.context())
        except ValidationError as exc:
            first = exc.errors(include_input=False, include_url=False)[0]
            field = ".".join(str(p) for p in first["loc"])
            raise Refused(422, "invalid_arguments", f"{field}: {first['msg']}", field) from None

    def _day_slots(self, day: dt.date) -> Iterator[dt.datetime]:
        step = dt.timedelta(minutes=self.clinic.slot_minutes)
        for opens, closes in self.clinic.hours().get(day.isoweekday(), ()):
            start = dt.datetime.combine(day, opens, tzinfo=self.clinic.zone)
            end = dt.datetime.combine(day, closes, tzinfo=self.clinic.zone)
            while start + step <= end:
                yield start
                start += step

    def _closed(self, day: dt.date) -> bool:
        return bool(self.db.execute("SELECT day FROM closed_days WHERE day = %(day)s", {"day": day.isoformat()}))

    def _slot(self, start: dt.datetime, location: str | None) -> dict[str, Any]:
        return {
            "start": start,
            "duration_minutes": self.clinic.slot_minutes,
            "practitioner": self.clinic.practitioners[0].name,
            "location": location or (self.clinic.locations[0].name if self.clinic.locations else None),
        }

    def check_availability(self, args: CheckAvailabilityArgs) -> Answer:
        args = self._checked(args, self._rules(horizon=False))
        if self._closed(args.date) or not self._rules().within_horizon(args.date):  # beyond it nothing is free
            return 200, CheckAvailabilityResult(slots=[]).model_dump(mode="json")
        booked = {
            row[0]
            for row in self.db.execute(
                "SELECT start_at FROM appointments WHERE day = %(day)s AND status = 'booked'",
                {"day": args.date.isoformat()},
            )
        }
        now = self.clock()
        free = [s for s in self._day_slots(args.date) if s > now and _utc(s) not in booked]
        if args.time is not None:
            wanted = dt.datetime.combine(args.date, args.time, tzinfo=self.clinic.zone)
            free = sorted(sorted(free, key=lambda s: abs((s - wanted).total_seconds()))[:MAX_SLOTS])
        slots = [Slot(**self._slot(s, args.location)) for s in free[:MAX_SLOTS]]
        return 200, CheckAvailabilityResult(slots=slots).model_dump(mode="json")

    def book_appointment(self, args: BookAppointmentArgs) -> Answer:
        args = self._checked(args, self._rules())  # beyond the horizon: 422 "date: beyond the booking horizon"
        start = dt.datetime.combine(args.date, args.time, tzinfo=self.clinic.zone)
        if start not in set(self._day_slots(args.date)):
            raise Refused(422, "invalid_arguments", "time: not the start of a slot", "time")
        if self._closed(args.date):
            raise Refused(409, "slot_unavailable", "the day is fully booked")
        slot = self._slot(start, args.location)
        appointment_id = uuid.uuid4().hex
        try:
            self.db.execute(
                "INSERT INTO appointments (id, start_at, day, duration_minutes, practitioner, location, patient_name,"
                " phone, reason, status, created_at) VALUES (%(id)s, %(start)s, %(day)s, %(minutes)s,"
                " %(practitioner)s, %(location)s, %(name)s, %(phone)s, %(reason)s, 'booked', %(now)s)",
                {
                    "id": appointment_id,
                    "start": _utc(start),
                    "day": args.date.isoformat(),
                    "minutes": slot["duration_minutes"],
                    "practitioner": slot["practitioner"],
                    "location": slot["location"],
                    "name": args.patient_name.reveal(),
                    "phone": args.phone.reveal(),
                    "reason": args.reason.reveal(),
                    "now": _utc(self.clock()),
                },
            )
        except UniqueViolation:
            raise Refused(409, "slot_unavailable", "the slot is already booked") from None
        log.info("appointment %s booked", appointment_id)
        result = BookAppointmentResult(appointment_id=appointment_id, **slot)
        return 201, result.model_dump(mode="json")

    def find_appointments(self, args: FindAppointmentsArgs) -> Answer:
        args = self._checked(args, self._rules(horizon=False))
        rows = self.db.execute(
            "SELECT id, start_at, patient_name, practitioner, location FROM appointments"
            " WHERE phone = %(phone)s AND day = %(day)s AND status = 'booked' ORDER BY start_at",
            {"phone": args.phone.reveal(), "day": args.date.isoformat()},
        )
        found = [
            AppointmentOnFile(
                appointment_id=row[0],
                start=dt.datetime.fromisoformat(row[1]),
                patient_name=row[2],
                practitioner=row[3],
                location=row[4],
            )
            for row in rows[:MAX_FOUND]
        ]
        return 200, FindAppointmentsResult(appointments=found).model_dump(mode="json")

    def cancel_appointment(self, args: CancelAppointmentByIdArgs) -> Answer:
        args = self._checked(args, self._rules(horizon=False))  # an appointment held can be cancelled however far
        rows = self.db.execute(
            "SELECT start_at FROM appointments WHERE id = %(id)s AND phone = %(phone)s AND day = %(day)s"
            " AND status = 'booked'",
            {"id": args.appointment_id, "phone": args.phone.reveal(), "day": args.date.isoformat()},
        )
        if not rows:
            raise Refused(404, "not_found", "no such appointment booked for this phone number on that day")
        self.db.execute(
            "UPDATE appointments SET status = 'cancelled', cancelled_at = %(now)s WHERE id = %(id)s",
            {"id": args.appointment_id, "now": _utc(self.clock())},
        )
        log.info("appointment %s cancelled", args.appointment_id)
        start = dt.datetime.fromisoformat(rows[0][0])
        return 200, CancelAppointmentResult(appointment_id=args.appointment_id, start=start).model_dump(mode="json")

    def send_sms(self, args: SmsMessage) -> Answer:
        sms_id = uuid.uuid4().hex
        self.db.execute(
            "INSERT INTO sms_outbox (id, phone, body, status, created_at)"
            " VALUES (%(id)s, %(phone)s, %(body)s, 'queued', %(now)s)",
            {"id": sms_id, "phone": args.to.reveal(), "body": args.text.reveal(), "now": _utc(self.clock())},
        )
        # Delivery is a provider adapter's job; the default only queues (and never logs the text or the number).
        log.info("sms %s queued in the outbox", sms_id)
        return 202, SendSmsResult(sms_id=sms_id, status="queued").model_dump(mode="json")
