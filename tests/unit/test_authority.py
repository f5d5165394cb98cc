"""The tool runner decides what a call may do: the authority's plain functions, and the runner applying them with
an in-memory call state and an in-memory clinic backend."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import nats.errors
import pytest
from opentelemetry.trace import NoOpTracerProvider
from prometheus_client import CollectorRegistry

from contracts.base import Contract
from contracts.clinic import ClinicProfile
from contracts.phi import PHI
from contracts.tools import (
    BookAppointmentResult,
    CancelAppointmentArgs,
    CancelAppointmentResult,
    CheckAvailabilityResult,
    RefusalReason,
    SendSmsArgs,
    SendSmsResult,
    SmsConfirmation,
    ToolErrorCode,
    ToolName,
    ToolReply,
    ToolRequest,
)
from contracts.webhooks import (
    AppointmentOnFile,
    CancelAppointmentByIdArgs,
    FindAppointmentsArgs,
    FindAppointmentsResult,
    SmsMessage,
    WebhookOperation,
)
from offline_kit.webhook import tool_request
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from tests.fakes import MemoryCallStateStore, MemoryResultStore
from tool_runner.authority import (
    Admission,
    AppointmentStatus,
    Authority,
    CallAppointment,
    CallState,
    Refusal,
    SmsTarget,
    admit,
    choose_appointment,
    settled,
    sms_target,
)
from tool_runner.backends import Outcome, WebhookBackend
from tool_runner.call_state import CallStateUnavailable, StaleRevision
from tool_runner.metrics import ToolRunnerMetrics
from tool_runner.runner import ToolRunner
from tool_runner.telemetry import Telemetry

CLINIC = load_clinic(SHIPPED_CLINIC_FILE)
PARIS = CLINIC.zone
NOW = dt.datetime(2030, 1, 7, 7, 0, tzinfo=dt.UTC)  # a Monday, 08:00 in Paris
TUESDAY = dt.date(2030, 1, 8)
PATIENT = "+33611223344"
CALLER = "+33644556677"


def request(arguments: dict[str, Any], *, tool_call_id: str = "tc-1", caller_phone: str | None = None) -> ToolRequest:
    built = tool_request(arguments, now=NOW, call_id="call-1", tool_call_id=tool_call_id)
    return built.model_copy(update={"caller_phone": PHI(caller_phone) if caller_phone else None})


def booked(appointment_id: str = "apt-1", phone: str = PATIENT, status: AppointmentStatus = AppointmentStatus.BOOKED):
    start = dt.datetime.combine(TUESDAY, dt.time(10), tzinfo=PARIS)
    return CallAppointment(
        appointment_id=appointment_id, start=start, practitioner="Dr Fillion", phone=PHI(phone), status=status
    )


def sms(**extra: Any) -> dict[str, Any]:
    return {"tool": "send_sms", "confirmation": "booking", **extra}


def book(time: str = "10:00", name: str = "Marie Martin", phone: str = PATIENT) -> dict[str, Any]:
    return {
        "tool": "book_appointment",
        "date": TUESDAY.isoformat(),
        "time": time,
        "patient_name": name,
        "phone": phone,
        "reason": "vaccin",
    }


def cancel(name: str = "Marie Martin", phone: str = PATIENT, time: str | None = None) -> dict[str, Any]:
    args = {"tool": "cancel_appointment", "date": TUESDAY.isoformat(), "phone": phone, "patient_name": name}
    return args | ({"time": time} if time else {})


# --- the decisions, as plain functions ---------------------------------------------------------------------------


def test_an_sms_confirms_only_an_appointment_of_this_call() -> None:
    """No appointment in the call, another call's id, or the wrong kind of confirmation: refused, not permitted."""
    regions = CLINIC.sms_regions()
    empty = sms_target(CallState(), SendSmsArgs(confirmation="booking"), None, regions)
    assert isinstance(empty, Refusal) and empty.reason is RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL
    state = CallState(appointments=[booked()])
    foreign = sms_target(
        state, SendSmsArgs(confirmation="booking", appointment_id="apt-of-another-call"), None, regions
    )
    assert isinstance(foreign, Refusal) and foreign.failure().code is ToolErrorCode.NOT_PERMITTED
    wrong_kind = sms_target(state, SendSmsArgs(confirmation="cancellation"), None, regions)
    assert isinstance(wrong_kind, Refusal)
    target = sms_target(state, SendSmsArgs(confirmation="booking"), None, regions)
    assert isinstance(target, SmsTarget) and target.to == PHI(PATIENT) and target.appointment.appointment_id == "apt-1"


