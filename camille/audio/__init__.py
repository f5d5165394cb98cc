"""Offline French speech (eSpeak NG) and PCM16 24 kHz mono helpers shared by the simulator and the voice worker."""

from camille.audio.cache import DEFAULT_RATE_WPM, default_cache_dir, synthesize
from camille.audio.espeak import SynthesisUnavailable
from camille.audio.pcm import (
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
    "resample",
    "rms",
    "silence",
    "synthesize",
    "to_frames",
    "write_wav",
]
