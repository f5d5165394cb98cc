"""A scripted caller for an `AgentSession` with no LiveKit room: an `AudioInput` that speaks the scenario's caller
turns and an `AudioOutput` that records what the agent plays.

Both run on one `CallClock`: call time advances `speed` times faster than wall time, so a call can run faster than
real time while every duration inside it (silences, barge-in delays, playback positions) keeps its audio meaning.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from livekit import rtc
from livekit.agents.voice.io import AudioInput, AudioOutput, AudioOutputCapabilities

from offline_kit.simulator.scenario import Scenario, Turn
from offline_kit.speech import SAMPLE_RATE, duration_s, frame_of, frame_pcm, mix, silence, synthesize, write_wav

FRAME_MS = 20
_FRAME_BYTES = SAMPLE_RATE * FRAME_MS // 1000 * 2


class CallClock:
    """Call time in seconds since the call started, running `speed` times faster than the wall clock."""

    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.started_wall = time.time()
        self._started = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._started) * self.speed

    def wall_at(self, call_time: float) -> float:
        """The monotonic instant at which call time reaches `call_time`."""
        return self._started + call_time / self.speed

    def to_call_time(self, wall: float) -> float:
        """Call time of a `time.time()` instant."""
        return (wall - self.started_wall) * self.speed


@dataclass
class AgentSegment:
    """One stretch of agent audio, from its first frame to its flush or interruption."""

    started_at: float  # call time
    started_wall: float  # time.time()
    pcm: bytearray = field(default_factory=bytearray)
    played_s: float = 0.0
    finished_at: float | None = None
    interrupted: bool = False

    @property
    def pushed_s(self) -> float:
        return duration_s(bytes(self.pcm))


@dataclass
class CallerUtterance:
    turn: int
    text: str
    started_at: float  # call time
    started_wall: float
    ended_at: float | None = None
    ended_wall: float | None = None
    barge_in: bool = False


class RecordingAudioOutput(AudioOutput):
    """Plays the agent's audio against the call clock and records every segment, honouring the playout contract:
    `on_playback_started` on a segment's first frame, `on_playback_finished` once per segment, after its flush has
    played out or at `clear_buffer()` (interrupted, at the position reached)."""

    def __init__(self, clock: CallClock, *, can_pause: bool = True) -> None:
        super().__init__(
            label="RecordingAudioOutput",
            capabilities=AudioOutputCapabilities(pause=can_pause),
            sample_rate=SAMPLE_RATE,
        )
        self.clock = clock
        self.segments: list[AgentSegment] = []
        self._current: AgentSegment | None = None
        self._discarding = False
        self._playhead_at = 0.0  # call time when `played_s` was last advanced
        self._playout: asyncio.Task[None] | None = None
        self._resumed = asyncio.Event()
        self._resumed.set()
        self.on_segment_finished: list[Callable[[AgentSegment], None]] = []

    @property
    def playing(self) -> bool:
        return self._current is not None

    @property
    def current(self) -> AgentSegment | None:
        return self._current

    def last_activity(self) -> float | None:
        """Call time when the agent last stopped playing (None if it never played or is playing now)."""
        if self._current is not None or not self.segments:
            return None
        return self.segments[-1].finished_at

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    def _advance(self) -> None:
        segment, now = self._current, self.clock.now()
        if segment is not None and not self.paused:
            segment.played_s = min(segment.pushed_s, segment.played_s + (now - self._playhead_at))
        self._playhead_at = now

    def pause(self) -> None:
        """Hold the playhead where it is (LiveKit pauses on a possibly false interruption, then resumes)."""
        super().pause()
        self._advance()
        self._resumed.clear()

    def resume(self) -> None:
        super().resume()
        self._advance()
        self._resumed.set()

    async def capture_frame(self, frame: rtc.AudioFrame) -> None:
        await super().capture_frame(frame)
        if self._discarding:
            return
        if self._current is None:
            self._current = AgentSegment(started_at=self.clock.now(), started_wall=time.time())
            self.segments.append(self._current)
            self._playhead_at = self._current.started_at
            self.on_playback_started(created_at=self._current.started_wall)
        self._advance()
        self._current.pcm.extend(frame_pcm(frame))

    def flush(self) -> None:
        super().flush()
        if self._discarding:
            self._discarding = False
            return
        if self._current is not None and self._playout is None:
            self._playout = asyncio.create_task(self._play_out(self._current), name="RecordingAudioOutput.playout")

    async def _play_out(self, segment: AgentSegment) -> None:
        while True:
            await self._resumed.wait()
            self._advance()
            remaining = segment.pushed_s - segment.played_s
            if remaining <= 1e-6:
                break
            # a pause during this sleep is not counted: `_advance` skips paused time
            await asyncio.sleep(remaining / self.clock.speed)
        self._playout = None
        self._finish(segment, interrupted=False)

    def clear_buffer(self) -> None:
        segment = self._current
        if segment is None:
            return
        self._advance()
        if self._playout is not None:
            self._playout.cancel()
            self._playout = None
        else:
            self._discarding = True  # not flushed yet: drop what still comes for this segment
        self._finish(segment, interrupted=True)

    def _finish(self, segment: AgentSegment, *, interrupted: bool) -> None:
        segment.finished_at = self.clock.now()
        segment.interrupted = interrupted
        self._current = None
        self.on_playback_finished(playback_position=segment.played_s, interrupted=interrupted)
        for callback in self.on_segment_finished:
            callback(segment)

    def played_pcm(self) -> bytes:
        """The agent's side of the call as heard: each segment at its start time, cut where it was interrupted."""
        return _place([(s.started_at, bytes(s.pcm[: _bytes(s.played_s)])) for s in self.segments])


