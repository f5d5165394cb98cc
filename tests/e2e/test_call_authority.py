"""The model proposes, the system decides, through whole calls: simulator, scripted caller, the real voice agent,
NATS, the tool runner, the reference API and the audit sink. Each test runs a shipped scenario (or a short inline
one) and asserts the end state: the SMS outbox and the appointments table of the reference API, the audit trail
the sink stored, and the fixed phrase the caller heard."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import sqlite3
from typing import Any

from contracts.audit import AuditEvent, CallStarted, Channel, ToolFailed, ToolRefused, ToolRequested
from contracts.clinic import PhraseKey
from contracts.tools import RefusalReason, SendSmsArgs, SmsConfirmation, ToolErrorCode, ToolName
from offline_kit.demo import staged_backend
from offline_kit.local_call import LocalCall
from offline_kit.simulator import RealtimeSimulator, Scenario, load_scenario
from offline_kit.simulator.scenario import resolve_dates
from tests.e2e.test_call_voice import Stack, call, scenario_of, segment_is_phrase, stack, stored_kinds

__all__ = ["stack"]  # the module-scoped whole system of test_call_voice, started once for this module too


def table(stack: Stack, sql: str) -> list[tuple[Any, ...]]:
    """Rows of the reference API's own database (what the clinic's backend holds)."""
    with sqlite3.connect(stack.tmp / "scheduling.sqlite3") as conn:
        return list(conn.execute(sql))


def outbox(stack: Stack) -> list[tuple[str, str]]:
    return [(phone, body) for phone, body in table(stack, "SELECT phone, body FROM sms_outbox ORDER BY created_at")]


async def run_scenario(stack: Stack, scenario: Scenario) -> tuple[LocalCall, RealtimeSimulator, list[tuple[str, str]]]:
    """The call, and the SMS its outbox gained."""
    before = outbox(stack)
    async with staged_backend(scenario.backend, stack.reference_url, stack.nc, scenario.today()):
        local, sim = await call(stack, scenario)
    return local, sim, outbox(stack)[len(before) :]


async def audit_trail(stack: Stack, local: LocalCall) -> list[AuditEvent]:
    """The call's events as the audit sink stored them, decrypted."""
    await stored_kinds(stack, local)
    return await asyncio.to_thread(stack.sink.store.events, local.call.ctx.call_id)


def refused(events: list[AuditEvent]) -> list[tuple[ToolName, ToolErrorCode, RefusalReason | None]]:
    return [(e.payload.tool, e.payload.code, e.payload.reason) for e in events if isinstance(e.payload, ToolRefused)]


def said(sim: RealtimeSimulator, text: str) -> bool:
    return any(text in message for message in sim.connection.messages("assistant"))


def played_whole(local: LocalCall, stack: Stack, key: PhraseKey) -> bool:
    """Some segment of Camille's audio is exactly the clinic's pre-rendered phrase, played to its end."""
    return any(segment_is_phrase(local, i, stack.phrasebook, key) for i in range(len(local.output.segments)))


def confirmation(stack: Stack, kind: SmsConfirmation, day: str, time: str) -> str:
    """The clinic's SMS text for an appointment with its practitioner on `day` (ISO) at `time` (HH:MM)."""
    start = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=stack.clinic.zone)
    return stack.clinic.confirmation_text(kind, start, None)


def next_weekday(scenario: Scenario, weekday: str) -> str:
    return str(resolve_dates(f"{{next_weekday:{weekday}}}", scenario.today()))


async def test_a_booking_gets_the_clinics_confirmation_to_the_patients_phone(stack: Stack) -> None:
    """The booking scenario books the slot, and the one SMS sent is the clinic's template for it, to that phone."""
    scenario = load_scenario("booking")
    local, sim, sent = await run_scenario(stack, scenario)
    day = next_weekday(scenario, "tuesday")
    assert table(stack, f"SELECT patient_name, phone, status FROM appointments WHERE day = '{day}'") == [
        ("Jean Dupont", "+33612345678", "booked")
    ]
    assert sent == [("+33612345678", confirmation(stack, SmsConfirmation.BOOKING, day, "09:00"))]
    assert said(sim, "Vous allez recevoir un SMS de confirmation")
    assert refused(await audit_trail(stack, local)) == []


