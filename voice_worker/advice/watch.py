"""Reads Camille's transcript as it streams, a few characters at a time, and says when a sentence gives advice.

The realtime model sends the text of a reply ahead of its audio, in small pieces. The watch keeps the sentence being
said and checks it again each time a word is complete, so advice is found while the sentence is still being spoken.
A word still arriving is not read (« deux g » is not « deux grammes » before « rands » arrives), and a sentence
with no end is read in a sliding window, so one check never costs more than a sentence's worth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voice_worker.advice.rules import Kind, first_match
from voice_worker.advice.text import normalize

__all__ = ["AdviceHit", "AdviceWatch", "medical_advice"]

_SENTENCE_END = re.compile(r"[.!?…;]+\s")
_WINDOW_CHARS = 400  # longest stretch read at once when a sentence never ends
_KEEP_CHARS = 300  # what a window keeps of the sentence's end when it slides


@dataclass(frozen=True)
class AdviceHit:
    rule: str
    kind: Kind
    sentence: str  # the words as said so far (PHI: it may repeat what the caller said)


class AdviceWatch:
    """One reply's transcript: `feed` each piece as it arrives, `finish` when the reply's text ends."""

    def __init__(self) -> None:
        self._sentence = ""
        self._checked_words = 0
        self.checks = 0

    def feed(self, delta: str) -> AdviceHit | None:
        """The hit in what has been said so far, or None; after a hit, call `reset` to read on."""
        self._sentence += delta
        while (end := _SENTENCE_END.search(self._sentence)) is not None:
            sentence, self._sentence = self._sentence[: end.end()], self._sentence[end.end() :]
            self._checked_words = 0
            if (hit := self._check(sentence)) is not None:
                return hit
        if len(self._sentence) > _WINDOW_CHARS:
            cut = self._sentence.find(" ", len(self._sentence) - _KEEP_CHARS)
            self._sentence = self._sentence[cut + 1 :] if cut >= 0 else self._sentence[-_KEEP_CHARS:]
            self._checked_words = 0
        complete = self._sentence[: self._sentence.rfind(" ") + 1]  # the words followed by a space
        words = complete.count(" ")
        if words <= self._checked_words:
            return None
        self._checked_words = words
        return self._check(complete)

    def finish(self) -> AdviceHit | None:
        """The hit in the last sentence, read to its end (its last word is complete now)."""
        sentence, self._sentence, self._checked_words = self._sentence, "", 0
        return self._check(sentence) if sentence.strip() else None

    def reset(self) -> None:
        self._sentence, self._checked_words = "", 0

    def _check(self, sentence: str) -> AdviceHit | None:
        self.checks += 1
        rule = first_match(normalize(sentence))
        return AdviceHit(rule.name, rule.kind, sentence.strip()) if rule is not None else None


def medical_advice(text: str) -> AdviceHit | None:
    """The first hit in a whole text read as it would stream, word by word, or None."""
    watch = AdviceWatch()
    for word in re.findall(r"\S+\s*", text):
        if (hit := watch.feed(word)) is not None:
            return hit
    return watch.finish()