def test_the_last_appointment_of_the_kind_is_confirmed_unless_one_is_named() -> None:
    """Without an id the latest booking is confirmed; with one, that booking."""
    state = CallState(appointments=[booked("apt-1"), booked("apt-2", phone="+33698765432")])
    last = sms_target(state, SendSmsArgs(confirmation="booking"), None, CLINIC.sms_regions())
    named = sms_target(state, SendSmsArgs(confirmation="booking", appointment_id="apt-1"), None, CLINIC.sms_regions())
    assert isinstance(last, SmsTarget) and last.appointment.appointment_id == "apt-2"
    assert isinstance(named, SmsTarget) and named.to == PHI(PATIENT)


def test_the_caller_recipient_is_the_sip_number_and_needs_one() -> None:
    """recipient=caller goes to the SIP caller's number; with none known it is refused."""
    state = CallState(appointments=[booked()])
    args = SendSmsArgs(confirmation="booking", recipient="caller")
    none = sms_target(state, args, None, CLINIC.sms_regions())
    assert isinstance(none, Refusal) and none.reason is RefusalReason.SMS_NO_CALLER_NUMBER
    target = sms_target(state, args, PHI(CALLER), CLINIC.sms_regions())
    assert isinstance(target, SmsTarget) and target.to == PHI(CALLER)


def test_an_sms_to_a_country_the_clinic_does_not_serve_is_refused() -> None:
    """A booking made with a US number gets no SMS from a clinic that texts France only."""
    state = CallState(appointments=[booked(phone="+12025550142")])
    refused = sms_target(state, SendSmsArgs(confirmation="booking"), None, frozenset({"FR"}))
    assert isinstance(refused, Refusal) and refused.reason is RefusalReason.SMS_COUNTRY_NOT_ALLOWED
    assert isinstance(sms_target(state, SendSmsArgs(confirmation="booking"), None, frozenset({"FR", "US"})), SmsTarget)


def decide(state: CallState, arguments: dict[str, Any], tool_call_id: str) -> tuple[CallState, Admission]:
    new, admission = admit(state, request(arguments, tool_call_id=tool_call_id), CLINIC)
    return (new or state), admission


@pytest.mark.parametrize(
    ("arguments", "limit", "reason"),
    [
        (sms(), CLINIC.limits.sms, RefusalReason.SMS_LIMIT),
        (book(), CLINIC.limits.bookings, RefusalReason.BOOKINGS_LIMIT),
        (cancel(), CLINIC.limits.cancellation_attempts, RefusalReason.CANCELLATION_ATTEMPTS_LIMIT),
    ],
)
def test_each_limit_refuses_the_call_past_it(arguments: dict[str, Any], limit: int, reason: RefusalReason) -> None:
    """The clinic's limit of a kind lets exactly that many calls through, then refuses with limit_reached."""
    state = CallState(appointments=[booked()])
    outcomes = []
    for n in range(limit + 1):
        state, admission = decide(state, arguments, f"tc-{n}")
        outcomes.append(admission.refusal)
    assert outcomes[:limit] == [None] * limit
    last = outcomes[-1]
    assert last is not None and last.reason is reason and last.failure().code is ToolErrorCode.LIMIT_REACHED
    assert not last.failure().retryable


