"""The call supervisor driven by LiveKit session events, with honest fakes of our own ports."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from livekit.agents.llm import ChatMessage, RealtimeModelError
from livekit.agents.voice import SpeechHandle
from livekit.agents.voice.events import (
    AgentStateChangedEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    SpeechCreatedEvent,
    UserInputTranscribedEvent,
    UserStateChangedEvent,
)
from prometheus_client import CollectorRegistry

from contracts.alerts import Alert, AlertKind
from contracts.audit import AuditEvent, CallEndReason
from contracts.clinic import ClinicProfile, EmergencyPolicy, PhraseKey
from contracts.phi import TRANSCRIPT_MAX_CHARS
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from voice_worker.advice import AdviceHit, AdviceWatch
from voice_worker.audit import AuditPublisher
from voice_worker.call import CallContext
from voice_worker.metrics import CallMetrics, VoiceMetrics
from voice_worker.supervisor import CallSupervisor

NOW = dt.datetime(2026, 11, 24, 7, 0, tzinfo=dt.UTC)


class Played:
    def __init__(self, complete: bool) -> None:
        self.complete = complete

    async def wait(self, timeout_s: float) -> bool:
        await asyncio.sleep(0)
        return self.complete


class RecordingPlayer:
    """Fake PhrasePlayer: records (phrase, interrupt); the first `cut` plays report an interruption."""

    def __init__(self, cut: int = 0) -> None:
        self.calls: list[tuple[PhraseKey, bool]] = []
        self.cut = cut

    def play(self, key: PhraseKey, *, interrupt: bool = False) -> Played:
        self.calls.append((key, interrupt))
        complete = self.cut <= 0
        self.cut -= 1
        return Played(complete)


class RecordingCallControl:
    def __init__(self, fail_transfer: bool = False) -> None:
        self.actions: list[str] = []
        self.fail_transfer = fail_transfer

    async def transfer(self, to: str) -> None:
        if self.fail_transfer:
            raise RuntimeError("refused")
        self.actions.append(f"transfer:{to}")

    async def hang_up(self) -> None:
        self.actions.append("hang_up")


class MemoryAuditTransport:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []
        self.alerts: list[Alert] = []

    async def publish_event(self, subject: str, data: bytes, headers: dict[str, str], timeout_s: float) -> None:
        self.events.append(AuditEvent.model_validate_json(data))

    async def publish_alert(self, subject: str, data: bytes) -> None:
        self.alerts.append(Alert.model_validate_json(data))


def build(
    clinic: ClinicProfile | None = None,
    *,
    cut: int = 0,
    fail_transfer: bool = False,
    advice_watch: type[AdviceWatch] = AdviceWatch,
) -> tuple[CallSupervisor, RecordingPlayer, RecordingCallControl, MemoryAuditTransport]:
    transport, player, control = MemoryAuditTransport(), RecordingPlayer(cut), RecordingCallControl(fail_transfer)
    metrics = VoiceMetrics(CollectorRegistry())
    ctx = CallContext(
        call_id="call-9",
        clinic=clinic or load_clinic(SHIPPED_CLINIC_FILE),
        gateway=None,  # type: ignore[arg-type]  # the supervisor never calls tools
        audit=AuditPublisher(transport, "call-9", buffer_size=100, metrics=metrics),
        player=player,
        call_control=control,
        metrics=CallMetrics(metrics),
        clock=lambda: NOW,
    )
    ctx.audit.start()
    return CallSupervisor(ctx, flush_timeout_s=2.0, advice_watch=advice_watch), player, control, transport


async def test_emergency_in_a_partial_transcript_interrupts_and_hangs_up() -> None:
    """An emergency first heard in a partial transcript is confirmed by the final one, then plays the emergency
    phrase over everything, once, and hangs up."""
    supervisor, player, control, transport = build()
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript="mon mari a une douleur", is_final=False))
    supervisor._on_user_transcript(
        UserInputTranscribedEvent(transcript="mon mari a une douleur dans la poitrine et", is_final=False)
    )
    assert player.calls == []  # a history told after the event ("... il y a deux ans") could still cancel it
    supervisor._on_user_transcript(
        UserInputTranscribedEvent(transcript="mon mari a une douleur dans la poitrine et il transpire", is_final=True)
    )
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert player.calls == [(PhraseKey.EMERGENCY, True)]
    assert control.actions == ["hang_up"]
    kinds = [e.kind for e in transport.events]
    assert kinds == ["transcript_segment", "emergency_detected", "call_ended"]
    emergency = transport.events[1].payload
    assert emergency.category == "chest_pain" and emergency.action == "hangup"  # type: ignore[union-attr]
    assert transport.events[-1].payload.reason == CallEndReason.EMERGENCY_HANGUP  # type: ignore[union-attr]
    assert [(a.kind, a.category) for a in transport.alerts] == [(AlertKind.EMERGENCY, "chest_pain")]


async def test_emergency_transfer_replays_an_interrupted_phrase() -> None:
    """With a transfer policy, a phrase cut off by the caller is said again, then the SIP caller is transferred."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE).model_copy(
        update={"emergency": EmergencyPolicy(action="transfer", transfer_to="tel:+41445550000")}
    )
    supervisor, player, control, transport = build(clinic, cut=1)
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript="il ne respire plus", is_final=True))
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert player.calls == [(PhraseKey.EMERGENCY, True), (PhraseKey.EMERGENCY, True)]
    assert control.actions == ["transfer:tel:+41445550000"]
    assert transport.events[-1].payload.reason == CallEndReason.EMERGENCY_TRANSFER  # type: ignore[union-attr]


