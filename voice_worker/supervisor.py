"""Watches one call's session: transcripts (audit, emergencies, guardrails), timings, fatal errors, the call's end.

Everything the model must not decide lives here: an emergency heard in any partial or final caller transcript
interrupts Camille, plays the emergency phrase, raises an alert and ends or transfers the call; a transcript the
detector could not read is unknown, not safe: the emergency phrase plays (once per call), audited and alerted;
medical advice in Camille's own streaming transcript is cut within its sentence and answered with the
no-medical-advice phrase.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable
from typing import Any, TypeVar

from livekit.agents import AgentSession
from livekit.agents.llm import ChatMessage
from livekit.agents.voice.events import (
    AgentStateChangedEvent,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    SpeechCreatedEvent,
    UserInputTranscribedEvent,
    UserStateChangedEvent,
)
from pydantic_core import PydanticCustomError

from contracts.alerts import AlertKind
from contracts.audit import (
    CallEnded,
    CallEndReason,
    CallStarted,
    Channel,
    EmergencyAction,
    EmergencyCheckFailed,
    EmergencyDetected,
    EmergencySource,
    GreetingPlayed,
    Guardrail,
    GuardrailTriggered,
    LatencyMetric,
    LatencyMetricName,
    Speaker,
    TranscriptSegment,
)
from contracts.clinic import PhraseKey
from contracts.emergency import DetectorLayer, EmergencyCategory
from contracts.phi import PHI, TRANSCRIPT_MAX_CHARS, normalize_phone
from voice_worker import emergency
from voice_worker.advice import AdviceHit, AdviceWatch, medical_advice
from voice_worker.call import CallContext
from voice_worker.emergency.model import Model
from voice_worker.prompt import no_advice_reminder

log = logging.getLogger(__name__)

_Text = TypeVar("_Text", bound=str)
REMINDER_TIMEOUT_S = 5.0
# A final transcript longer than this (about 150 words) is read in a worker thread: reading it on the event loop
# would hold the call's audio for tens of milliseconds or more (`camille bench emergency`).
LONG_FINAL_CHARS = 1000


def _read_pieces(held: list[_Text]) -> list[_Text]:
    """Take from `held` the pieces that end at or before its last space: their words are complete and were read."""
    joined = "".join(held)
    boundary = max(joined.rfind(" "), joined.rfind("\n")) + 1
    count, length = 0, 0
    while count < len(held) and length + len(held[count]) <= boundary:
        length += len(held[count])
        count += 1
    released = held[:count]
    del held[:count]
    return released


class CallSupervisor:
    def __init__(
        self,
        ctx: CallContext,
        flush_timeout_s: float = 3.0,
        advice_watch: Callable[[], AdviceWatch] = AdviceWatch,
        *,
        emergency_model: Model | None = None,
    ) -> None:
        self.ctx = ctx
        self._flush_timeout_s = flush_timeout_s
        self._started = time.monotonic()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._greeting_joined_at: float | None = None
        self._user_stopped_at: float | None = None
        self._agent_state = "initializing"
        self.end_reason: CallEndReason | None = None
        self._fatal_seen = False
        self._emergency_watch = emergency.EmergencyWatch(model=emergency_model)
        self._detector_failures = 0
        self._unknown_phrase_played = False
        self._advice_watch = advice_watch
        self._phrase_speeches: set[str] = set()  # speech ids of the clinic's fixed phrases
        self._advice_cut_since_item = False
        self._guardrail_failures = 0
        self._reminded = False
        self._session: AgentSession[Any] | None = None
        self.ended = asyncio.Event()

    # --- wiring ---------------------------------------------------------------------------------------------
    def attach(self, session: AgentSession[Any]) -> None:
        self._session = session
        session.on("user_input_transcribed", self._on_user_transcript)
        session.on("conversation_item_added", self._on_item_added)
        session.on("agent_state_changed", self._on_agent_state)
        session.on("user_state_changed", self._on_user_state)
        session.on("speech_created", self._on_speech_created)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    def call_started(self, channel: Channel, participant_hash: str | None, caller_phone: str | None = None) -> None:
        """Audit the call's start; a SIP caller id that is a valid number becomes the call's caller number, which
        tool calls carry to the tool runner (it lets a caller cancel their own appointment and get SMS)."""
        self.ctx.caller_phone = _caller_number(caller_phone, self.ctx.clinic.phone_region)
        self.ctx.metrics.call_started(channel.value)
        self.ctx.audit.emit(
            CallStarted(channel=channel, participant_hash=participant_hash, caller_phone=self.ctx.caller_phone)
        )

    def greet(self, joined_at: float, delay_s: float = 0.0) -> None:
        """Play the greeting (after an optional settle delay); latency runs from `joined_at` (monotonic)."""
        self._spawn(self._greet(joined_at, delay_s))

    async def _greet(self, joined_at: float, delay_s: float) -> None:
        if delay_s:
            await asyncio.sleep(delay_s)
        if self.ctx.emergency_raised or self.ctx.ended:
            return
        self._greeting_joined_at = joined_at
        played = self.ctx.player.play(PhraseKey.GREETING)
        complete = await played.wait(self.ctx.phrase_timeout_s)
        latency = self.ctx.metrics.greeting_ms
        self.ctx.audit.emit(GreetingPlayed(latency_ms=latency, interrupted=not complete))
        self.ctx.call_span.add_event("greeting", {"interrupted": not complete})
        if latency is not None:
            self.ctx.audit.emit(LatencyMetric(metric=LatencyMetricName.GREETING, value_ms=latency))

    # --- session events (sync callbacks: never block) --------------------------------------------------------
    def _on_user_transcript(self, ev: UserInputTranscribedEvent) -> None:
        # Nothing here may escape: LiveKit's event emitter logs and swallows a handler's exception, which would make
        # a turn the detector never read look like a safe one. A long final is read in a worker thread.
        long_final = ev.is_final and len(ev.transcript) > LONG_FINAL_CHARS
        verdict = None if long_final else self._observe(ev.transcript, ev.is_final)
        # The words go to the audit trail before what they raised, whatever their length (a segment holds 4,000
        # characters); an audit failure never stops the action.
        if ev.is_final and ev.transcript.strip():
            try:
                for piece in _segments(ev.transcript):
                    self.ctx.audit.emit(
                        TranscriptSegment(speaker=Speaker.USER, text=PHI(piece), language=ev.language or None)
                    )
            except Exception as exc:
                log.error("transcript not audited", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})
        if verdict is None:  # read in a worker thread: the event loop keeps serving the call's audio meanwhile
            self._spawn(self._read_long_final(ev.transcript))
        else:
            self._act_safely(verdict, ev.transcript, final=ev.is_final)

    def _observe(self, text: str, final: bool) -> emergency.Verdict:
        try:
            return self._emergency_watch.observe(text, final=final)
        except Exception as exc:  # observe catches its own; this guards a replaced watch
            return emergency.Verdict(None, (DetectorLayer.WATCH,), type(exc).__name__)

    async def _read_long_final(self, text: str) -> None:
        try:
            verdict = await asyncio.to_thread(self._observe, text, True)
        except Exception as exc:  # the thread could not run (a closing executor): unknown, not safe
            verdict = emergency.Verdict(None, (DetectorLayer.WATCH,), type(exc).__name__)
        self._act_safely(verdict, text, final=True)

    def _act_safely(self, verdict: emergency.Verdict, text: str, *, final: bool) -> None:
        try:
            self._act_on_verdict(verdict, text, final=final)
        except Exception as exc:
            log.error("emergency action failed", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})

    def _act_on_verdict(self, verdict: emergency.Verdict, text: str, *, final: bool) -> None:
        if verdict.match is not None and not self.ctx.emergency_raised:
            self.raise_emergency(verdict.match.category, EmergencySource.DETECTOR, verdict.match.rule, text)
        if verdict.failed:
            self.emergency_check_failed(verdict, text, final=final)

    def emergency_check_failed(self, verdict: emergency.Verdict, text: str, *, final: bool) -> None:
        """A part of the detector raised. Counted every time; when nothing was found the turn is unknown, so the
        emergency phrase plays, once per call, and the call goes on. The first failure of a call and each failed
        final transcript are audited; the first is alerted."""
        self._detector_failures += 1
        layers = [layer.value for layer in verdict.failed]
        self.ctx.metrics.emergency_check_failed(verdict.failed)
        log.error(
            "emergency check failed",
            extra={"call_id": self.ctx.call_id, "layers": ",".join(layers), "error": verdict.error, "final": final},
        )
        play = verdict.unknown and not (self._unknown_phrase_played or self.ctx.emergency_raised or self.ctx.ended)
        if play:
            self._unknown_phrase_played = True
            self._play(PhraseKey.EMERGENCY)
        first = self._detector_failures == 1
        if first or final:
            self.ctx.audit.emit(
                EmergencyCheckFailed(
                    layers=list(verdict.failed),
                    error=(verdict.error or "Exception")[:80],
                    final=final,
                    phrase_played=play,
                    text=PHI(_tail(text)) if text.strip() else None,
                )
            )
        if first:
            self.ctx.audit.alert(AlertKind.EMERGENCY_CHECK_FAILED, category=",".join(layers))
            self.ctx.call_span.add_event("emergency_check_failed", {"layers": ",".join(layers)})

    def _on_item_added(self, ev: ConversationItemAddedEvent) -> None:
        item = ev.item
        if not isinstance(item, ChatMessage) or item.role != "assistant" or not (text := item.text_content):
            return
        for piece in _segments(text):  # a reply longer than one audit event is kept whole, in several
            self.ctx.audit.emit(TranscriptSegment(speaker=Speaker.AGENT, text=PHI(piece)))
        cut, self._advice_cut_since_item = self._advice_cut_since_item, False
        # A second reading of what was said, for when the streaming check failed: too late to cut, not to report.
        if not cut and (hit := self._read(medical_advice, text)) is not None:
            log.warning("medical advice heard", extra={"call_id": self.ctx.call_id, "rule": hit.rule})
            self.ctx.audit.emit(
                GuardrailTriggered(guardrail=Guardrail.MEDICAL_ADVICE, rule=hit.rule, text=PHI(_tail(text)))
            )
            self.ctx.audit.alert(AlertKind.MEDICAL_ADVICE, category=hit.rule)

    # --- Camille's streaming transcript ----------------------------------------------------------------------
    async def guard_speech(self, text: AsyncIterable[_Text], speech_id: str | None) -> AsyncIterator[_Text]:
        """Pass Camille's transcript through as it streams, ahead of its audio, each piece once the words it ends
        have been read; on medical advice, stop there, cut the speech and play the no-medical-advice phrase. The
        words that made the advice never reach the transcript output or the chat context. The clinic's fixed
        phrases pass unread."""
        if speech_id is not None and speech_id in self._phrase_speeches:
            async for delta in text:
                yield delta
            return
        watch = self._advice_watch()
        held: list[_Text] = []  # pieces whose last word is still arriving or was not read yet
        async for delta in text:
            held.append(delta)
            if (hit := self._read(watch.feed, delta, watch=watch)) is not None:
                self.stop_medical_advice(hit)
                return
            for piece in _read_pieces(held):
                yield piece
        if (hit := self._read(watch.finish, watch=watch)) is not None:
            self.stop_medical_advice(hit)
            return
        for piece in held:
            yield piece

    def _read(
        self, check: Callable[..., AdviceHit | None], *args: str, watch: AdviceWatch | None = None
    ) -> AdviceHit | None:
        """Run the advice check; a failure is logged (its type only) and alerted once per call, and the text goes
        on: failing closed would cut every sentence of the call on one bad rule."""
        try:
            return check(*args)
        except Exception as exc:
            self._guardrail_failures += 1
            log.error("medical-advice check failed", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})
            if self._guardrail_failures == 1:
                self.ctx.audit.alert(AlertKind.GUARDRAIL_FAILED, category="medical_advice")
            if watch is not None:
                watch.reset()  # read on from the next piece with a clean sentence
            return None

    def stop_medical_advice(self, hit: AdviceHit) -> None:
        """Cut Camille within the sentence, play the no-medical-advice phrase, audit, alert, remind the model."""
        if self.ctx.emergency_raised or self.ctx.ended:
            return
        log.warning("medical advice cut", extra={"call_id": self.ctx.call_id, "rule": hit.rule})
        self._advice_cut_since_item = True
        self._play(PhraseKey.NO_MEDICAL_ADVICE)  # interrupts the sentence being said
        self.ctx.audit.emit(
            GuardrailTriggered(guardrail=Guardrail.MEDICAL_ADVICE, rule=hit.rule, text=PHI(_tail(hit.sentence)))
        )
        self.ctx.audit.alert(AlertKind.MEDICAL_ADVICE, category=hit.rule)
        self.ctx.call_span.add_event("medical_advice", {"rule": hit.rule})
        if not self._reminded:
            self._reminded = True
            self._spawn(self._remind_model())

    async def _remind_model(self) -> None:
        """Add the no-advice reminder to the session instructions: no reply is created, and the model reads it
        before its next answer (the interrupted reply is already truncated to what was heard). Instructions rather
        than a chat-context item: a chat-context update is a diff of a copy, which could delete the phrase's own
        message that LiveKit inserts at the same moment."""
        if self._session is None:
            return
        try:
            agent = self._session.current_agent
            current = agent.instructions if isinstance(agent.instructions, str) else agent.instructions.render()
            await asyncio.wait_for(
                agent.update_instructions(current + no_advice_reminder(self.ctx.clinic)), REMINDER_TIMEOUT_S
            )
        except Exception as exc:  # the phrase has played and the event is audited; the reminder is extra
            log.warning("no-advice reminder not sent", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})

    def _on_agent_state(self, ev: AgentStateChangedEvent) -> None:
        self._agent_state = ev.new_state
        if ev.new_state != "speaking":
            return
        now = time.monotonic()
        if self._greeting_joined_at is not None and self.ctx.metrics.greeting_ms is None:
            self.ctx.metrics.greeting((now - self._greeting_joined_at) * 1000)
        elif self._user_stopped_at is not None:
            value = (now - self._user_stopped_at) * 1000
            self.ctx.metrics.response(value)
            self.ctx.audit.emit(LatencyMetric(metric=LatencyMetricName.RESPONSE, value_ms=value))
        self._user_stopped_at = None

    def _on_user_state(self, ev: UserStateChangedEvent) -> None:
        if ev.new_state == "speaking" and self._agent_state == "speaking":
            self.ctx.metrics.barge_in()
            self.ctx.call_span.add_event("barge_in")
        if ev.old_state == "speaking" and ev.new_state == "listening":
            self._user_stopped_at = time.monotonic()

    def _on_speech_created(self, ev: SpeechCreatedEvent) -> None:
        if ev.source == "say":  # only the clinic's fixed phrases are said with `say`
            self._phrase_speeches.add(ev.speech_handle.id)
        # After an emergency only the fixed phrase may speak: the model's own replies are cut at once.
        if self.ctx.emergency_raised and ev.source != "say":
            ev.speech_handle.interrupt(force=True)

    def _on_error(self, ev: ErrorEvent) -> None:
        if getattr(ev.error, "recoverable", True) or self.ctx.ended or self._fatal_seen:
            return
        self._fatal_seen = True
        label = getattr(ev.error, "label", None) or type(ev.error).__name__
        log.error("fatal realtime error", extra={"call_id": self.ctx.call_id, "label": str(label)[:80]})
        self.ctx.audit.alert(AlertKind.REALTIME_FATAL, category=str(label)[:40])
        self._spawn(self._fatal(str(label)[:200]))

    def _on_close(self, ev: CloseEvent) -> None:
        reason = CallEndReason.CALLER_HUNG_UP if ev.error is None else CallEndReason.ERROR
        self._spawn(self.end_call(reason, detail=str(ev.reason)))

    # --- actions ---------------------------------------------------------------------------------------------
    def raise_emergency(
        self, category: EmergencyCategory, source: EmergencySource, rule: str | None, text: str | None
    ) -> None:
        """Once per call: interrupt, play the emergency phrase, audit, alert, then transfer or hang up."""
        if self.ctx.emergency_raised or self.ctx.ended:
            return
        self.ctx.emergency_raised = True
        policy = self.ctx.clinic.emergency
        transfer = policy.action == "transfer" and bool(policy.transfer_to)
        log.warning("emergency detected", extra={"call_id": self.ctx.call_id, "category": category.value, "rule": rule})
        played = self._play(PhraseKey.EMERGENCY)  # first: the caller hears it before anything else happens
        self.ctx.audit.emit(
            EmergencyDetected(
                category=category,
                source=source,
                rule=rule,
                action=EmergencyAction.TRANSFER if transfer else EmergencyAction.HANGUP,
                text=PHI(_tail(text)) if text else None,
            )
        )
        self.ctx.audit.alert(AlertKind.EMERGENCY, category=category.value)
        self.ctx.call_span.add_event("emergency", {"category": category.value, "source": source.value})
        self._spawn(self._after_emergency(played, transfer))

    def _play(self, key: PhraseKey) -> Any:
        """Start a fixed phrase over whatever is playing; None when the session can no longer speak."""
        try:
            return self.ctx.player.play(key, interrupt=True)
        except Exception as exc:  # a closing session must not stop the call from being ended
            log.error("fixed phrase not played", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})
            return None

    async def _played(self, played: Any) -> bool:
        return played is not None and bool(await played.wait(self.ctx.phrase_timeout_s))

    async def _after_emergency(self, played: Any, transfer: bool) -> None:
        if not await self._played(played):  # cut off by the caller: say it once more
            await self._played(self._play(PhraseKey.EMERGENCY))
        to = self.ctx.clinic.emergency.transfer_to
        if transfer and to:
            try:
                await self.ctx.call_control.transfer(to)
                await self.end_call(CallEndReason.EMERGENCY_TRANSFER, hang_up=False)
                return
            except Exception as exc:
                log.error("emergency transfer failed", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})
        await self.end_call(CallEndReason.EMERGENCY_HANGUP)

    async def _fatal(self, detail: str) -> None:
        if not self.ctx.emergency_raised:
            await self._played(self._play(PhraseKey.TECHNICAL_FAILURE))
        await self.end_call(CallEndReason.REALTIME_FATAL, detail=detail)

    async def end_call(self, reason: CallEndReason, *, detail: str | None = None, hang_up: bool = True) -> None:
        """Once: audit the end, hang up when Camille ends it, flush the audit trail."""
        if self.ctx.ended:
            return
        self.ctx.ended = True
        self.end_reason = reason
        duration_ms = (time.monotonic() - self._started) * 1000
        self.ctx.audit.emit(CallEnded(reason=reason, duration_ms=duration_ms, detail=detail))
        self.ctx.metrics.call_ended(reason.value)
        self.ctx.call_span.set_attribute("camille.call.end_reason", reason.value)
        self.ctx.call_span.end()
        log.info("call ended", extra={"call_id": self.ctx.call_id, "reason": reason.value})
        if hang_up and reason is not CallEndReason.CALLER_HUNG_UP:
            try:
                await self.ctx.call_control.hang_up()
            except Exception as exc:
                log.error("hang-up failed", extra={"call_id": self.ctx.call_id, "error": type(exc).__name__})
        await self.ctx.audit.close(self._flush_timeout_s)
        self.ended.set()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _tail(text: str) -> str:
    """The end of a transcript that fits one audit event: the words said last."""
    return text[-TRANSCRIPT_MAX_CHARS:]


def _segments(text: str) -> list[str]:
    """A transcript as pieces that each fit one audit event, cut at spaces where it can be."""
    pieces = []
    rest = text.strip()
    while len(rest) > TRANSCRIPT_MAX_CHARS:
        cut = rest.rfind(" ", 0, TRANSCRIPT_MAX_CHARS + 1)
        cut = cut if cut > 0 else TRANSCRIPT_MAX_CHARS
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest else pieces


def _caller_number(raw: str | None, region: str) -> PHI | None:
    """The caller id in E.164, or None when withheld or not a number ("anonymous", a SIP URI, premium-rate)."""
    if not raw:
        return None
    try:
        return PHI(normalize_phone(raw[:32], region))
    except PydanticCustomError:
        return None