def test_the_tool_call_limit_counts_every_kind_and_then_refuses_all() -> None:
    """After the clinic's number of tool calls of any kind, the next one of any kind is refused."""
    clinic = CLINIC.model_copy(update={"limits": CLINIC.limits.model_copy(update={"tool_calls": 3})})
    state = CallState()
    for n, arguments in enumerate([{"tool": "check_availability", "date": TUESDAY.isoformat()}, sms(), book()]):
        new, _ = admit(state, request(arguments, tool_call_id=f"tc-{n}"), clinic)
        state = new or state
    _, admission = admit(state, request({"tool": "check_availability", "date": "2030-01-08"}, tool_call_id="x"), clinic)
    assert admission.refusal is not None and admission.refusal.reason is RefusalReason.TOOL_CALLS_LIMIT


def test_a_retried_tool_call_is_counted_once() -> None:
    """The same tool call id twice is one SMS against the limit, and the retry goes through again."""
    state = CallState(appointments=[booked()])
    state, first = decide(state, sms(), "tc-1")
    state, again = decide(state, sms(), "tc-1")
    assert first.refusal is None and again.refusal is None and state.count(state.charged["tc-1"]) == 1
    state, second = decide(state, sms(), "tc-2")
    _, third = decide(state, sms(), "tc-3")
    assert second.refusal is None and third.refusal is not None


def test_a_refused_call_retried_is_decided_again_and_still_refused() -> None:
    """A tool call refused at the limit is refused again when retried, without counting twice."""
    state = CallState(appointments=[booked()])
    for n in range(CLINIC.limits.sms):
        state, _ = decide(state, sms(), f"tc-{n}")
    state, refused = decide(state, sms(), "tc-late")
    after, retried = admit(state, request(sms(), tool_call_id="tc-late"), CLINIC)
    assert refused.refusal is not None and retried.refusal is not None and after is None
    assert len(state.calls) == CLINIC.limits.sms + 1


def test_a_charge_is_given_back_and_an_appointment_remembered_when_settled() -> None:
    """settled() returns a refunded charge and records (or updates) the call's appointment."""
    state = CallState(calls={"tc-1": ToolName.BOOK_APPOINTMENT}, charged={"tc-1": "bookings"})  # type: ignore[dict-item]
    refunded = settled(state, "tc-1", refund=True, appointment=None)
    assert refunded.charged == {} and refunded.calls == state.calls
    kept = settled(state, "tc-1", refund=False, appointment=booked())
    cancelled = settled(kept, "tc-2", refund=False, appointment=booked(status=AppointmentStatus.CANCELLED))
    assert [a.status for a in cancelled.appointments] == [AppointmentStatus.CANCELLED]


def on_file(name: str, hour: int = 10, appointment_id: str = "apt-1") -> AppointmentOnFile:
    start = dt.datetime.combine(TUESDAY, dt.time(hour), tzinfo=PARIS)
    return AppointmentOnFile(appointment_id=appointment_id, start=start, patient_name=name, practitioner="Dr Fillion")


def cancel_args(name: str, time: str | None = None) -> CancelAppointmentArgs:
    return CancelAppointmentArgs.model_validate(cancel(name, time=time))


def test_a_cancellation_needs_the_name_unless_the_caller_calls_from_that_phone() -> None:
    """The name must match; a caller on the appointment's own number may cancel it under any name."""
    found = [on_file("Marie Martin")]
    assert choose_appointment(found, cancel_args("martin marie"), None, PARIS).appointment == found[0]
    wrong = choose_appointment(found, cancel_args("Sophie Bernard"), None, PARIS)
    assert wrong.appointment is None and wrong.identity_mismatch
    other_caller = choose_appointment(found, cancel_args("Sophie Bernard"), PHI(CALLER), PARIS)
    assert other_caller.appointment is None
    own_phone = choose_appointment(found, cancel_args("Bernard"), PHI(PATIENT), PARIS)
    assert own_phone.appointment == found[0]
    nothing = choose_appointment([], cancel_args("Marie Martin"), None, PARIS)
    assert nothing.appointment is None and not nothing.identity_mismatch


