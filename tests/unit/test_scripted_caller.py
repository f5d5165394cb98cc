"""The scripted caller's audio ends: the recording output's playout contract and the caller input's turn timing."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from livekit.agents.voice.io import PlaybackFinishedEvent, PlaybackStartedEvent

from offline_kit.simulator import CallClock, RecordingAudioOutput, Scenario, ScriptedCallerInput
from offline_kit.speech import duration_s, frame_pcm, to_frames

TONE = np.full(4800, 3000, dtype="<i2").tobytes()  # 200 ms at 24 kHz


def _output(speed: float) -> tuple[RecordingAudioOutput, list[PlaybackStartedEvent], list[PlaybackFinishedEvent]]:
    output = RecordingAudioOutput(CallClock(speed))
    started: list[PlaybackStartedEvent] = []
    finished: list[PlaybackFinishedEvent] = []
    output.on("playback_started", started.append)
    output.on("playback_finished", finished.append)
    return output, started, finished


async def test_flushed_segment_plays_out_then_reports_its_full_length() -> None:
    """playback_started fires on the first frame; after flush, playback_finished reports the whole segment."""
    output, started, finished = _output(speed=20)
    for frame in to_frames(TONE * 5):  # 1 s of audio
        await output.capture_frame(frame)
    output.flush()
    assert len(started) == 1 and finished == []
    event = await asyncio.wait_for(output.wait_for_playout(), 5)
    assert event.interrupted is False
    assert event.playback_position == pytest.approx(1.0, abs=0.001)
    assert [f.playback_position for f in finished] == [event.playback_position]
    assert output.segments[0].finished_at is not None and not output.playing


async def test_clear_buffer_interrupts_at_the_position_reached() -> None:
    """clear_buffer mid-playout reports interrupted=True at a position short of what was pushed."""
    output, _, finished = _output(speed=2)
    for frame in to_frames(TONE * 10):  # 2 s of audio: 1 s of wall time at 2x
        await output.capture_frame(frame)
    output.flush()
    await asyncio.sleep(0.2)
    output.clear_buffer()
    event = await asyncio.wait_for(output.wait_for_playout(), 5)
    assert event.interrupted is True
    assert 0.0 < event.playback_position < 2.0
    assert len(finished) == 1
    assert duration_s(output.played_pcm()) == pytest.approx(
        output.segments[0].started_at + event.playback_position, abs=0.01
    )


async def test_clear_before_flush_reports_once_and_drops_the_rest_of_the_segment() -> None:
    """A segment cleared before its flush finishes once; frames until the flush are dropped, the next segment plays."""
    output, started, finished = _output(speed=50)
    await output.capture_frame(to_frames(TONE)[0])
    output.clear_buffer()
    await output.capture_frame(to_frames(TONE)[1])
    output.flush()
    await asyncio.wait_for(output.wait_for_playout(), 5)
    for frame in to_frames(TONE):
        await output.capture_frame(frame)
    output.flush()
    await asyncio.wait_for(output.wait_for_playout(), 5)
    assert [f.interrupted for f in finished] == [True, False]
    assert len(started) == 2 and len(output.segments) == 2
    assert len(output.segments[0].pcm) == 960  # only the first 20 ms frame was kept


def _caller(turns: list[dict[str, object]], output: RecordingAudioOutput) -> ScriptedCallerInput:
    scenario = Scenario.model_validate({"name": "unit", "turns": turns})
    speech = {str(turn["caller"]): TONE for turn in turns}
    return ScriptedCallerInput(scenario, output, clock=output.clock, speech=speech)


async def _read(caller: ScriptedCallerInput, frames: int) -> list[bytes]:
    return [frame_pcm(await caller.__anext__()) for _ in range(frames)]


async def test_caller_plays_an_absolute_turn_at_its_time_in_continuous_frames() -> None:
    """A turn with at_ms starts at that call time; before and after it the caller sends silent 20 ms frames."""
    output = RecordingAudioOutput(CallClock(200))
    caller = _caller([{"caller": "Allô", "at_ms": 100}], output)
    frames = await _read(caller, 20)
    assert all(len(f) == 960 for f in frames)
    assert b"".join(frames[:5]) == bytes(4800)
    assert b"".join(frames[5:15]) == TONE
    assert b"".join(frames[15:]) == bytes(4800)
    assert caller.finished.is_set()
    assert caller.utterances[0].started_at == pytest.approx(0.1)


async def test_caller_waits_for_the_agent_to_finish_then_the_delay() -> None:
    """A turn after the agent waits until the agent's segment has played out, plus after_agent_ms of quiet."""
    output = RecordingAudioOutput(CallClock(100))
    caller = _caller([{"caller": "Oui", "after_agent_ms": 200}], output)
    await _read(caller, 5)
    assert caller.utterances == []
    for frame in to_frames(TONE):
        await output.capture_frame(frame)
    output.flush()
    await asyncio.wait_for(output.wait_for_playout(), 5)
    agent_done = output.segments[0].finished_at
    assert agent_done is not None
    while not caller.utterances:
        await caller.__anext__()
    assert caller.utterances[0].started_at - agent_done >= 0.2


async def test_caller_barges_in_after_the_agent_has_spoken_long_enough() -> None:
    """A barge-in turn starts barge_in_after_ms into the agent's speech, while the agent is still playing."""
    output = RecordingAudioOutput(CallClock(50))
    caller = _caller([{"caller": "Allô", "barge_in_after_ms": 300}], output)
    for frame in to_frames(TONE * 10):
        await output.capture_frame(frame)
    output.flush()
    while not caller.utterances:
        await caller.__anext__()
    assert output.playing
    assert caller.utterances[0].barge_in
    assert caller.utterances[0].started_at - output.segments[0].started_at == pytest.approx(0.3, abs=0.05)
    output.clear_buffer()


async def test_pause_holds_the_playhead_until_resume() -> None:
    """While paused the position does not move; after resume the segment plays out to its full length."""
    output, _, finished = _output(speed=10)
    assert output.can_pause
    for frame in to_frames(TONE * 5):  # 1 s of audio: 0.1 s of wall time at 10x
        await output.capture_frame(frame)
    output.flush()
    output.pause()
    held = output.segments[0].played_s
    await asyncio.sleep(0.2)
    output._advance()
    assert output.segments[0].played_s == held and finished == []
    output.resume()
    event = await asyncio.wait_for(output.wait_for_playout(), 5)
    assert (event.interrupted, event.playback_position) == (False, pytest.approx(1.0, abs=0.001))
