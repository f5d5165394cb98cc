"""PCM16 mono helpers: resampling, LiveKit audio frames, silence, WAV files."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from livekit import rtc

SAMPLE_RATE = 24_000
BYTES_PER_SAMPLE = 2


def resample(samples: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Linear-interpolation resampling of int16 mono samples (plenty for synthetic speech)."""
    if source_rate == target_rate or samples.size == 0:
        return samples.astype(np.int16)
    count = round(samples.size * target_rate / source_rate)
    positions = np.arange(count) * (source_rate / target_rate)
    out = np.interp(positions, np.arange(samples.size), samples.astype(np.float64))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def duration_s(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> float:
    return len(pcm) / BYTES_PER_SAMPLE / sample_rate


def silence(seconds: float, sample_rate: int = SAMPLE_RATE) -> bytes:
    return bytes(round(seconds * sample_rate) * BYTES_PER_SAMPLE)


def to_frames(pcm: bytes, *, frame_ms: int = 20, sample_rate: int = SAMPLE_RATE) -> list[rtc.AudioFrame]:
    """Cut PCM16 mono into `frame_ms` frames; the last one is zero-padded to full length."""
    return list(iter_frames(pcm, frame_ms=frame_ms, sample_rate=sample_rate))


def iter_frames(pcm: bytes, *, frame_ms: int = 20, sample_rate: int = SAMPLE_RATE) -> Iterator[rtc.AudioFrame]:
    step = sample_rate * frame_ms // 1000 * BYTES_PER_SAMPLE
    for start in range(0, len(pcm), step):
        chunk = pcm[start : start + step]
        if len(chunk) < step:
            chunk += bytes(step - len(chunk))
        yield frame_of(chunk, sample_rate)


def frame_of(pcm: bytes, sample_rate: int = SAMPLE_RATE) -> rtc.AudioFrame:
    return rtc.AudioFrame(
        data=pcm, sample_rate=sample_rate, num_channels=1, samples_per_channel=len(pcm) // BYTES_PER_SAMPLE
    )


def frame_pcm(frame: rtc.AudioFrame, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The frame as PCM16 mono at `sample_rate` (downmixed and resampled when it differs)."""
    samples = np.frombuffer(bytes(frame.data), dtype=np.int16)
    if frame.num_channels > 1:
        samples = samples.reshape(-1, frame.num_channels).mean(axis=1).astype(np.int16)
    return resample(samples, frame.sample_rate, sample_rate).astype("<i2").tobytes()


def rms(pcm: bytes) -> float:
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0


def write_wav(path: Path, channels: list[bytes], *, sample_rate: int = SAMPLE_RATE) -> Path:
    """Write one or more PCM16 mono tracks as a WAV file (one channel each, padded to the longest)."""
    longest = max((len(c) for c in channels), default=0)
    tracks = [np.frombuffer(c.ljust(longest, b"\0"), dtype="<i2") for c in channels]
    interleaved = np.stack(tracks, axis=1).reshape(-1) if tracks else np.zeros(0, dtype="<i2")
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(max(len(channels), 1))
        out.setsampwidth(BYTES_PER_SAMPLE)
        out.setframerate(sample_rate)
        out.writeframes(interleaved.astype("<i2").tobytes())
    return path


def mix(tracks: list[bytes]) -> bytes:
    """Sum PCM16 mono tracks sample by sample, clipped."""
    longest = max((len(t) for t in tracks), default=0)
    total = np.zeros(longest // BYTES_PER_SAMPLE, dtype=np.int32)
    for track in tracks:
        samples = np.frombuffer(track, dtype="<i2")
        total[: samples.size] += samples
    return np.clip(total, -32768, 32767).astype("<i2").tobytes()