def test_several_appointments_of_the_caller_need_the_time() -> None:
    """Two appointments of the same person that day are ambiguous until the time picks one."""
    found = [on_file("Marie Martin", 9, "apt-1"), on_file("Marie Martin", 14, "apt-2")]
    assert choose_appointment(found, cancel_args("Marie Martin"), None, PARIS).ambiguous
    assert choose_appointment(found, cancel_args("Marie Martin", "14:00"), None, PARIS).appointment == found[1]
    assert choose_appointment(found, cancel_args("Marie Martin", "11:00"), None, PARIS).appointment is None


class InterleavingStore(MemoryCallStateStore):
    """Yields between a read and the write that follows it, so concurrent changes really race."""

    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        value = await super().read(call_id)
        await asyncio.sleep(0)
        return value

    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        await asyncio.sleep(0)
        return await super().write(call_id, value, revision)


async def test_concurrent_admissions_never_lose_a_count() -> None:
    """Eight SMS admitted at once against a racing store: exactly the limit get through, every one is recorded."""
    store = InterleavingStore()
    authority = Authority(store, CLINIC)
    await authority.settle(request(book()), appointment=booked())
    admissions = await asyncio.gather(*(authority.admit(request(sms(), tool_call_id=f"tc-{n}")) for n in range(8)))
    assert sum(a.refusal is None for a in admissions) == CLINIC.limits.sms
    raw, _ = await store.read("call-1")
    assert raw is not None and len(CallState.model_validate_json(raw).calls) == 8


class ConflictingStore(MemoryCallStateStore):
    async def write(self, call_id: str, value: bytes, revision: int) -> int:
        raise StaleRevision


async def test_endless_conflicts_make_the_state_unavailable() -> None:
    """A state that never stops changing under the writer is reported unavailable instead of looping."""
    with pytest.raises(CallStateUnavailable):
        await Authority(ConflictingStore(), CLINIC).admit(request(sms()))


# --- the runner applying them, with an in-memory clinic backend ----------------------------------------------------


class Diary:
    """An honest in-memory clinic backend: books, finds, cancels by id, queues SMS; records every operation."""

    name = "diary"

    def __init__(self) -> None:
        self.appointments: list[dict[str, Any]] = []
        self.outbox: list[tuple[str, str]] = []
        self.calls: list[WebhookOperation] = []

    def add(self, name: str, phone: str, hour: int = 10) -> str:
        appointment_id = f"apt-{len(self.appointments) + 1}"
        start = dt.datetime.combine(TUESDAY, dt.time(hour), tzinfo=PARIS)
        self.appointments.append(
            {"id": appointment_id, "start": start, "name": name, "phone": phone, "status": "booked"}
        )
        return appointment_id

    async def call(
        self, operation: WebhookOperation, arguments: Contract, key: str, remaining_s: Callable[[], float]
    ) -> Outcome:
        self.calls.append(operation)
        if operation is WebhookOperation.BOOK_APPOINTMENT:
            args: Any = arguments
            if any(a["start"].time() == args.time and a["status"] == "booked" for a in self.appointments):
                return Outcome.failed(ToolErrorCode.SLOT_UNAVAILABLE, "taken")
            new = self.add(args.patient_name.reveal(), args.phone.reveal(), args.time.hour)
            start = self.appointments[-1]["start"]
            return Outcome(BookAppointmentResult(appointment_id=new, start=start, duration_minutes=20))
        if isinstance(arguments, FindAppointmentsArgs):
            mine = [a for a in self.appointments if a["phone"] == arguments.phone.reveal() and a["status"] == "booked"]
            found = [AppointmentOnFile(appointment_id=a["id"], start=a["start"], patient_name=a["name"]) for a in mine]
            return Outcome(FindAppointmentsResult(appointments=found))
        if isinstance(arguments, CancelAppointmentByIdArgs):
            for a in self.appointments:
                if a["id"] == arguments.appointment_id and a["phone"] == arguments.phone.reveal():
                    a["status"] = "cancelled"
                    return Outcome(CancelAppointmentResult(appointment_id=a["id"], start=a["start"]))
            return Outcome.failed(ToolErrorCode.NOT_FOUND, "HTTP 404: no such appointment")
        if isinstance(arguments, SmsMessage):
            self.outbox.append((arguments.to.reveal(), arguments.text.reveal()))
            return Outcome(SendSmsResult(sms_id=f"sms-{len(self.outbox)}", status="queued"))
        return Outcome(CheckAvailabilityResult(slots=[]))


