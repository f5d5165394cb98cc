"""The medical-advice guardrail's detector: numbers in words, the rules, their guards, and reading a stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from offline_kit.advice_measure import DEV, read_rows, stream
from offline_kit.simulator import load_scenario, shipped_scenarios
from runtime.clinic import load_clinic
from runtime.settings import SHIPPED_CLINIC_FILE
from voice_worker.advice import AdviceWatch, Kind, first_match, medical_advice, normalize


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Donnez-lui quinze milligrammes par kilo.", "donnez lui 15 milligrammes par kilo ."),
        ("deux cent cinquante mg", "250 mg"),
        ("cinq cents, mille, cent mille unités", "500 , 1000 , 100000 unites"),
        ("soixante et onze, quatre-vingt-dix-neuf, dix-sept", "71 , 99 , 17"),
        ("deux virgule cinq millilitres, 7,5 ml", "2.5 millilitres , 7.5 ml"),
        ("le zéro six, douze, trente-quatre", "le 0 6 , 12 , 34"),
        ("un comprimé, une goutte", "un comprime , une goutte"),
        ("À quinze heures trente.", "a 15 heures 30 ."),
    ],
)
def test_numbers_in_words_are_read_as_digits(text: str, normalised: str) -> None:
    """French numbers in words become digits; a dictated phone number stays digit by digit; « un » stays a word."""
    assert normalize(text) == normalised


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Vous pouvez lui donner quinze milligrammes de paracétamol.", Kind.DOSE),
        ("Vous pouvez lui donner 15 mg de paracétamol.", Kind.DOSE),
        ("Prenez deux comprimés le matin.", Kind.DOSE),
        ("Un Doliprane mille toutes les six heures.", Kind.DOSE),
        ("Prenez-en cinq cents le soir.", Kind.DOSE),
        ("Vous pouvez doubler la dose ce soir.", Kind.DOSE),
        ("Prenez du Doliprane en attendant.", Kind.DRUG),
        ("Vous pouvez lui donner de l'Advil.", Kind.DRUG),
        ("Mettez-lui une crème à la cortisone.", Kind.DRUG),
        ("Le Smecta, ça marche bien pour la diarrhée.", Kind.DRUG),
        ("Faites-lui un bain tiède.", Kind.INSTRUCTION),
        ("Buvez beaucoup et reposez-vous.", Kind.INSTRUCTION),
        ("Il faut qu'il garde le lit.", Kind.INSTRUCTION),
        ("Ça ressemble à une angine.", Kind.DIAGNOSIS),
        ("Votre fils fait probablement une otite.", Kind.DIAGNOSIS),
        ("C'est sûrement viral.", Kind.DIAGNOSIS),
    ],
)
def test_advice_of_each_kind_is_found(text: str, kind: Kind) -> None:
    """Doses (in words or digits), medicines, care instructions and diagnoses are each found, with their kind."""
    hit = medical_advice(text)
    assert hit is not None and hit.kind is kind, hit


@pytest.mark.parametrize(
    "text",
    [
        "Je vous propose jeudi à quinze heures trente.",
        "C'est un rendez-vous de vingt minutes.",
        "La consultation est à trente euros.",
        "Notre numéro, c'est le zéro un, quarante-deux, trente-trois, dix, vingt.",
        "Vous souhaitez un rendez-vous pour une otite, c'est bien ça ?",
        "Je note : fièvre depuis deux jours et mal de gorge.",
        "Je ne peux pas vous dire quel médicament prendre, le docteur vous le dira.",
        "Je ne peux pas vous dire si c'est une angine, le docteur l'examinera.",
        "En cas d'urgence, composez le 15.",
        "Si c'est une réaction allergique avec gonflement, appelez le 15.",
        "Prenez rendez-vous en ligne si vous préférez.",
        "Oui bien sûr, prenez votre temps.",
        "Pour une prise de sang, le laboratoire ouvre à sept heures.",
        "C'est noté : renouvellement du Doliprane mille et de la Ventoline.",
        "Vous avez déjà donné du Doliprane ?",
        "Le docteur vous expliquera comment prendre le traitement.",
    ],
)
def test_ordinary_receptionist_talk_is_not_advice(text: str) -> None:
    """Times, durations, fees, phone numbers, the caller's reason, refusals and emergency redirections pass."""
    assert medical_advice(text) is None


def test_a_word_still_arriving_is_not_read() -> None:
    """« deux g » is not a dose before the word is complete; « deux grammes » is, once the next piece arrives."""
    watch = AdviceWatch()
    assert watch.feed("Vous avez deux g") is None
    assert watch.feed("rands créneaux") is None
    watch = AdviceWatch()
    assert watch.feed("Prenez deux g") is None
    assert watch.feed("rammes") is None
    hit = watch.feed(" par jour")
    assert hit is not None and hit.rule == "dose_amount" and hit.sentence == "Prenez deux grammes par"


def test_advice_is_found_in_the_sentence_being_said_not_after_it() -> None:
    """The hit comes on the piece that completes the dose, long before the sentence ends."""
    watch = AdviceWatch()
    pieces = ["Pour la fièvre,", " vous pouvez lui", " donner quinze", " milligrammes", " par kilo", " de paracé"]
    hits = [watch.feed(piece) for piece in pieces]
    assert hits[:4] == [None] * 4 and hits[4] is not None


def test_a_sentence_that_never_ends_is_read_in_a_bounded_window() -> None:
    """Thousands of words without a full stop are read a window at a time: each check reads a few hundred
    characters, so a check costs the same on the thousandth word as on the tenth."""
    watch = AdviceWatch()
    for _ in range(2000):
        assert watch.feed(" je regarde l'agenda") is None
        assert len(watch._sentence) <= 420
    assert watch.feed(" et prenez deux comprimés ") is not None


def test_reading_word_by_word_finds_what_reading_whole_sentences_finds() -> None:
    """No rule depends on a word that has not arrived yet: on the development set, a sentence streamed word by
    word and the same sentence read whole get the same answer."""
    for _, _, text in read_rows(DEV):
        assert (stream(text) is None) == (first_match(normalize(text)) is None), text


def test_no_ordinary_line_of_the_shipped_scenarios_is_advice() -> None:
    """Every line Camille speaks in the shipped scenarios passes, except the one written to give a dose."""
    flagged = [
        (name, text)
        for name in shipped_scenarios()
        for text in sorted(load_scenario(name).spoken_texts()[1])
        if medical_advice(text) is not None
    ]
    assert [name for name, _ in flagged] == ["medical_advice"], flagged


@pytest.mark.parametrize("clinic_file", [SHIPPED_CLINIC_FILE, SHIPPED_CLINIC_FILE.parent / "geneve.yaml"])
def test_no_fixed_phrase_of_a_shipped_clinic_is_advice(clinic_file: Path) -> None:
    """The clinics' fixed phrases, the no-medical-advice phrase among them, never trip the guardrail."""
    clinic = load_clinic(clinic_file)
    assert {key: medical_advice(text) for key, text in clinic.phrases.items() if medical_advice(text)} == {}