async def test_failed_transfer_falls_back_to_hang_up() -> None:
    """A transfer that fails still ends the call."""
    clinic = load_clinic(SHIPPED_CLINIC_FILE).model_copy(
        update={"emergency": EmergencyPolicy(action="transfer", transfer_to="tel:+41445550000")}
    )
    supervisor, _, control, transport = build(clinic, fail_transfer=True)
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript="elle a perdu connaissance", is_final=True))
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert control.actions == ["hang_up"]
    assert transport.events[-1].payload.reason == CallEndReason.EMERGENCY_HANGUP  # type: ignore[union-attr]


async def test_past_history_is_not_an_emergency() -> None:
    """A past event in a booking request raises nothing and is audited as a transcript."""
    supervisor, player, control, transport = build()
    supervisor._on_user_transcript(
        UserInputTranscribedEvent(transcript="il y a deux ans j'ai fait un AVC, je voudrais un suivi", is_final=True)
    )
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == [] and control.actions == []
    assert [e.kind for e in transport.events] == ["transcript_segment", "call_ended"]


async def test_fatal_realtime_error_plays_technical_phrase_and_ends() -> None:
    """A non-recoverable realtime error plays the technical-failure phrase, hangs up and audits the reason."""
    supervisor, player, control, transport = build()
    error = RealtimeModelError(timestamp=time.time(), label="openai", error=RuntimeError("401"), recoverable=False)
    supervisor._on_error(ErrorEvent(error=error, source=None))
    supervisor._on_error(ErrorEvent(error=error, source=None))
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert player.calls == [(PhraseKey.TECHNICAL_FAILURE, True)]
    assert control.actions == ["hang_up"]
    assert transport.events[-1].payload.reason == CallEndReason.REALTIME_FATAL  # type: ignore[union-attr]
    assert [a.kind for a in transport.alerts] == [AlertKind.REALTIME_FATAL]


async def test_recoverable_error_changes_nothing() -> None:
    """A recoverable error neither plays a phrase nor ends the call."""
    supervisor, player, control, _ = build()
    error = RealtimeModelError(timestamp=time.time(), label="openai", error=RuntimeError("x"), recoverable=True)
    supervisor._on_error(ErrorEvent(error=error, source=None))
    await asyncio.sleep(0.05)
    assert player.calls == [] and control.actions == [] and not supervisor.ended.is_set()