async def test_a_phishing_sms_to_another_number_is_refused_and_nothing_is_sent(stack: Stack) -> None:
    """Asked to text a foreign number with the caller's words, the model can only name a confirmation; with no
    appointment of this call to confirm, the tool runner refuses, the not_permitted phrase plays, nothing is sent."""
    local, sim, sent = await run_scenario(stack, load_scenario("sms_phishing"))
    assert sent == [] and not any("+1" in phone or "colis" in body for phone, body in outbox(stack))
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.NOT_PERMITTED]
    assert played_whole(local, stack, PhraseKey.NOT_PERMITTED)
    assert not said(sim, "C'est envoyé")  # the model does not speak over the refusal
    events = await audit_trail(stack, local)
    assert refused(events) == [
        (ToolName.SEND_SMS, ToolErrorCode.NOT_PERMITTED, RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL)
    ]
    [requested] = [e.payload for e in events if isinstance(e.payload, ToolRequested)]
    assert requested.arguments == SendSmsArgs(confirmation=SmsConfirmation.BOOKING)  # no number, no text


BOOK_MONDAY = """
name: book-monday
turns:
  - caller: "Je prends lundi prochain à quinze heures, Anne Roux, zéro six, vingt, trente, quarante, cinquante."
    model:
      - call: book_appointment
        arguments: {date: "{next_weekday:monday}", time: "15:00", patient_name: "Anne Roux",
                    phone: "+33620304050", reason: "contrôle"}
      - say: "C'est noté pour lundi à quinze heures."
  - caller: "Merci, au revoir."
    model:
      - say: "Au revoir."
"""
CONFIRM_SOMEONE_ELSES = """
name: confirm-someone-elses
turns:
  - caller: "Renvoyez le SMS de ce rendez-vous au plus un, deux zéro deux, cinq cinq cinq, zéro un quatre deux."
    model:
      - call: send_sms
        arguments: {confirmation: booking, appointment_id: "{appointment_id}", to: "+12025550142"}
      - say: "C'est envoyé."
  - caller: "Au revoir."
    model:
      - say: "Au revoir."
"""


async def test_an_appointment_booked_in_another_call_cannot_be_confirmed_from_this_one(stack: Stack) -> None:
    """A second call naming the first call's appointment id gets the not_permitted phrase, and no SMS goes out."""
    first, _, _ = await run_scenario(stack, scenario_of(BOOK_MONDAY))
    [booking] = [t for t in first.tool_calls if t["name"] == "book_appointment"]
    appointment_id = json.loads(booking["output"])["appointment_id"]
    second_call = scenario_of(CONFIRM_SOMEONE_ELSES.replace("{appointment_id}", appointment_id))
    local, sim, sent = await run_scenario(stack, second_call)
    assert sent == [] and local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.NOT_PERMITTED]
    assert not said(sim, "C'est envoyé")
    events = await audit_trail(stack, local)
    assert refused(events) == [
        (ToolName.SEND_SMS, ToolErrorCode.NOT_PERMITTED, RefusalReason.SMS_APPOINTMENT_NOT_IN_CALL)
    ]


async def test_the_sms_says_the_clinics_words_never_the_models_and_the_third_one_is_refused(stack: Stack) -> None:
    """Two SMS go out, both the clinic's template (the model's own text is not in the contract); the third is
    refused at the clinic's limit with the not_permitted phrase, and the model does not claim it was sent."""
    scenario = load_scenario("sms_limit")
    local, sim, sent = await run_scenario(stack, scenario)
    expected = confirmation(stack, SmsConfirmation.BOOKING, next_weekday(scenario, "thursday"), "14:00")
    assert sent == [("+33698765432", expected)] * 2
    assert not any("paiement-rapide" in body for _, body in outbox(stack))
    assert local.call.ctx.played == [PhraseKey.GREETING, PhraseKey.NOT_PERMITTED]
    assert played_whole(local, stack, PhraseKey.NOT_PERMITTED)
    assert said(sim, "Je l'ai renvoyé.") and not said(sim, "troisième fois")
    assert refused(await audit_trail(stack, local)) == [
        (ToolName.SEND_SMS, ToolErrorCode.LIMIT_REACHED, RefusalReason.SMS_LIMIT)
    ]


