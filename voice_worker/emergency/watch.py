"""When a call acts on the detector: a final transcript's hit at once, a partial one only once it has held."""

from voice_worker.emergency.decision import EmergencyMatch, detect

__all__ = ["EmergencyWatch"]


class EmergencyWatch:
    """When to act on what the caller is saying: a final transcript's hit at once; a partial one once it has held.

    Partial transcripts grow word by word, and a marker that cancels a hit often comes after it ("j'ai fait un AVC
    ... l'année dernière"). So a hit in a partial transcript acts only after it has held for `confirm_words` more
    words, and otherwise waits for the final transcript, which realtime transcription delivers moments later.
    """

    def __init__(self, confirm_words: int = 8) -> None:
        self._confirm_words = confirm_words
        self._held_since: int | None = None

    def observe(self, text: str, *, final: bool) -> EmergencyMatch | None:
        match = detect(text)
        words = len(text.split())
        if match is None or final:
            self._held_since = None
            return match
        if self._held_since is None or words < self._held_since:
            self._held_since = words
        return match if words - self._held_since >= self._confirm_words else None
