"""The speech cache: one file per (text, voice, rate), so a phrase is synthesised once per machine."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from offline_kit.speech.espeak import render

DEFAULT_RATE_WPM = 165
_FORMAT_VERSION = "1"  # bump when the rendering changes, so stale audio is never served


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "camille" / "speech"


def cache_key(text: str, voice: str, rate_wpm: int) -> str:
    return hashlib.sha256(f"{_FORMAT_VERSION}\0{voice}\0{rate_wpm}\0{text}".encode()).hexdigest()


def synthesize(
    text: str,
    *,
    voice: str = "fr",
    rate_wpm: int = DEFAULT_RATE_WPM,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> bytes:
    """French speech for `text` as PCM16 little-endian 24 kHz mono; raises `SynthesisUnavailable`, never silence.

    Cached on disk under `cache_dir` (default `~/.cache/camille/speech`), keyed by text, voice and rate.
    """
    if not text.strip():
        raise ValueError("nothing to synthesise: the text is empty")
    if not use_cache:
        return render(text, voice=voice, rate_wpm=rate_wpm)
    directory = cache_dir or default_cache_dir()
    path = directory / f"{cache_key(text, voice, rate_wpm)}.pcm"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    pcm = render(text, voice=voice, rate_wpm=rate_wpm)
    directory.mkdir(parents=True, exist_ok=True)
    # write then rename: a concurrent reader never sees half a file
    fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(pcm)
    os.replace(tmp, path)
    return pcm