class ScriptedCallerInput(AudioInput):
    """Speaks the scenario's caller turns, with silence in between, as a continuous real-time stream of 20 ms frames.

    A turn starts at `at_ms` (call time), or `barge_in_after_ms` into the agent's next stretch of speech, or
    `after_agent_ms` after the agent has answered and gone quiet. `agent_busy`, when given, also holds a turn back
    while it returns True (e.g. the session's agent state is "thinking" during a tool call).
    """

    def __init__(
        self,
        scenario: Scenario,
        output: RecordingAudioOutput,
        *,
        clock: CallClock,
        agent_busy: Callable[[], bool] | None = None,
        speech: dict[str, bytes] | None = None,
    ) -> None:
        super().__init__(label="ScriptedCallerInput")
        self.scenario = scenario
        self.clock = clock
        self.output = output
        self.utterances: list[CallerUtterance] = []
        self.finished = asyncio.Event()
        self._agent_busy = agent_busy or (lambda: False)
        self._speech = speech if speech is not None else render_caller_speech(scenario)
        self._frames_sent = 0
        self._next_turn = 0
        self._speaking: tuple[CallerUtterance, bytes, int] | None = None
        self._segments_at_last_turn = 0
        self._closed = False

    def close(self) -> None:
        self._closed = True

    async def __anext__(self) -> rtc.AudioFrame:
        if self._closed:
            raise StopAsyncIteration
        call_time = self._frames_sent * FRAME_MS / 1000
        await asyncio.sleep(max(0.0, self.clock.wall_at(call_time) - time.monotonic()))
        self._frames_sent += 1
        if self._speaking is None and self._next_turn < len(self.scenario.turns):
            turn = self.scenario.turns[self._next_turn]
            if self._ready(turn, call_time):
                self._begin(turn, call_time)
        return frame_of(self._next_chunk(call_time + FRAME_MS / 1000))

    def _ready(self, turn: Turn, now: float) -> bool:
        last_end = self.utterances[-1].ended_at if self.utterances else 0.0
        assert last_end is not None
        if turn.at_ms is not None:
            return now >= turn.at_ms / 1000
        new_segments = self.output.segments[self._segments_at_last_turn :]
        if turn.barge_in_after_ms is not None:
            current = self.output.current
            return (
                current is not None
                and current in new_segments
                and now - current.started_at >= (turn.barge_in_after_ms / 1000)
            )
        if turn.wait_for_agent and not new_segments:
            return False
        if self.output.playing or self._agent_busy():
            return False
        quiet_since = max(last_end, self.output.last_activity() or 0.0)
        return now - quiet_since >= turn.after_agent_ms / 1000

    def _begin(self, turn: Turn, now: float) -> None:
        utterance = CallerUtterance(
            turn=self._next_turn,
            text=turn.caller,
            started_at=now,
            started_wall=time.time(),
            barge_in=turn.barge_in_after_ms is not None,
        )
        self.utterances.append(utterance)
        self._speaking = (utterance, self._speech[turn.caller], 0)
        self._next_turn += 1

    def _next_chunk(self, end_time: float) -> bytes:
        if self._speaking is None:
            return silence(FRAME_MS / 1000)
        utterance, pcm, offset = self._speaking
        chunk = pcm[offset : offset + _FRAME_BYTES]
        if offset + _FRAME_BYTES >= len(pcm):
            utterance.ended_at, utterance.ended_wall = end_time, time.time()
            self._speaking = None
            self._segments_at_last_turn = len(self.output.segments)
            if self._next_turn >= len(self.scenario.turns):
                self.finished.set()
        else:
            self._speaking = (utterance, pcm, offset + _FRAME_BYTES)
        return chunk.ljust(_FRAME_BYTES, b"\0")

    def spoken_pcm(self) -> bytes:
        """The caller's side of the call: each utterance at its start time."""
        return _place([(u.started_at, self._speech[u.text]) for u in self.utterances])


def render_caller_speech(scenario: Scenario, *, cache_dir: Path | None = None) -> dict[str, bytes]:
    """The caller's lines as PCM16 24 kHz (raises `SynthesisUnavailable` rather than play silence)."""
    texts, _ = scenario.spoken_texts()
    return {text: synthesize(text, voice=scenario.caller_voice, cache_dir=cache_dir) for text in texts}


def write_call_wav(path: Path, caller: ScriptedCallerInput, output: RecordingAudioOutput, *, stereo: bool) -> Path:
    """The call as a WAV file: caller left and agent right when `stereo`, else both mixed into one channel."""
    tracks = [caller.spoken_pcm(), output.played_pcm()]
    return write_wav(path, tracks if stereo else [mix(tracks)])


def _bytes(seconds: float) -> int:
    return round(seconds * SAMPLE_RATE) * 2


def _place(pieces: list[tuple[float, bytes]]) -> bytes:
    if not pieces:
        return b""
    end = max(_bytes(at) + len(pcm) for at, pcm in pieces)
    track = bytearray(end)
    for at, pcm in pieces:
        start = _bytes(at)
        track[start : start + len(pcm)] = mix([bytes(track[start : start + len(pcm)]), pcm])
    return bytes(track)
