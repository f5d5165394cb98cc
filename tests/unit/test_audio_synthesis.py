"""Offline French speech with eSpeak NG, its disk cache, and the PCM helpers."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from offline_kit.speech import (
    SAMPLE_RATE,
    SynthesisUnavailable,
    duration_s,
    frame_pcm,
    mix,
    rms,
    synthesize,
    to_frames,
    write_wav,
)
from offline_kit.speech.cache import cache_key


def test_synthesize_returns_audible_24khz_speech_of_plausible_length(tmp_path: Path) -> None:
    """A French sentence becomes PCM16 24 kHz mono speech lasting roughly as long as it takes to say."""
    pcm = synthesize("Bonjour, cabinet du docteur Fillion.", cache_dir=tmp_path)
    assert len(pcm) % 2 == 0
    assert 1.0 < duration_s(pcm) < 5.0
    assert rms(pcm) > 500


def test_cache_serves_the_stored_file_for_the_same_text_and_voice(tmp_path: Path) -> None:
    """A cached phrase is read back from its file (keyed by text, voice and rate), not synthesised again."""
    stored = tmp_path / f"{cache_key('Au revoir.', 'fr', 165)}.pcm"
    stored.write_bytes(b"\x01\x00" * 10)
    assert synthesize("Au revoir.", voice="fr", cache_dir=tmp_path) == b"\x01\x00" * 10
    fresh = synthesize("Au revoir.", voice="fr+f3", cache_dir=tmp_path)
    assert len(fresh) > 20 and (tmp_path / f"{cache_key('Au revoir.', 'fr+f3', 165)}.pcm").read_bytes() == fresh


def test_unknown_voice_is_a_clear_error_never_silence(tmp_path: Path) -> None:
    """Asking for a voice eSpeak NG does not have raises SynthesisUnavailable and caches nothing."""
    with pytest.raises(SynthesisUnavailable, match="no voice"):
        synthesize("Bonjour.", voice="xx-nonexistent", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_empty_text_is_refused() -> None:
    """An empty text is a ValueError, not an empty recording."""
    with pytest.raises(ValueError, match="empty"):
        synthesize("   ", use_cache=False)


def test_frames_cover_the_audio_in_fixed_size_frames() -> None:
    """to_frames cuts PCM into 20 ms frames (the last zero-padded) that join back into the same audio."""
    pcm = np.arange(1000, dtype="<i2").tobytes()
    frames = to_frames(pcm, frame_ms=20)
    assert [f.samples_per_channel for f in frames] == [480, 480, 480]
    joined = b"".join(bytes(f.data) for f in frames)
    assert joined[: len(pcm)] == pcm and set(joined[len(pcm) :]) == {0}


def test_frame_pcm_resamples_other_rates_to_24khz() -> None:
    """A 48 kHz frame comes back as 24 kHz PCM of the same duration."""
    frame = to_frames(np.full(4800, 1000, dtype="<i2").tobytes(), frame_ms=100, sample_rate=48_000)[0]
    assert duration_s(frame_pcm(frame)) == pytest.approx(0.1, abs=0.001)


def test_wav_file_holds_one_channel_per_track(tmp_path: Path) -> None:
    """write_wav writes a readable PCM16 WAV with one channel per track, padded to the longest."""
    a, b = np.full(100, 1000, dtype="<i2").tobytes(), np.full(50, -1000, dtype="<i2").tobytes()
    path = write_wav(tmp_path / "x.wav", [a, b])
    with wave.open(str(path)) as audio:
        assert (audio.getnchannels(), audio.getframerate(), audio.getnframes()) == (2, SAMPLE_RATE, 100)
    assert np.frombuffer(mix([a, b]), dtype="<i2")[:50].tolist() == [0] * 50