async def pieces(*texts: str) -> AsyncIterator[str]:
    for text in texts:
        yield text


async def said(supervisor: CallSupervisor, *texts: str, speech_id: str | None = "speech-1") -> str:
    """What Camille's transcript lets through when the model streams `texts`."""
    return "".join([piece async for piece in supervisor.guard_speech(pieces(*texts), speech_id)])


DOSE = ("Pour la fièvre,", " vous pouvez", " lui donner", " quin", "ze", " milli", "grammes", " par", " kilo", ".")


async def test_a_dose_in_words_is_cut_within_its_sentence() -> None:
    """A dose streamed in words stops the transcript before its words, plays the phrase, audits the rule, alerts."""
    supervisor, player, _, transport = build()
    heard = await said(supervisor, *DOSE)
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert heard == "Pour la fièvre, vous pouvez lui donner quinze"
    assert player.calls == [(PhraseKey.NO_MEDICAL_ADVICE, True)]
    guardrail = next(e.payload for e in transport.events if e.kind == "guardrail_triggered")
    assert (guardrail.guardrail, guardrail.rule) == ("medical_advice", "dose_amount")  # type: ignore[union-attr]
    assert "milligrammes" in guardrail.text.reveal()  # type: ignore[union-attr]
    assert [(a.kind, a.category) for a in transport.alerts] == [(AlertKind.MEDICAL_ADVICE, "dose_amount")]


async def test_ordinary_speech_passes_whole_and_unchanged() -> None:
    """Booking talk with times, durations and fees streams through untouched and nothing is played or audited."""
    supervisor, player, _, transport = build()
    text = ("Je vous propose jeudi", " à quinze heures", " trente, pour vingt", " minutes. C'est trente", " euros.")
    assert await said(supervisor, *text) == "".join(text)
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == [] and transport.alerts == []
    assert [e.kind for e in transport.events] == ["call_ended"]


async def test_the_clinics_fixed_phrases_pass_unread() -> None:
    """A speech created by `say` (a fixed phrase) is never cut, whatever it says."""
    supervisor, player, _, _ = build()
    handle = SpeechHandle.create()
    supervisor._on_speech_created(SpeechCreatedEvent(user_initiated=False, source="say", speech_handle=handle))
    assert await said(supervisor, *DOSE, speech_id=handle.id) == "".join(DOSE)
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == []


async def test_a_failing_check_lets_speech_through_alerts_once_and_the_second_reading_reports_advice() -> None:
    """A crashing check never cuts speech: it is logged and alerted once, and the finished reply is still read."""

    class BrokenWatch(AdviceWatch):
        def feed(self, delta: str) -> AdviceHit | None:
            raise ValueError("broken rule")

    supervisor, player, _, transport = build(advice_watch=BrokenWatch)
    assert await said(supervisor, *DOSE) == "".join(DOSE)
    assert await said(supervisor, "Bonne", " journée.") == "Bonne journée."
    message = ChatMessage(role="assistant", content=["".join(DOSE)])
    supervisor._on_item_added(ConversationItemAddedEvent(item=message))
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == []
    assert [(a.kind, a.category) for a in transport.alerts] == [
        (AlertKind.GUARDRAIL_FAILED, "medical_advice"),
        (AlertKind.MEDICAL_ADVICE, "dose_amount"),
    ]
    guardrail = next(e.payload for e in transport.events if e.kind == "guardrail_triggered")
    assert guardrail.rule == "dose_amount"  # type: ignore[union-attr]


async def test_a_cut_reply_is_audited_once() -> None:
    """The reply the guardrail cut is not reported a second time when it joins the conversation."""
    supervisor, _, _, transport = build()
    await said(supervisor, "Prenez deux", " comprimés", " de Doliprane.")
    supervisor._on_item_added(ConversationItemAddedEvent(item=ChatMessage(role="assistant", content=["Prenez deux"])))
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert [e.kind for e in transport.events].count("guardrail_triggered") == 1
    assert [a.kind for a in transport.alerts] == [AlertKind.MEDICAL_ADVICE]


