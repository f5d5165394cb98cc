"""The clinic's fixed phrases as pre-rendered audio: rendered once into a cache keyed by text + voice, then played.

The realtime model cannot say a fixed text, so every fixed phrase is PCM16 24 kHz mono audio on disk, loaded at
prewarm and played with `session.say(text, audio=phrasebook.frames(key))`.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from livekit import rtc

from contracts.clinic import ClinicProfile, PhraseKey

log = logging.getLogger(__name__)

SAMPLE_RATE = 24_000
FRAME_MS = 20
SAMPLES_PER_FRAME = SAMPLE_RATE * FRAME_MS // 1000
OFFLINE_VOICE = "espeak-ng-fr"

Renderer = Callable[[str], Awaitable[bytes]]  # text -> PCM16 24 kHz mono


class PhraseCacheError(RuntimeError):
    """A fixed phrase has no pre-rendered audio (the message names the phrase keys, never the audio)."""


def cache_key(text: str, voice: str) -> str:
    return hashlib.sha256(f"{voice}\n{text}".encode()).hexdigest()


def cache_path(cache_dir: Path, text: str, voice: str) -> Path:
    return cache_dir / f"{cache_key(text, voice)}.pcm"


@dataclass(frozen=True, slots=True)
class Phrase:
    key: PhraseKey
    text: str
    voice: str
    pcm: bytes

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / 2 / SAMPLE_RATE


def pcm_frames(pcm: bytes) -> list[rtc.AudioFrame]:
    """20 ms frames of PCM16 24 kHz mono (the last one zero-padded)."""
    step = SAMPLES_PER_FRAME * 2
    frames = []
    for start in range(0, len(pcm), step):
        chunk = pcm[start : start + step].ljust(step, b"\x00")
        frames.append(rtc.AudioFrame(chunk, SAMPLE_RATE, 1, SAMPLES_PER_FRAME))
    return frames


class Phrasebook:
    """Every fixed phrase of one clinic, with its audio."""

    def __init__(self, phrases: dict[PhraseKey, Phrase]) -> None:
        if missing := set(PhraseKey) - set(phrases):
            raise PhraseCacheError(f"phrasebook incomplete: {sorted(missing)}")
        self._phrases = phrases

    def __getitem__(self, key: PhraseKey) -> Phrase:
        return self._phrases[key]

    def text(self, key: PhraseKey) -> str:
        return self._phrases[key].text

    async def frames(self, key: PhraseKey) -> AsyncIterator[rtc.AudioFrame]:
        for frame in pcm_frames(self._phrases[key].pcm):
            yield frame

    @property
    def voices(self) -> set[str]:
        return {phrase.voice for phrase in self._phrases.values()}


def missing_phrases(clinic: ClinicProfile, cache_dir: Path, voices: list[str]) -> list[PhraseKey]:
    return [
        key
        for key in PhraseKey
        if not any(cache_path(cache_dir, clinic.phrase(key), voice).is_file() for voice in voices)
    ]


def load_phrasebook(clinic: ClinicProfile, cache_dir: Path, voices: list[str]) -> Phrasebook:
    """The clinic's phrases from the cache, preferring the first voice that has each; raises if one is missing."""
    if missing := missing_phrases(clinic, cache_dir, voices):
        raise PhraseCacheError(
            f"no pre-rendered audio in {cache_dir} for {[k.value for k in missing]}: run `camille phrases render`"
        )
    phrases = {}
    for key in PhraseKey:
        text = clinic.phrase(key)
        voice = next(v for v in voices if cache_path(cache_dir, text, v).is_file())
        phrases[key] = Phrase(key, text, voice, cache_path(cache_dir, text, voice).read_bytes())
    return Phrasebook(phrases)


async def render_phrasebook(
    clinic: ClinicProfile, cache_dir: Path, voice: str, render: Renderer, *, force: bool = False
) -> list[PhraseKey]:
    """Render every phrase not yet cached for `voice`; return the keys rendered now."""
    cache_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240  # once, before any rendering
    rendered = []
    for key in PhraseKey:
        path = cache_path(cache_dir, clinic.phrase(key), voice)
        if path.is_file() and not force:
            continue
        pcm = await render(clinic.phrase(key))
        if len(pcm) < SAMPLES_PER_FRAME * 2:
            raise PhraseCacheError(f"renderer returned no audio for phrase {key.value}")
        await asyncio.to_thread(_write_atomically, path, pcm)
        rendered.append(key)
    return rendered


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def openai_renderer(api_key: str, voice: str, model: str, base_url: str | None, timeout_s: float = 30.0) -> Renderer:
    """OpenAI TTS in the session's voice, as raw PCM16 24 kHz."""
    from openai import AsyncOpenAI

    client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=2)

    async def render(text: str) -> bytes:
        response = await client.audio.speech.create(
            model=model,
            voice=voice,
            input=text,
            response_format="pcm",
            instructions="Parle en français, d'une voix calme et chaleureuse de réceptionniste médicale.",
        )
        return response.content

    return render
