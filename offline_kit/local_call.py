"""One call through the real voice agent with no LiveKit room: a scripted caller against the realtime simulator.

`camille demo`, `camille bench voice` and the end-to-end tests run calls this way. The agent, its tools, the
phrasebook, the supervisor and the audit publisher are the production ones from `voice_worker.bootstrap`; only the
audio ends (the scripted caller and a recording output) and the call control (a recording one) are local.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from livekit.agents.voice.events import ConversationItemAddedEvent, FunctionToolsExecutedEvent
from nats.aio.client import Client as NATS
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from contracts.audit import CallEndReason, Channel
from contracts.clinic import ClinicProfile
from offline_kit.simulator.caller import CallClock, RecordingAudioOutput, ScriptedCallerInput
from offline_kit.simulator.scenario import Scenario
from voice_worker.bootstrap import Call, build_call, realtime_model
from voice_worker.metrics import VoiceMetrics
from voice_worker.phrases import Phrasebook
from voice_worker.settings import VoiceWorkerSettings


class LocalCallControl:
    """Call control with no telephony: records what Camille asked for and ends the local call."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.ended = asyncio.Event()

    async def transfer(self, to: str) -> None:
        self.actions.append("transfer")
        self.ended.set()

    async def hang_up(self) -> None:
        self.actions.append("hang_up")
        self.ended.set()


@dataclass
class TranscriptLine:
    at_s: float  # since the call started
    speaker: str  # "camille" | "caller" | "tool"
    text: str


@dataclass
class LocalCall:
    call: Call
    caller: ScriptedCallerInput
    output: RecordingAudioOutput
    control: LocalCallControl
    lines: list[TranscriptLine] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)

    @property
    def end_reason(self) -> CallEndReason | None:
        return self.call.supervisor.end_reason


def _listen(local: LocalCall, started: float, on_line: Callable[[TranscriptLine], None] | None) -> None:
    session = local.call.session

    def add(speaker: str, text: str) -> None:
        line = TranscriptLine(time.monotonic() - started, speaker, text)
        local.lines.append(line)
        if on_line is not None:
            on_line(line)

    def on_item(ev: ConversationItemAddedEvent) -> None:
        text = getattr(ev.item, "text_content", None)
        role = getattr(ev.item, "role", None)
        if text and role in ("assistant", "user"):
            add("camille" if role == "assistant" else "caller", text)

    def on_tools(ev: FunctionToolsExecutedEvent) -> None:
        for fn_call, output in zip(ev.function_calls, ev.function_call_outputs, strict=False):
            local.tool_calls.append({"name": fn_call.name, "arguments": fn_call.arguments, "output": output.output})
            add("tool", f"{fn_call.name} -> {_outcome(output.output, output.is_error)}")

    session.on("conversation_item_added", on_item)
    session.on("function_tools_executed", on_tools)


def _outcome(output: str, is_error: bool) -> str:
    """ok, error (a speakable error), or the code of a failure a fixed phrase answered (e.g. not_permitted)."""
    if is_error:
        return "error"
    try:
        data = json.loads(output)
    except ValueError:
        return "ok"
    return str(data["error"]) if isinstance(data, dict) and data.get("error") else "ok"