async def test_a_reply_longer_than_one_audit_event_is_audited_whole_and_still_read() -> None:
    """A reply the model was talked into making very long is audited in pieces that each fit an event, and the
    second reading still reports the advice at its end."""
    supervisor, _, _, transport = build()
    reply = "Bien sûr, je vous écoute. " * 300 + "".join(DOSE)
    supervisor._on_item_added(ConversationItemAddedEvent(item=ChatMessage(role="assistant", content=[reply])))
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    segments = [e.payload.text.reveal() for e in transport.events if e.kind == "transcript_segment"]  # type: ignore[union-attr]
    assert len(segments) > 1 and all(len(s) <= TRANSCRIPT_MAX_CHARS for s in segments)
    assert " ".join(segments).split() == reply.split()
    guardrail = next(e.payload for e in transport.events if e.kind == "guardrail_triggered")
    assert guardrail.rule == "dose_amount"  # type: ignore[union-attr]


async def test_after_an_emergency_advice_plays_no_second_phrase() -> None:
    """Once the emergency phrase has the floor, the guardrail does not talk over it."""
    supervisor, player, _, _ = build()
    supervisor._on_user_transcript(UserInputTranscribedEvent(transcript="il ne respire plus", is_final=True))
    await said(supervisor, *DOSE)
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert player.calls == [(PhraseKey.EMERGENCY, True)]


async def test_greeting_latency_and_barge_in_are_measured() -> None:
    """Join -> first agent audio is the greeting latency; caller speech over Camille counts a barge-in."""
    supervisor, player, _, transport = build()
    supervisor.greet(time.monotonic())
    await asyncio.sleep(0)
    supervisor._on_agent_state(AgentStateChangedEvent(old_state="listening", new_state="speaking"))
    supervisor._on_user_state(UserStateChangedEvent(old_state="listening", new_state="speaking"))
    supervisor._on_user_state(UserStateChangedEvent(old_state="speaking", new_state="listening"))
    supervisor._on_agent_state(AgentStateChangedEvent(old_state="listening", new_state="speaking"))
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    metrics = supervisor.ctx.metrics
    assert player.calls == [(PhraseKey.GREETING, False)]
    assert metrics.greeting_ms is not None and len(metrics.response_ms) == 1 and metrics.barge_ins == 1
    assert "greeting_played" in [e.kind for e in transport.events]


@pytest.mark.parametrize("kind", ["call_ended"])
async def test_end_call_is_idempotent(kind: str) -> None:
    """Ending twice audits one end and hangs up once."""
    supervisor, _, control, transport = build()
    await supervisor.end_call(CallEndReason.AGENT_ENDED)
    await supervisor.end_call(CallEndReason.ERROR)
    assert [e.kind for e in transport.events] == [kind] and control.actions == ["hang_up"]


async def test_call_started_keeps_a_valid_caller_id_and_drops_a_withheld_one() -> None:
    """A SIP caller id is audited (as PHI); an unusable one is left out without losing the event."""
    from contracts.audit import Channel

    supervisor, _, _, transport = build()
    supervisor.call_started(Channel.SIP, "a" * 64, "+41791234567")
    supervisor.call_started(Channel.SIP, "a" * 64, "anonymous")
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    phones = [getattr(e.payload, "caller_phone", None) for e in transport.events if e.kind == "call_started"]
    assert [p.reveal() if p else None for p in phones] == ["+41791234567", None]


async def test_a_sip_caller_number_becomes_the_calls_caller_number_in_e164() -> None:
    """The SIP participant's number, written as the line gives it, is kept in E.164 for the tool runner."""
    from contracts.audit import Channel

    supervisor, _, _, _ = build()
    supervisor.call_started(Channel.SIP, "a" * 64, "0644556677")  # a national form, read in the clinic's region
    assert supervisor.ctx.caller_phone is not None and supervisor.ctx.caller_phone.reveal() == "+33644556677"
    supervisor.call_started(Channel.WEB, "a" * 64, None)
    assert supervisor.ctx.caller_phone is None


