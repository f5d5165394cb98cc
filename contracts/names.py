"""Patient names compared the way people say them: accents, case, punctuation, titles and word order ignored.

Whoever compares a name a caller gives with a name on file uses `same_name`, so that « Marie-Hélène Dupont »,
« dupont marie helene » and « Mme DUPONT Marie Hélène » are one person and « Marie Dupont » is another.
"""

from __future__ import annotations

import hmac
import unicodedata

from contracts.phi import PHI

# Titles a caller or a model may put before a name; they say nothing about who the person is.
TITLES = frozenset(
    {"m", "mr", "mme", "mlle", "monsieur", "madame", "mademoiselle", "dr", "dre", "docteur", "docteure", "pr"}
)
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "ł": "l", "đ": "d", "ı": "i"})


def name_key(name: str | PHI) -> str:
    """The comparable form of a name: its words without accents, case or titles, sorted."""
    text = name.reveal() if isinstance(name, PHI) else name
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_LIGATURES))
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = "".join(char if char.isalnum() else " " for char in plain).split()
    return " ".join(sorted(word for word in words if word not in TITLES))


def same_name(given: str | PHI, on_file: str | PHI) -> bool:
    """Whether two names are the same person's, as `name_key` sees them; an empty name matches nothing."""
    a, b = name_key(given), name_key(on_file)
    return bool(a) and hmac.compare_digest(a.encode(), b.encode())
