"""Patient names compare as people say them: accents, case, punctuation, titles and word order do not matter."""

from __future__ import annotations

import pytest

from contracts.names import name_key, same_name
from contracts.phi import PHI


@pytest.mark.parametrize(
    ("given", "on_file"),
    [
        ("Marie-Hélène Dupont", "marie helene dupont"),
        ("DUPONT Marie-Hélène", "Marie-Hélène Dupont"),
        ("Mme Marie Hélène Dupont", "Marie-Hélène Dupont"),
        ("Lætitia Cœur", "Laetitia Coeur"),
        ("François   d'Aubigné", "Francois d Aubigne"),
        ("  martin marie ", "Marie Martin"),
    ],
)
def test_the_same_person_whatever_the_spelling_of_accents_case_and_order(given: str, on_file: str) -> None:
    """Accents, case, hyphens, apostrophes, spaces, titles and word order are ignored."""
    assert same_name(given, on_file)
    assert same_name(PHI(given), PHI(on_file))


@pytest.mark.parametrize(
    ("given", "on_file"),
    [
        ("Marie Dupont", "Marie-Hélène Dupont"),
        ("Dupont", "Marie Dupont"),
        ("Sophie Bernard", "Marie Martin"),
        ("Madame", "Madame"),
        ("", ""),
    ],
)
def test_another_person_or_no_name_never_matches(given: str, on_file: str) -> None:
    """A missing or extra word is another person; a name that is only a title (or nothing) matches nothing."""
    assert not same_name(given, on_file)


def test_the_key_is_the_sorted_plain_words() -> None:
    """name_key shows what is compared: plain lower-case words without titles, in order."""
    assert name_key("Dr. Jean-Luc PICARD") == "jean luc picard"