async def run_local_call(
    settings: VoiceWorkerSettings,
    clinic: ClinicProfile,
    phrasebook: Phrasebook,
    scenario: Scenario,
    *,
    nc: NATS,
    realtime_base_url: str,
    realtime_api_key: str,
    speed: float = 1.0,
    timeout_s: float = 120.0,
    on_line: Callable[[TranscriptLine], None] | None = None,
    call_id: str | None = None,
    before_start: Callable[[LocalCall], None] | None = None,
    metrics: VoiceMetrics | None = None,
    caller_speech: dict[str, bytes] | None = None,
) -> LocalCall:
    """Run the scenario's call to its end (the caller hangs up, or Camille ends it) and return what happened;
    it records into `metrics` (shared by the calls of one run), or into a registry of its own. `caller_speech` is
    the caller's lines already rendered (else they are rendered, or read from the speech cache, now)."""
    model_settings = settings.model_copy(
        update={"openai_base_url": realtime_base_url, "openai_api_key": SecretStr(realtime_api_key)}
    )
    control = LocalCallControl()
    http = aiohttp.ClientSession()
    model = realtime_model(model_settings, http_session=http)
    metrics = metrics or VoiceMetrics(CollectorRegistry())
    call = build_call(
        settings, clinic, phrasebook, nc=nc, call_control=control, model=model, call_id=call_id, metrics=metrics
    )
    clock = CallClock(speed)
    output = RecordingAudioOutput(clock)
    caller = ScriptedCallerInput(
        scenario,
        output,
        clock=clock,
        agent_busy=lambda: call.session.agent_state in ("thinking",),
        speech=caller_speech,
    )
    local = LocalCall(call=call, caller=caller, output=output, control=control)
    started = time.monotonic()
    _listen(local, started, on_line)
    if before_start is not None:
        before_start(local)
    call.session.input.audio = caller
    call.session.output.audio = output
    call.ctx.audit.start()
    try:
        await call.session.start(call.agent)
        channel = Channel.SIP if scenario.caller_phone else Channel.SIMULATOR
        call.supervisor.call_started(channel, None, scenario.caller_phone)
        call.supervisor.greet(time.monotonic(), settings.greeting_delay_ms / 1000)
        await asyncio.wait_for(_until_done(local, scenario, speed), timeout_s)
    finally:
        caller.close()
        if not call.ctx.ended:
            await call.supervisor.end_call(CallEndReason.CALLER_HUNG_UP)
        await call.supervisor.ended.wait()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(call.session.aclose(), 10)
        await http.close()
    return local


async def _until_done(local: LocalCall, scenario: Scenario, speed: float) -> None:
    """The caller hangs up `hangup_after_ms` after its last line once Camille is quiet; or Camille ended the call."""
    ended = asyncio.ensure_future(local.call.supervisor.ended.wait())
    finished = asyncio.ensure_future(local.caller.finished.wait())
    try:
        await asyncio.wait({ended, finished}, return_when=asyncio.FIRST_COMPLETED)
        if ended.done():
            return
        quiet_needed = scenario.hangup_after_ms / 1000
        quiet_since: float | None = None
        while not ended.done():
            busy = local.output.playing or local.call.session.agent_state in ("thinking", "speaking")
            now = local.caller.clock.now()
            if busy:
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= quiet_needed:
                return
            await asyncio.sleep(0.02)
    finally:
        ended.cancel()
        finished.cancel()


async def offline_phrasebook(settings: VoiceWorkerSettings, clinic: ClinicProfile) -> tuple[Phrasebook, int]:
    """The clinic's fixed phrases rendered offline (eSpeak NG) into the settings' cache, and how many were new."""
    from offline_kit.speech import render_offline
    from voice_worker.bootstrap import phrase_voices
    from voice_worker.phrases import OFFLINE_VOICE, load_phrasebook, render_phrasebook

    rendered = await render_phrasebook(clinic, settings.phrase_cache_dir, OFFLINE_VOICE, render_offline)
    return load_phrasebook(clinic, settings.phrase_cache_dir, phrase_voices(settings)), len(rendered)


async def run_simulated_call(
    settings: VoiceWorkerSettings,
    clinic: ClinicProfile,
    phrasebook: Phrasebook,
    scenario: Scenario,
    *,
    nc: NATS,
    speed: float = 1.0,
    timeout_s: float = 120.0,
    on_line: Callable[[TranscriptLine], None] | None = None,
    call_id: str | None = None,
    metrics: VoiceMetrics | None = None,
) -> LocalCall:
    """`run_local_call` against a realtime simulator of its own, playing the scenario's model side."""
    from offline_kit.simulator import SIMULATOR_API_KEY, RealtimeSimulator

    async with RealtimeSimulator(scenario, speed=speed) as simulator:
        return await run_local_call(
            settings,
            clinic,
            phrasebook,
            scenario,
            nc=nc,
            realtime_base_url=simulator.base_url,
            realtime_api_key=SIMULATOR_API_KEY,
            speed=speed,
            timeout_s=timeout_s,
            on_line=on_line,
            call_id=call_id,
            metrics=metrics,
        )