def runner_for(diary: Diary, store: Any = None, clinic: ClinicProfile = CLINIC) -> tuple[ToolRunner, CollectorRegistry]:
    registry = CollectorRegistry()
    backend: Any = diary  # structural stand-in for WebhookBackend
    backends: dict[WebhookOperation, WebhookBackend] = dict.fromkeys(WebhookOperation, backend)
    runner = ToolRunner(
        clinic=clinic,
        backends=backends,
        results=MemoryResultStore(),
        call_states=store or MemoryCallStateStore(),
        telemetry=Telemetry.create(NoOpTracerProvider()),
        metrics=ToolRunnerMetrics(registry),
        clock=lambda: NOW,
    )
    return runner, registry


async def run(runner: ToolRunner, arguments: dict[str, Any], tool_call_id: str, **kw: Any) -> ToolReply:
    data = request(arguments, tool_call_id=tool_call_id, **kw).model_dump_json().encode()
    return ToolReply.model_validate_json(await runner.handle(ToolName(arguments["tool"]), data))


def refusals(registry: CollectorRegistry) -> dict[tuple[str, str], int]:
    """The tool runner's refusal counter, by (tool, reason)."""
    counts: dict[tuple[str, str], int] = {}
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == "camille_tool_runner_refusals_total":
                counts[(sample.labels["tool"], sample.labels["reason"])] = int(sample.value)
    return counts


async def test_the_sms_is_the_clinics_template_for_the_booking_to_its_phone() -> None:
    """After a booking, send_sms queues the clinic's booking text with the backend's date, time and practitioner."""
    diary = Diary()
    runner, _ = runner_for(diary)
    assert (await run(runner, book("10:00"), "tc-book")).ok
    reply = await run(runner, sms(), "tc-sms")
    assert reply.ok
    expected = CLINIC.confirmation_text(SmsConfirmation.BOOKING, diary.appointments[0]["start"], None)
    assert diary.outbox == [(PATIENT, expected)]
    assert "mardi 8 janvier 2030 à 10h00 avec Dr Fillion" in expected


async def test_a_wrong_name_and_no_appointment_get_the_same_answer_after_the_same_backend_calls() -> None:
    """A name that does not match is answered exactly like a phone with no appointment: same error, same lookups."""
    diary = Diary()
    diary.add("Marie Martin", PATIENT)
    runner, reader = runner_for(diary)
    wrong = await run(runner, cancel("Sophie Bernard"), "tc-1")
    calls_for_wrong = list(diary.calls)
    diary.calls.clear()
    missing = await run(runner, cancel("Sophie Bernard", phone="+33698765432"), "tc-2")
    assert wrong.error is not None and missing.error is not None
    assert wrong.error.model_dump() == missing.error.model_dump()
    assert wrong.error.code is ToolErrorCode.NOT_FOUND and wrong.error.reason is None
    assert calls_for_wrong == diary.calls == [WebhookOperation.FIND_APPOINTMENTS]
    assert diary.appointments[0]["status"] == "booked"
    assert refusals(reader) == {("cancel_appointment", "cancel_identity_mismatch"): 1}


