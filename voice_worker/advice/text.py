"""The canonical form of Camille's words that the advice rules read, with numbers as digits.

Lowercase ASCII words; apostrophes and hyphens become spaces ("donnez-lui" -> "donnez lui", "d'eau" -> "d eau");
commas, colons and sentence ends stay as their own tokens (" , ", " : ", " . ") because the guards are scoped by
them; and French numbers written in words become digits ("quinze milligrammes" -> "15 milligrammes", "deux cent
cinquante" -> "250", "deux virgule cinq" -> "2.5"), so one rule reads « 15 mg » and « quinze milligrammes ». A lone
« un » / « une » stays a word: it is an article far more often than a number, and the rules that count read both.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["normalize"]

_CHARS = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "œ": "oe", "æ": "ae", "«": " ", "»": " "})
_DECIMAL = re.compile(r"(\d)[.,](\d)")
_TOKENS = re.compile(r"\d+(?:\.\d+)?|[a-z]+|[.!?;…]+|[,:]")

_UNITS = {
    "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8,
    "neuf": 9,
}  # fmt: skip
_TEENS = {"dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14, "quinze": 15, "seize": 16}
_TENS = {
    "vingt": 20, "vingts": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70,
    "huitante": 80, "octante": 80, "nonante": 90,
}  # fmt: skip
_HUNDRED = frozenset({"cent", "cents"})
_NUMBER_WORDS = frozenset(_UNITS) | frozenset(_TEENS) | frozenset(_TENS) | _HUNDRED | {"mille"}


class _Number:
    """One French number being read word by word; `take` says whether a word continues it (« trente » then
    « quatre » does, « deux » then « sept » does not: that is two numbers, as in a dictated phone number)."""

    def __init__(self) -> None:
        self.total = 0  # thousands already closed
        self.current = 0  # below a thousand
        self.last = ""  # kind of the last word: unit, teen, tens, hundred, thousand, et
        self.tens = 0  # the tens word just read (60 and 80 take a teen: « soixante-douze », « quatre-vingt-dix »)
        self.words = 0

    def take(self, word: str) -> bool:
        last = self.last
        if word in _UNITS:
            if word in ("un", "une") and self.words and last not in ("et", "hundred", "thousand") and self.tens != 80:
                return False
            dix = last == "teen" and self.current % 100 % 20 == 10 and _UNITS[word] >= 7  # dix-sept, soixante-dix-neuf
            if not dix and (last in ("unit", "teen") or (last == "tens" and self.current % 10)):
                return False
            return self._add(_UNITS[word], "unit")
        if word in _TEENS:
            if last in ("unit", "teen") or (last == "tens" and self.tens not in (60, 80)):
                return False
            return self._add(_TEENS[word], "teen")
        if word in _TENS:
            if word.startswith("vingt") and last == "unit" and self.current % 100 == 4:  # quatre-vingt(s)
                self.current += 76
                self.tens, self.last, self.words = 80, "tens", self.words + 1
                return True
            if last in ("unit", "teen", "tens"):
                return False
            self.tens = _TENS[word]
            return self._add(_TENS[word], "tens")
        if word in _HUNDRED:
            if last in ("hundred", "teen", "tens"):
                return False
            self.current = (self.current or 1) * 100
            self.last, self.words = "hundred", self.words + 1
            return True
        if word == "mille":
            if last == "thousand":
                return False
            self.total += (self.current or 1) * 1000
            self.current, self.last, self.words = 0, "thousand", self.words + 1
            return True
        return False

    def _add(self, value: int, kind: str) -> bool:
        self.current += value
        self.last, self.words = kind, self.words + 1
        return True

    @property
    def value(self) -> int:
        return self.total + self.current


def _read_number(words: list[str], start: int) -> tuple[str, int]:
    """The number that starts at `words[start]` as digits, and the index after it (`start` when there is none)."""
    number, index = _Number(), start
    while index < len(words):
        word = words[index]
        if (
            word == "et"
            and number.last == "tens"
            and index + 1 < len(words)
            and words[index + 1] in ("un", "une", "onze")
        ):
            number.last = "et"
            index += 1
            continue
        if not number.take(word):
            break
        index += 1
    if not number.words or (number.words == 1 and words[start] in ("un", "une")):
        return "", start
    digits = str(number.value)
    if index + 1 < len(words) and words[index] == "virgule":
        decimals, after = _read_number(words, index + 1)
        if not decimals and words[index + 1] in ("un", "une"):
            decimals, after = "1", index + 2
        if decimals:
            return f"{digits}.{decimals}", after
    return digits, index


def _numbers_as_digits(words: list[str]) -> list[str]:
    out: list[str] = []
    index = 0
    while index < len(words):
        if words[index] in _NUMBER_WORDS:
            digits, after = _read_number(words, index)
            if digits:
                out.append(digits)
                index = after
                continue
        out.append(words[index])
        index += 1
    return out


def normalize(text: str) -> str:
    """Lowercase ASCII words, numbers as digits, and « , » « : » « . » as tokens, separated by single spaces."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_CHARS))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _DECIMAL.sub(r"\1.\2", text)
    tokens = [token if token[0].isalnum() or token in ",:" else "." for token in _TOKENS.findall(text)]
    return " ".join(_numbers_as_digits(tokens))