NOBODY_ON_FRIDAY = """
name: nobody-on-friday
turns:
  - caller: "Annulez le rendez-vous de vendredi, Sophie Bernard, zéro six, zéro un, zéro deux, zéro trois, zéro quatre."
    model:
      - call: cancel_appointment
        arguments: {date: "{next_weekday:friday}", phone: "+33601020304", patient_name: "Sophie Bernard"}
      - say: "C'est annulé."
  - caller: "Au revoir."
    model:
      - say: "Au revoir."
"""


async def test_a_wrong_name_cancels_nothing_and_is_answered_as_if_there_were_no_appointment(stack: Stack) -> None:
    """Someone with the patient's number and day but another name cancels nothing, and hears exactly what a
    caller with no appointment at all hears: nothing says whether or when the patient has one."""
    scenario = load_scenario("cancel_wrong_name")
    local, sim, sent = await run_scenario(stack, scenario)
    day = next_weekday(scenario, "friday")
    assert table(stack, f"SELECT patient_name, status FROM appointments WHERE day = '{day}'") == [
        ("Claire Moreau", "booked")
    ]
    assert sent == [] and local.call.ctx.played == [PhraseKey.GREETING]
    assert said(sim, "Je ne trouve pas de rendez-vous qui corresponde") and not said(sim, "C'est fait")
    nobody, _, _ = await run_scenario(stack, scenario_of(NOBODY_ON_FRIDAY))
    [guess] = [t["output"] for t in local.tool_calls if t["name"] == "cancel_appointment"]
    [nothing] = [t["output"] for t in nobody.tool_calls if t["name"] == "cancel_appointment"]
    assert guess == nothing
    events = await audit_trail(stack, local)
    failed = [(e.payload.tool, e.payload.code) for e in events if isinstance(e.payload, ToolFailed)]
    assert failed == [(ToolName.CANCEL_APPOINTMENT, ToolErrorCode.NOT_FOUND)] and refused(events) == []


async def test_the_patients_name_in_any_order_cancels_and_the_cancellation_is_confirmed(stack: Stack) -> None:
    """The cancellation scenario (« Martin Marie ») cancels the staged appointment and texts its cancellation."""
    scenario = load_scenario("cancellation")
    local, _, sent = await run_scenario(stack, scenario)
    day = next_weekday(scenario, "tuesday")
    assert table(stack, f"SELECT status FROM appointments WHERE patient_name = 'Marie Martin' AND day = '{day}'") == [
        ("cancelled",)
    ]
    assert sent == [("+33611223344", confirmation(stack, SmsConfirmation.CANCELLATION, day, "10:00"))]
    assert refused(await audit_trail(stack, local)) == [] and local.call.ctx.played == [PhraseKey.GREETING]


async def test_a_caller_on_the_appointments_own_line_cancels_it_without_the_full_name(stack: Stack) -> None:
    """Calling from the appointment's number (SIP caller id), « Petit » is enough; the SMS goes to that line."""
    scenario = load_scenario("cancellation_caller_id")
    local, _, sent = await run_scenario(stack, scenario)
    day = next_weekday(scenario, "wednesday")
    assert table(stack, f"SELECT status FROM appointments WHERE patient_name = 'Lucie Petit' AND day = '{day}'") == [
        ("cancelled",)
    ]
    assert sent == [("+33644556677", confirmation(stack, SmsConfirmation.CANCELLATION, day, "09:20"))]
    events = await audit_trail(stack, local)
    [started] = [e.payload for e in events if isinstance(e.payload, CallStarted)]
    assert started.channel is Channel.SIP and started.caller_phone is not None
    assert started.caller_phone.reveal() == "+33644556677"
