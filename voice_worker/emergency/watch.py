"""When a call acts on the detector: a final transcript's hit at once, a partial one only once it has held; partial
transcripts are read at most once per `min_interval_s`, and only their last words."""

import time
from collections.abc import Callable

from contracts.emergency import DetectorLayer
from voice_worker.emergency import model as learned
from voice_worker.emergency.decision import Verdict, check

__all__ = ["NOTHING", "PARTIAL_WORDS", "EmergencyWatch"]

NOTHING = Verdict(None)
# Words of a partial transcript read per check: one passage, the words said since the last check (a caller says two
# or three a second) and the context before them. What came earlier was read by earlier partials, and the final
# transcript is read whole. `camille bench emergency` times it.
PARTIAL_WORDS = 60


class EmergencyWatch:
    """When to act on what the caller is saying: a final transcript's hit at once; a partial one once it has held.

    Partial transcripts grow word by word, and a marker that cancels a hit often comes after it ("j'ai fait un AVC
    ... l'année dernière"). So a hit in a partial transcript acts only after it has held for `confirm_words` more
    words, and otherwise waits for the final transcript, which realtime transcription delivers moments later.

    A partial transcript arriving less than `min_interval_s` after the last one read is not read (`NOTHING`): the
    next partial or the final, always read, covers its words. `observe` never raises: a failure of any part is an
    unknown `Verdict`.
    """

    def __init__(
        self,
        confirm_words: int = 8,
        *,
        model: learned.Model | None = None,
        min_interval_s: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._confirm_words = confirm_words
        self._model = model
        self._min_interval_s = min_interval_s
        self._clock = clock
        self._held_since: int | None = None
        self._last_partial: float | None = None
        self.checks = 0  # transcripts read (the rest were throttled)

    def observe(self, text: str, *, final: bool) -> Verdict:
        try:
            return self._observe(text, final)
        except Exception as exc:
            return Verdict(None, (DetectorLayer.WATCH,), type(exc).__name__)

    def _observe(self, text: str, final: bool) -> Verdict:
        if final:
            self._last_partial = None
            self._held_since = None
            self.checks += 1
            return check(text, self._model)
        now = self._clock()
        if self._last_partial is not None and now - self._last_partial < self._min_interval_s:
            return NOTHING
        self._last_partial = now
        self.checks += 1
        verdict = check(text, self._model, last_words=PARTIAL_WORDS)
        words = len(text.split())
        if verdict.match is None:
            self._held_since = None
            return verdict
        if self._held_since is None or words < self._held_since:
            self._held_since = words
        if words - self._held_since >= self._confirm_words:
            return verdict
        return Verdict(None, verdict.failed, verdict.error)
