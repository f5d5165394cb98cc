"""Offline French speech (eSpeak NG) and PCM16 24 kHz mono helpers for the simulator, scripted callers and the
clinic's fixed phrases in development."""

import asyncio

from offline_kit.speech.cache import DEFAULT_RATE_WPM, default_cache_dir, synthesize
from offline_kit.speech.espeak import SynthesisUnavailable
from offline_kit.speech.pcm import (
    SAMPLE_RATE,
    duration_s,
    frame_of,
    frame_pcm,
    iter_frames,
    mix,
    resample,
    rms,
    silence,
    to_frames,
    write_wav,
)

__all__ = [
    "DEFAULT_RATE_WPM",
    "SAMPLE_RATE",
    "SynthesisUnavailable",
    "default_cache_dir",
    "duration_s",
    "frame_of",
    "frame_pcm",
    "iter_frames",
    "mix",
    "render_offline",
    "resample",
    "rms",
    "silence",
    "synthesize",
    "to_frames",
    "write_wav",
]


async def render_offline(text: str) -> bytes:
    """A phrase renderer (see `voice_worker.phrases.Renderer`): eSpeak NG, robotic, good enough for development."""
    pcm: bytes = await asyncio.to_thread(synthesize, text)
    return pcm