async def test_join_events_greet_the_first_user_once_and_never_an_agent() -> None:
    """Agent joins greet nobody; the first caller is greeted once; a second participant changes nothing."""
    from types import SimpleNamespace

    from livekit import rtc

    from voice_worker.greeting import GreetingGate
    from voice_worker.worker import JoinHandler

    supervisor, player, _, transport = build()
    control = SimpleNamespace(caller=None)
    on_join = JoinHandler(GreetingGate(b"k"), supervisor, control, greeting_delay_s=0.0)  # type: ignore[arg-type]
    on_join.session_started()

    def participant(identity: str, kind: int) -> Any:
        return SimpleNamespace(identity=identity, kind=kind, attributes={"sip.phoneNumber": "+41791234567"})

    on_join(participant("agent-2", rtc.ParticipantKind.PARTICIPANT_KIND_AGENT))
    await asyncio.sleep(0.01)
    assert player.calls == []
    caller = participant("sip_caller", rtc.ParticipantKind.PARTICIPANT_KIND_SIP)
    on_join(caller)
    on_join(participant("helper", rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD))
    await asyncio.sleep(0.01)
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == [(PhraseKey.GREETING, False)]
    assert control.caller is caller
    started = [e.payload for e in transport.events if e.kind == "call_started"]
    assert len(started) == 1 and started[0].channel == "sip"  # type: ignore[union-attr]


async def test_a_session_that_cannot_speak_still_ends_the_call() -> None:
    """If the fixed phrase cannot be played (session closing), the fatal-error path still hangs up and audits."""

    class BrokenPlayer(RecordingPlayer):
        def play(self, key: PhraseKey, *, interrupt: bool = False) -> Played:
            raise RuntimeError("AgentSession isn't running")

    supervisor, _, control, transport = build()
    supervisor.ctx.player = BrokenPlayer()
    error = RealtimeModelError(timestamp=time.time(), label="openai", error=RuntimeError("x"), recoverable=False)
    supervisor._on_error(ErrorEvent(error=error, source=None))
    await asyncio.wait_for(supervisor.ended.wait(), 5)
    assert control.actions == ["hang_up"]
    assert transport.events[-1].payload.reason == CallEndReason.REALTIME_FATAL  # type: ignore[union-attr]


async def test_a_caller_who_joins_before_the_session_starts_is_greeted_once_it_can_speak() -> None:
    """A join while the session is starting is remembered and greeted as soon as the session is up."""
    from types import SimpleNamespace

    from livekit import rtc

    from voice_worker.greeting import GreetingGate
    from voice_worker.worker import JoinHandler

    supervisor, player, _, _ = build()
    on_join = JoinHandler(GreetingGate(b"k"), supervisor, SimpleNamespace(caller=None), greeting_delay_s=0.0)  # type: ignore[arg-type]
    on_join(SimpleNamespace(identity="web", kind=rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD, attributes={}))
    await asyncio.sleep(0.01)
    assert player.calls == []
    on_join.session_started()
    await asyncio.sleep(0.01)
    assert player.calls == [(PhraseKey.GREETING, False)]
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)


async def test_partial_transcripts_of_ordinary_calls_raise_no_emergency() -> None:
    """The supervisor runs the detector on every growing partial transcript; ordinary lines never end a call."""
    from offline_kit.simulator import load_scenario

    lines = [turn.caller for turn in load_scenario("booking").turns]
    lines += ["Allô ?", "Oui, d'accord.", "Non, ce sera tout. Au revoir.", "Ce n'est pas grave, je rappellerai."]
    supervisor, player, control, _ = build()
    for line in lines:
        words = line.split()
        for end in range(1, len(words) + 1):
            supervisor._on_user_transcript(UserInputTranscribedEvent(transcript=" ".join(words[:end]), is_final=False))
        supervisor._on_user_transcript(UserInputTranscribedEvent(transcript=line, is_final=True))
    await supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
    assert player.calls == [] and control.actions == []
