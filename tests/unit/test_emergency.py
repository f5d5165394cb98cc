"""The French red-flag detector: categories, transcription styles, guards, data sets and odd input."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from contracts.emergency import EmergencyCategory
from voice_worker.emergency import EmergencyMatch, detect, normalize
from voice_worker.emergency.rules import RULES

C = EmergencyCategory
# A copy of the brief's development set (shared/data/emergency_dev.tsv), kept here so the test never skips.
DEV_SET = Path(__file__).parents[1] / "data" / "emergency_dev.tsv"
TRAIN_SET = Path(__file__).parents[1] / "data" / "emergency_train.tsv"
# A second training set, written independently of the first; read while widening the rules.
TRAIN2_SET = Path(__file__).parents[1] / "data" / "emergency_train2.tsv"

# One sentence per category and transcription style: plain, no accents, upper case, fillers, glued apostrophes,
# typographic apostrophes, no punctuation or run-on, third person, colloquial (Belgian, Swiss, Québécois).
EMERGENCIES = [
    (C.CHEST_PAIN, "J'ai très mal à la poitrine."),
    (C.CHEST_PAIN, "jai une douleur dans la poitrine qui descend dans le bras gauche"),
    (C.CHEST_PAIN, "MON MARI A UNE DOULEUR THORACIQUE"),
    (C.CHEST_PAIN, "euh ben ça me serre dans la poitrine quoi"),
    (C.CHEST_PAIN, "ma mère elle se tient la poitrine elle dit qu’elle a super mal"),
    (C.CHEST_PAIN, "je crois que mon père fait une crise cardiaque"),
    (C.NOT_BREATHING, "Mon père ne respire plus !"),
    (C.NOT_BREATHING, "il respire plus"),
    (C.NOT_BREATHING, "y respire pu"),
    (C.NOT_BREATHING, "ELLE ARRIVE PAS A RESPIRER"),
    (C.NOT_BREATHING, "elle s’étouffe avec un bonbon elle devient toute bleue"),
    (C.NOT_BREATHING, "je sais plus respirer"),
    (C.NOT_BREATHING, "mon fils fait une fausse route"),
    (C.UNCONSCIOUS, "ma mère a perdu connaissance"),
    (C.UNCONSCIOUS, "il est tombe et il se reveille pas"),
    (C.UNCONSCIOUS, "genre mon mari répond plus du tout"),
    (C.UNCONSCIOUS, "mon grand-père est tombé faible"),
    (C.UNCONSCIOUS, "mon chum est dans les pommes"),
    (C.UNCONSCIOUS, "ON ARRIVE PAS A LA REVEILLER"),
    (C.STROKE, "je crois qu'il fait un AVC"),
    (C.STROKE, "elle a la bouche de travers et elle parle bizarrement"),
    (C.STROKE, "il a le visage qui tombe dun cote"),
    (C.STROKE, "mon père a fait une attaque il sait plus parler"),
    (C.STROKE, "hum ma femme arrive plus à lever le bras droit"),
    (C.STROKE, "MON PERE A FAIT UN A.V.C."),
    (C.HEAVY_BLEEDING, "je saigne beaucoup et ça ne s'arrête pas"),
    (C.HEAVY_BLEEDING, "il pisse le sang"),
    (C.HEAVY_BLEEDING, "ca arrete pas de saigner"),
    (C.HEAVY_BLEEDING, "MA MERE VOMIT DU SANG"),
    (C.HEAVY_BLEEDING, "euh il s’est coupé y a du sang partout"),
    (C.SEIZURE, "il a des convulsions"),
    (C.SEIZURE, "ma fille fait une crise d'épilepsie"),
    (C.SEIZURE, "il convulse"),
    (C.SEIZURE, "ben il a les yeux revulses et il bave"),
    (C.SEIZURE, "IL EST EPILEPTIQUE ET IL FAIT UNE CRISE"),
    (C.ANAPHYLAXIS, "j'ai une réaction allergique grave, ma gorge gonfle"),
    (C.ANAPHYLAXIS, "jfais un choc anaphylactique"),
    (C.ANAPHYLAXIS, "sa langue gonfle apres les cacahuetes"),
    (C.ANAPHYLAXIS, "je lui ai fait son épipen"),
    (C.ANAPHYLAXIS, "ELLE FAIT UN OEDEME DE QUINCKE"),
    (C.POISONING_OVERDOSE, "mon fils a avalé des produits ménagers"),
    (C.POISONING_OVERDOSE, "j'ai pris trop de comprimés"),
    (C.POISONING_OVERDOSE, "elle a bu de la javel"),
    (C.POISONING_OVERDOSE, "MON MARI A PRIS TOUTE LA BOITE DE SOMNIFERES"),
    (C.POISONING_OVERDOSE, "euh la petite a avalé une pile bouton"),
    (C.SUICIDAL, "J'ai des idées suicidaires."),
    (C.SUICIDAL, "jveux mourir"),
    (C.SUICIDAL, "j’ai plus envie de vivre"),
    (C.SUICIDAL, "ma fille dit qu'elle va se tuer"),
    (C.SUICIDAL, "JE VAIS ME FOUTRE EN L'AIR"),
    (C.OBSTETRIC_BLEEDING, "je suis enceinte de trois mois et je saigne beaucoup"),
    (C.OBSTETRIC_BLEEDING, "ma femme est enceinte elle perd du sang"),
    (C.OBSTETRIC_BLEEDING, "jcrois que je fais une fausse couche"),
    (C.OBSTETRIC_BLEEDING, "ENCEINTE DE 7 MOIS ET HEMORRAGIE"),
    (C.CHILD_DISTRESS, "mon bébé est tout mou"),
    (C.CHILD_DISTRESS, "mon bebe de 2 mois a de la fievre"),
    (C.CHILD_DISTRESS, "le petit a des taches violettes qui s’effacent pas"),
    (C.CHILD_DISTRESS, "MON FILS RESPIRE TRES VITE ET CREUSE SOUS LES COTES"),
    (C.CHILD_DISTRESS, "euh ma fille est tombée du balcon"),
    # Said without the textbook word: intent, a plan, swelling, an intake, a sudden one-sided sign.
    (C.SUICIDAL, "je vois plus l'intérêt de vivre, j'ai préparé une corde"),
    (C.SUICIDAL, "tout le monde serait mieux sans moi"),
    (C.POISONING_OVERDOSE, "mon fils a bu de l'antigel dans le garage"),
    (C.POISONING_OVERDOSE, "ma mère a pris trois fois son traitement pour le coeur"),
    (C.ANAPHYLAXIS, "après les crevettes ses lèvres ont doublé de volume"),
    (C.STROKE, "elle a le sourire tout de travers d'un coup"),
    (C.HEAVY_BLEEDING, "le torchon est trempé de sang"),
    # A question about something happening for a while already is a report, not a hypothesis.
    (C.HEAVY_BLEEDING, "est-ce grave si ça saigne énormément depuis une heure"),
]

# Ordinary calls, mild symptoms, denials, hypotheticals, chronic care, pregnancy follow-ups, figures of speech.
HARD_NEGATIVES = [
    "je voudrais un rendez-vous la semaine prochaine",
    "J'ai mal à la gorge depuis trois jours.",
    "j'ai un peu de fièvre, est-ce que je peux venir demain",
    "il n'a pas de douleur à la poitrine",
    "je n'ai pas mal à la poitrine, je tousse",
    "il ne s'étouffe pas, il tousse",
    "aucune douleur thoracique",
    "si un jour j'ai mal à la poitrine, que faire",
    "que faire si mon fils fait une crise d'épilepsie",
    "quels sont les signes d'un AVC",
    "ma mère a peur de faire un AVC",
    "c'est pour renouveler mon traitement pour l'épilepsie",
    "je voudrais renouveler ma ventoline pour mon asthme",
    "je suis enceinte de quatre mois, c'est pour le suivi de grossesse",
    "c'est pour l'échographie du deuxième trimestre",
    "je meurs de faim",
    "ce travail me tue",
    "mon chef va me tuer",
    "on a eu une crise de fou rire",
    "on étouffe avec cette chaleur",
    "je suis mort de fatigue",
    "le docteur ne répond pas au téléphone",
    "je saigne un peu des gencives",
    "je me suis fait une petite coupure",
    "j'ai le nez bouché, je respire mal",
    "je suis un peu essoufflé dans les escaliers",
    "j'ai mal au coeur, envie de vomir",
    "j'ai pris mes médicaments ce matin",
    "j'ai une intoxication alimentaire",
    "mon bébé a un peu de fièvre",
    "mon fils a besoin d'un certificat pour l'école",
    "il y a un malaise dans l'équipe",
    "mon ado fume du cannabis, je voudrais en parler au docteur",
    "mon mari a pris son doliprane deux fois aujourd'hui comme prescrit",
    "j'ai pris le mauvais rendez-vous par erreur",
    "mon chien s'est fait piquer par une guêpe, il a le museau gonflé, vous avez un véto",
]

# Past history is not an emergency, unless the same sentence says it is happening now.
PAST_HISTORY = [
    ("il y a deux ans j'ai eu un problème cardiaque, c'est pour mon suivi", None),
    ("l'an dernier j'ai fait un AVC", None),
    ("j'ai fait un AVC l'an dernier", None),
    ("mon père a fait un infarctus il y a cinq ans", None),
    ("j'ai eu une crise d'épilepsie quand j'étais petit", None),
    ("j'ai fait une tentative de suicide il y a longtemps", None),
    ("ma mère a des séquelles de son AVC", None),
    ("j'ai fait une fausse couche l'année dernière", None),
    ("j'ai fait un AVC l'an dernier et là il recommence, j'ai la bouche de travers", C.STROKE),
    ("il y a deux ans j'ai fait un infarctus et là j'ai de nouveau mal à la poitrine", C.CHEST_PAIN),
    ("il a déjà fait des crises, mais là il convulse depuis cinq minutes", C.SEIZURE),
    ("il y a dix minutes il a perdu connaissance", C.UNCONSCIOUS),
    ("j'ai accouché il y a une semaine et je saigne énormément", C.OBSTETRIC_BLEEDING),
    ("c'est pour mon suivi", None),
    ("je voulais annuler mon rendez-vous mais j'ai une douleur dans la poitrine qui serre fort", C.CHEST_PAIN),
]


def _read(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            fields = line.split("\t")
            rows.append((fields[0], fields[1] if len(fields) == 3 else "", fields[-1]))
    return rows


@pytest.mark.parametrize(("category", "sentence"), EMERGENCIES)
def test_detects_each_category_in_each_transcription_style(category: EmergencyCategory, sentence: str) -> None:
    """Each category is detected in plain, accentless, upper-case, filler, glued and colloquial speech."""
    match = detect(sentence)
    assert match is not None
    assert match.category is category


@pytest.mark.parametrize("sentence", HARD_NEGATIVES)
def test_ordinary_calls_and_hard_negatives_do_not_fire(sentence: str) -> None:
    """Mild symptoms, denials, hypotheticals, chronic care and figures of speech are not emergencies."""
    assert detect(sentence) is None


@pytest.mark.parametrize(("sentence", "expected"), PAST_HISTORY)
def test_past_history_does_not_fire_unless_the_emergency_is_current(
    sentence: str, expected: EmergencyCategory | None
) -> None:
    """A past marker cancels a match, and a present or recurrence marker in the same sentence wins over it."""
    match = detect(sentence)
    assert (match and match.category) == expected


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("J'ai TRÈS mal à la poitrine !", "j ai tres mal a la poitrine"),
        ("jai mal", "j ai mal"),
        ("il s’étouffe", "il s etouffe"),
        ("euh ben il respire plus voilà", "il respire plus"),
        ("y respire pu", "y respire plus"),
        ("j'ai pu venir", "j ai pu venir"),
        ("jsaigne", "je saigne"),
        ("Œdème, cœur", "oedeme coeur"),
        ("il il il tombe", "il tombe"),
        ("A.V.C.", "avc"),
        ("38,5 de fièvre", "38 5 de fievre"),
        ("Il est tombé. Il bouge plus?", "il est tombe . il bouge plus"),
        ("rendez-vous", "rendez vous"),
        ("un message dadieu", "un message d adieu"),
        ("des selles noires", "des selles noires"),
        ("il arrive plus à respiré", "il arrive plus a respirer"),
        ("il respire plu", "il respire plus"),
        ("une émoragie", "une hemorragie"),
        ("", ""),
        ("?!...", ""),
    ],
)
def test_normalize_gives_the_canonical_form_the_rules_see(raw: str, canonical: str) -> None:
    """Case, accents, apostrophes, fillers, glued forms and punctuation all map to one canonical form."""
    assert normalize(raw) == canonical


def test_dev_set_is_classified_right() -> None:
    """Every emergency of the shared dev set is detected and at most one ordinary line fires."""
    rows = _read(DEV_SET)
    missed = [text for label, _, text in rows if label == "E" and detect(text) is None]
    alarms = [text for label, _, text in rows if label == "N" and detect(text) is not None]
    assert missed == []
    assert len(alarms) <= 1, alarms


def test_train_set_is_classified_right() -> None:
    """Every line of the training set is classified right, and nine in ten emergencies get their own category."""
    rows = _read(TRAIN_SET)
    emergencies = [(category, detect(text), text) for label, category, text in rows if label == "E"]
    missed = [text for _, match, text in emergencies if match is None]
    alarms = [text for label, _, text in rows if label == "N" and detect(text) is not None]
    same = sum(1 for category, match, _ in emergencies if match and match.category.value == category)
    assert len(emergencies) >= 150
    assert len(rows) - len(emergencies) >= 120
    assert missed == []
    assert alarms == []
    assert same >= 0.9 * len(emergencies)


def test_second_train_set_is_classified_right() -> None:
    """At most one emergency of the second training set is missed, no ordinary line fires, nine in ten match."""
    rows = _read(TRAIN2_SET)
    emergencies = [(category, detect(text), text) for label, category, text in rows if label == "E"]
    missed = [text for _, match, text in emergencies if match is None]
    alarms = [text for label, _, text in rows if label == "N" and detect(text) is not None]
    same = sum(1 for category, match, _ in emergencies if match and match.category.value == category)
    assert len(emergencies) >= 400
    assert len(rows) - len(emergencies) >= 200
    # What the rules reach (439/440, no alarm), well above the bar of 99% recall and 10% false alarms.
    assert len(missed) <= 1, missed
    assert alarms == []
    assert same >= 0.9 * len(emergencies)


@pytest.mark.parametrize(
    "text",
    ["", " ", "...", "?!;", "😀🚑", "\x00\n\t", "ＡＶＣ", "ǅ ŉ", "a" * 10_000, "j'ai mal " * 1_200, "un AVC " * 1_500],
)
def test_detect_never_raises_on_odd_input(text: str) -> None:
    """Empty, punctuation-only, emoji, control characters and 10 kB of text return a result without raising."""
    result = detect(text)
    assert result is None or isinstance(result, EmergencyMatch)


def test_match_names_a_rule_never_the_text() -> None:
    """The match carries the rule's name from the table, not any part of what the caller said."""
    match = detect("Mon père ne respire plus, il s'appelle Jean Dupont")
    assert match is not None
    assert match.rule in {rule.name for table in RULES.values() for rule in table}
    assert "Dupont" not in repr(match)


def test_detect_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    """The transcript is health data: detecting emits no log record."""
    with caplog.at_level(logging.DEBUG):
        detect("je saigne beaucoup")
        detect("je voudrais un rendez-vous")
    assert caplog.records == []


def test_rule_table_covers_every_category_with_unique_names() -> None:
    """Every category has rules, and rule names are unique so a name identifies what fired."""
    names = [rule.name for table in RULES.values() for rule in table]
    assert set(RULES) == {category.value for category in EmergencyCategory}
    assert len(names) == len(set(names))


def test_module_imports_without_livekit() -> None:
    """The detector stays pure: importing it pulls in no livekit module."""
    code = "import sys, voice_worker.emergency; print(any(m.startswith('livekit') for m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
