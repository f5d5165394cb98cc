"""Run one scripted call through an `AgentSession` with no room, and report the transcript with its timings.

    report = await run_scripted_call(session, agent, load_scenario("booking"), speed=4.0, wav_path=Path("call.wav"))
    print(report.greeting_latency_s, [t.round_trip_s for t in report.tool_calls])

Latencies are wall-clock seconds (what the system took); positions in the call (`at_s`) are call time, which runs
`speed` times faster than the wall clock.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from livekit.agents import Agent, AgentSession
from livekit.agents.voice.events import (
    AgentStateChangedEvent,
    CloseEvent,
    ConversationItemAddedEvent,
    ErrorEvent,
    FunctionToolsExecutedEvent,
)

from offline_kit.simulator.caller import (
    CallClock,
    RecordingAudioOutput,
    ScriptedCallerInput,
    render_caller_speech,
    write_call_wav,
)
from offline_kit.simulator.scenario import Scenario, load_scenario

Speaker = Literal["caller", "agent", "tool", "error"]
EndedBy = Literal["script", "agent", "fatal_error", "timeout"]


@dataclass
class TranscriptEntry:
    at_s: float
    speaker: Speaker
    text: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class ToolRoundTrip:
    name: str
    arguments: str
    output: str
    is_error: bool
    round_trip_s: float | None


@dataclass
class CallReport:
    scenario: str
    speed: float
    entries: list[TranscriptEntry]
    greeting_latency_s: float | None
    turn_latencies_s: list[float | None]
    tool_calls: list[ToolRoundTrip]
    errors: list[dict[str, Any]]
    ended_by: EndedBy
    duration_s: float
    interruptions: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), ensure_ascii=False, indent=2)

    def agent_lines(self) -> list[str]:
        return [e.text for e in self.entries if e.speaker == "agent"]

    def caller_lines(self) -> list[str]:
        return [e.text for e in self.entries if e.speaker == "caller"]


class ScriptedCall:
    """The caller input, the recording output and the bookkeeping of one call; `attach` it to a session before
    `session.start(...)`, then `await wait_until_done()`. `run_scripted_call` does all of it."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        speed: float = 1.0,
        cache_dir: Path | None = None,
        on_entry: Callable[[TranscriptEntry], None] | None = None,
        no_answer_s: float = 5.0,
    ) -> None:
        self.scenario = scenario
        self.no_answer_s = no_answer_s
        self.clock = CallClock(speed)
        self.output = RecordingAudioOutput(self.clock)
        self.agent_state = "initializing"
        self.input = ScriptedCallerInput(
            scenario,
            self.output,
            clock=self.clock,
            agent_busy=lambda: self.agent_state == "thinking",
            speech=render_caller_speech(scenario, cache_dir=cache_dir),
        )
        self.entries: list[TranscriptEntry] = []
        self.tool_calls: list[ToolRoundTrip] = []
        self.errors: list[dict[str, Any]] = []
        self.ended = asyncio.Event()
        self.ended_by: EndedBy | None = None
        self.started_wall: float | None = None
        self._on_entry = on_entry

    def attach(self, session: AgentSession[Any]) -> None:
        session.input.audio = self.input
        session.output.audio = self.output
        session.on("conversation_item_added", self._on_item)
        session.on("function_tools_executed", self._on_tools)
        session.on("agent_state_changed", self._on_state)
        session.on("error", self._on_error)
        session.on("close", self._on_close)

    def _add(self, speaker: Speaker, text: str, **detail: Any) -> None:
        entry = TranscriptEntry(round(self.clock.now(), 3), speaker, text, detail)
        self.entries.append(entry)
        if self._on_entry is not None:
            self._on_entry(entry)

    def _on_item(self, event: ConversationItemAddedEvent) -> None:
        item = event.item
        role = getattr(item, "role", None)
        if role in ("user", "assistant"):
            text = getattr(item, "text_content", None) or ""
            interrupted = bool(getattr(item, "interrupted", False))
            self._add("caller" if role == "user" else "agent", text, **({"interrupted": True} if interrupted else {}))

    def _on_tools(self, event: FunctionToolsExecutedEvent) -> None:
        for call, output in zip(event.function_calls, event.function_call_outputs, strict=False):
            round_trip = output.created_at - call.created_at if output is not None else None
            trip = ToolRoundTrip(
                name=call.name,
                arguments=call.arguments,
                output=output.output if output is not None else "",
                is_error=bool(output is not None and output.is_error),
                round_trip_s=round(round_trip, 4) if round_trip is not None else None,
            )
            self.tool_calls.append(trip)
            self._add("tool", f"{call.name}({call.arguments}) -> {trip.output}", round_trip_s=trip.round_trip_s)

    def _on_state(self, event: AgentStateChangedEvent) -> None:
        self.agent_state = event.new_state

    def _on_error(self, event: ErrorEvent) -> None:
        error = event.error
        recoverable = bool(getattr(error, "recoverable", True))
        inner = getattr(error, "error", error)
        body = getattr(inner, "body", None)
        code = getattr(body, "code", None) or (body.get("code") if isinstance(body, dict) else None)
        record = {"recoverable": recoverable, "type": type(inner).__name__, "code": code, "message": str(inner)}
        self.errors.append(record)
        self._add("error", str(inner), recoverable=recoverable, code=code)
        if not recoverable:
            self._end("fatal_error")

    def _on_close(self, event: CloseEvent) -> None:
        self._end("agent")

    def _end(self, by: EndedBy) -> None:
        if self.ended_by is None:
            self.ended_by = by
        self.ended.set()

    async def wait_until_done(self, timeout_s: float) -> None:
        """Until the script is spoken and the agent has answered and gone quiet, or the call ends otherwise."""
        hangup = asyncio.create_task(self._script_done())
        ended = asyncio.create_task(self.ended.wait())
        try:
            await asyncio.wait({hangup, ended}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (hangup, ended):
                task.cancel()
        self._end("script" if hangup.done() and not hangup.cancelled() else "timeout")

    async def _script_done(self) -> None:
        await self.input.finished.wait()
        last = self.input.utterances[-1]
        finished_wall = time.monotonic()
        while True:
            answered = any(last.ended_at is not None and s.started_at >= last.ended_at for s in self.output.segments)
            quiet_since = max(last.ended_at or 0.0, self.output.last_activity() or 0.0)
            quiet = not self.output.playing and self.agent_state not in ("thinking", "speaking")
            # an agent that never answers the last line is hung up on after `no_answer_s` of wall time
            waited_enough = answered or time.monotonic() - finished_wall >= self.no_answer_s
            if quiet and waited_enough and self.clock.now() - quiet_since >= self.scenario.hangup_after_ms / 1000:
                return
            await asyncio.sleep(0.02)

    def report(self) -> CallReport:
        segments, utterances = self.output.segments, self.input.utterances
        greeting = None
        first_caller = utterances[0].started_wall if utterances else float("inf")
        if self.started_wall is not None and segments and segments[0].started_wall < first_caller:
            greeting = round(segments[0].started_wall - self.started_wall, 4)
        latencies: list[float | None] = []
        for index, utterance in enumerate(utterances):
            end = utterance.ended_wall
            next_start = utterances[index + 1].started_wall if index + 1 < len(utterances) else float("inf")
            reply = next((s for s in segments if end is not None and end <= s.started_wall < next_start), None)
            latencies.append(round(reply.started_wall - end, 4) if reply is not None and end is not None else None)
        return CallReport(
            scenario=self.scenario.name,
            speed=self.clock.speed,
            entries=self.entries,
            greeting_latency_s=greeting,
            turn_latencies_s=latencies,
            tool_calls=self.tool_calls,
            errors=self.errors,
            ended_by=self.ended_by or "timeout",
            duration_s=round(self.clock.now(), 3),
            interruptions=sum(1 for s in segments if s.interrupted),
        )


async def run_scripted_call(
    session: AgentSession[Any],
    agent: Agent | None,
    scenario: Scenario | str | Path,
    *,
    speed: float = 1.0,
    start: Callable[[], Awaitable[object]] | None = None,
    wav_path: Path | None = None,
    stereo: bool = True,
    timeout_s: float = 180.0,
    on_entry: Callable[[TranscriptEntry], None] | None = None,
    cache_dir: Path | None = None,
    close_session: bool = True,
    no_answer_s: float = 5.0,
) -> CallReport:
    """Play `scenario`'s caller into `session` and return the call's transcript and timings.

    By default the session is started with `session.start(agent)`; pass `start` to start it your own way (it is
    called after the scripted input and recording output are attached). The call ends when the script is done and
    the agent has been quiet for the scenario's `hangup_after_ms` (or has not answered the last line within
    `no_answer_s`), when the session closes, on a fatal (not
    recoverable) error, which the session reports with no `close` event, or after `timeout_s`.
    """
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    call = ScriptedCall(scenario, speed=speed, cache_dir=cache_dir, on_entry=on_entry, no_answer_s=no_answer_s)
    call.attach(session)
    call.started_wall = time.time()
    if start is not None:
        await start()
    elif agent is not None:
        await session.start(agent)
    else:
        raise ValueError("pass the agent to start, or a `start` callable")
    try:
        await call.wait_until_done(timeout_s)
    finally:
        call.input.close()
        if close_session:
            await asyncio.wait_for(session.aclose(), timeout=15)
    if wav_path is not None:
        write_call_wav(wav_path, call.input, call.output, stereo=stereo)
    return call.report()
