"""Server-side voice activity detection from the energy of the incoming audio, in audio time (not wall time).

Audio time is what the real service uses too, so a caller played faster than real time is segmented the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offline_kit.speech import SAMPLE_RATE, rms

WINDOW_MS = 10
_WINDOW_BYTES = SAMPLE_RATE * WINDOW_MS // 1000 * 2
_RMS_PER_THRESHOLD = 1000.0  # the protocol's threshold 0..1 maps to an RMS level of 0..1000 (PCM16)
_SEMANTIC_SILENCE_MS = {"low": 900, "medium": 500, "auto": 500, "high": 300}


@dataclass(frozen=True)
class VadSettings:
    threshold_rms: float = 500.0
    prefix_padding_ms: int = 300
    silence_duration_ms: int = 500
    create_response: bool = True
    interrupt_response: bool = True

    @classmethod
    def from_session(cls, turn_detection: dict[str, Any] | None) -> VadSettings | None:
        """The settings for a session's `audio.input.turn_detection`; None when turn detection is off."""
        if not turn_detection:
            return None
        silence = turn_detection.get("silence_duration_ms")
        if turn_detection.get("type") == "semantic_vad":
            silence = _SEMANTIC_SILENCE_MS.get(str(turn_detection.get("eagerness") or "auto"), 500)
        threshold = turn_detection.get("threshold")
        return cls(
            threshold_rms=(threshold if threshold is not None else 0.5) * _RMS_PER_THRESHOLD,
            prefix_padding_ms=turn_detection.get("prefix_padding_ms") or 300,
            silence_duration_ms=silence or 500,
            create_response=turn_detection.get("create_response", True) is not False,
            interrupt_response=turn_detection.get("interrupt_response", True) is not False,
        )


@dataclass(frozen=True)
class SpeechStarted:
    audio_start_ms: int


@dataclass(frozen=True)
class SpeechStopped:
    audio_end_ms: int


@dataclass
class EnergyVad:
    """Feed PCM16 24 kHz audio; get speech started/stopped transitions with their audio times."""

    audio_ms: int = 0
    in_speech: bool = False
    _last_voice_ms: int = 0
    _pending: bytearray = field(default_factory=bytearray)

    def reset(self) -> None:
        self.in_speech = False
        self._pending.clear()

    def feed(self, pcm: bytes, settings: VadSettings) -> list[SpeechStarted | SpeechStopped]:
        self._pending.extend(pcm)
        transitions: list[SpeechStarted | SpeechStopped] = []
        while len(self._pending) >= _WINDOW_BYTES:
            window = bytes(self._pending[:_WINDOW_BYTES])
            del self._pending[:_WINDOW_BYTES]
            start_ms = self.audio_ms
            self.audio_ms += WINDOW_MS
            voiced = rms(window) > settings.threshold_rms
            if voiced:
                if not self.in_speech:
                    self.in_speech = True
                    transitions.append(SpeechStarted(max(0, start_ms - settings.prefix_padding_ms)))
                self._last_voice_ms = self.audio_ms
            elif self.in_speech and self.audio_ms - self._last_voice_ms >= settings.silence_duration_ms:
                self.in_speech = False
                transitions.append(SpeechStopped(self._last_voice_ms))
        return transitions
