"""French speech synthesis with eSpeak NG, loaded from the `espeakng-loader` wheel (no system package).

The library keeps global state and is not thread-safe: one process-wide lock serialises every call.
"""

from __future__ import annotations

import ctypes
import threading
from typing import Any

import numpy as np

from offline_kit.speech.pcm import SAMPLE_RATE, resample

_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_CHARS_UTF8 = 1
_ENDPAUSE = 0x1000
_POS_CHARACTER = 1
_RATE = 1

_SynthCallback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class SynthesisUnavailable(RuntimeError):
    """The speech synthesiser cannot run here: the message says why; nothing falls back to silence."""


class _Espeak:
    def __init__(self) -> None:
        try:
            import espeakng_loader

            self._lib: Any = ctypes.CDLL(espeakng_loader.get_library_path())
            data_path = espeakng_loader.get_data_path()
        except (ImportError, OSError) as exc:
            raise SynthesisUnavailable(f"eSpeak NG library cannot be loaded: {type(exc).__name__}") from exc
        lib = self._lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetVoiceByName.restype = ctypes.c_int
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_SynthCallback]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        lib.espeak_Synth.restype = ctypes.c_int
        self.sample_rate = int(lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, str(data_path).encode(), 0))
        if self.sample_rate <= 0:
            raise SynthesisUnavailable("eSpeak NG failed to initialise (data directory not found?)")
        self._chunks: list[np.ndarray] = []
        self._callback = _SynthCallback(self._collect)  # kept alive: the library holds a raw pointer to it
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        return 0

    def synthesize(self, text: str, voice: str, rate_wpm: int) -> np.ndarray:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise SynthesisUnavailable(f"eSpeak NG has no voice named {voice!r}")
        self._lib.espeak_SetParameter(_RATE, rate_wpm, 0)
        self._chunks = []
        data = text.encode("utf-8")
        status = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8 | _ENDPAUSE, None, None)
        if status != 0:
            raise SynthesisUnavailable(f"eSpeak NG synthesis failed with status {status}")
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        self._chunks = []
        if samples.size == 0:
            raise SynthesisUnavailable("eSpeak NG produced no audio")
        return samples


_lock = threading.Lock()
_engine: _Espeak | None = None


def render(text: str, *, voice: str, rate_wpm: int) -> bytes:
    """Synthesise `text` now (no cache): PCM16 little-endian, 24 kHz, mono."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = _Espeak()
        samples = _engine.synthesize(text, voice, rate_wpm)
        source_rate = _engine.sample_rate
    return resample(samples, source_rate, SAMPLE_RATE).astype("<i2").tobytes()