async def test_the_right_name_cancels_and_then_the_cancellation_can_be_confirmed() -> None:
    """Name, phone and day matching cancels by id; the cancellation SMS then goes to the appointment's phone."""
    diary = Diary()
    diary.add("Marie Martin", PATIENT)
    runner, _ = runner_for(diary)
    assert (await run(runner, cancel("MARTIN Marie"), "tc-1")).ok
    assert diary.calls == [WebhookOperation.FIND_APPOINTMENTS, WebhookOperation.CANCEL_APPOINTMENT]
    assert diary.appointments[0]["status"] == "cancelled"
    assert (await run(runner, sms(confirmation="cancellation"), "tc-2")).ok
    assert diary.outbox[0][0] == PATIENT and "est annulé" in diary.outbox[0][1]


async def test_refusals_are_typed_counted_and_nothing_reaches_the_backend() -> None:
    """An SMS with nothing to confirm is not_permitted, counted by reason, and the backend never hears of it."""
    diary = Diary()
    runner, reader = runner_for(diary)
    reply = await run(runner, sms(appointment_id="apt-of-another-call"), "tc-1")
    assert reply.error is not None and reply.error.code is ToolErrorCode.NOT_PERMITTED
    assert reply.error.reason is RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL and not reply.error.retryable
    assert diary.calls == [] and diary.outbox == []
    assert refusals(reader) == {("send_sms", "sms_appointment_not_in_call"): 1}


async def test_a_booking_the_backend_refused_gives_its_charge_back() -> None:
    """A taken slot is not a booking: after it, the call may still make its full number of bookings."""
    diary = Diary()
    diary.add("Someone Else", "+33698765432", hour=9)
    runner, _ = runner_for(diary)
    taken = await run(runner, book("09:00"), "tc-0")
    assert taken.error is not None and taken.error.code is ToolErrorCode.SLOT_UNAVAILABLE
    times = [f"10:{20 * n:02d}" for n in range(CLINIC.limits.bookings + 1)]
    replies = [await run(runner, book(at), f"tc-{n + 1}") for n, at in enumerate(times)]
    assert [r.ok for r in replies] == [True] * CLINIC.limits.bookings + [False]
    assert replies[-1].error is not None and replies[-1].error.code is ToolErrorCode.LIMIT_REACHED


class UnreachableStore(MemoryCallStateStore):
    async def read(self, call_id: str) -> tuple[bytes | None, int]:
        raise nats.errors.TimeoutError


async def test_without_the_call_state_nothing_is_decided_and_nothing_is_done() -> None:
    """When the call's state cannot be read, the tool call fails closed (retryable) and the backend is not called."""
    diary = Diary()
    runner, _ = runner_for(diary, UnreachableStore())
    reply = await run(runner, book(), "tc-1")
    assert reply.error is not None and reply.error.code is ToolErrorCode.BACKEND_UNAVAILABLE and reply.error.retryable
    assert diary.calls == []


async def test_a_refusal_is_replayed_to_a_duplicate_request() -> None:
    """The same refused tool call sent again gets the same refusal, even if the call's state changed since."""
    diary = Diary()
    runner, _ = runner_for(diary)
    first = await run(runner, sms(), "tc-early")
    assert (await run(runner, book(), "tc-book")).ok
    again = await run(runner, sms(), "tc-early")
    assert first.error is not None and again.error is not None and again.error.code is ToolErrorCode.NOT_PERMITTED
    assert diary.outbox == []
    assert json.loads(first.model_dump_json())["error"] == json.loads(again.model_dump_json())["error"]


async def test_a_read_past_the_tool_call_limit_is_refused_even_though_it_was_made() -> None:
    """check_availability reads while the state is checked; past the limit its answer is dropped for limit_reached."""
    diary = Diary()
    clinic = CLINIC.model_copy(update={"limits": CLINIC.limits.model_copy(update={"tool_calls": 1})})
    runner, _ = runner_for(diary, clinic=clinic)
    check = {"tool": "check_availability", "date": TUESDAY.isoformat()}
    assert (await run(runner, check, "tc-1")).ok
    late = await run(runner, check, "tc-2")
    assert late.error is not None and late.error.code is ToolErrorCode.LIMIT_REACHED
    assert late.error.reason is RefusalReason.TOOL_CALLS_LIMIT
