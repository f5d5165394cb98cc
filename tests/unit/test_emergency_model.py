"""The learned emergency layer: the committed weights, its classes, its guards and its place in detect."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from contracts.emergency import EmergencyCategory
from offline_kit.emergency_training import DATA, TRAIN_FILES, read_rows
from voice_worker.emergency import (
    Assessment,
    EmergencyMatch,
    detect,
    model_match,
    normalize,
    rule_match,
    windows,
)
from voice_worker.emergency import model as em
from voice_worker.emergency.decision import THRESHOLD, VETO

C = EmergencyCategory
# Hand-written, in none of the data sets: a phrasing no rule knows ("vidé la boîte").
MODEL_ONLY = "il a vidé la boîte de médicaments"


def _rows() -> list[tuple[str, str]]:
    return read_rows(DATA / name for name in TRAIN_FILES)


def test_committed_model_meets_the_bar_on_its_training_lines() -> None:
    """On its own training lines the committed model has recall >= 0.99, false alarms <= 0.10, nine in ten right."""
    model = em.load()
    rows = _rows()
    scored = [(category, model.predict(normalize(text))) for category, text in rows]
    hits = [(category, p) for category, p in scored if p.probability > THRESHOLD]
    emergencies = sum(1 for category, _ in scored if category != "none")
    caught = sum(1 for category, _ in hits if category != "none")
    alarms = sum(1 for category, _ in hits if category == "none")
    right = sum(1 for category, p in hits if category == p.category)
    summary = f"recall {caught}/{emergencies}, alarms {alarms}/{len(rows) - emergencies}, right {right}/{caught}"
    assert caught >= 0.99 * emergencies, summary
    assert alarms <= 0.10 * (len(rows) - emergencies), summary
    assert right >= 0.9 * caught, summary


@pytest.mark.parametrize(
    ("current", "guarded"),
    [
        ("il a avalé toute la boîte de somnifères", "il y a deux ans il a avalé toute la boîte de somnifères"),
        ("il fait des convulsions depuis tout à l'heure", "il n'a pas de convulsions depuis tout à l'heure"),
        ("elle a pris trop de médicaments", "que faire si elle prend trop de médicaments"),
        ("j'ai envie d'en finir", "l'an dernier j'avais envie d'en finir"),
        ("ma femme enceinte saigne beaucoup", "c'est pour le suivi de grossesse de ma femme enceinte"),
        ("il saigne abondamment de la tête", "il ne saigne plus de la tête"),
    ],
)
def test_guards_cancel_model_hits(current: str, guarded: str) -> None:
    """Even at threshold 0, a denied symptom, a hypothesis, a past date or a follow-up cancels a model hit."""
    assert model_match(normalize(current), threshold=0.0) is not None
    assert model_match(normalize(guarded), threshold=0.0) is None


def test_windows_cut_a_run_on_transcript_and_keep_sentences_whole() -> None:
    """Sentences stay whole, too short ones are left to the rules, and a 50-word run-on is cut into overlapping
    24-word windows that reach its end."""
    run_on = " ".join(f"w{i}" for i in range(50))
    assert windows("il tombe . il ne bouge plus du tout") == ["il ne bouge plus du tout"]
    assert [len(w.split()) for w in windows(run_on)] == [24, 24, 24, 24]
    assert windows(run_on)[-1].endswith("w49")


def test_sentences_are_never_joined() -> None:
    """Short sentences stay apart: "Non, ce sera tout. Au revoir." is two polite turns, not one farewell."""
    assert windows(normalize("Non, ce sera tout. Au revoir.")) == []
    assert windows(normalize("j'ai... mal... là... au milieu... ça serre")) == []


def test_detect_returns_a_model_hit_when_no_rule_fires() -> None:
    """A phrasing the rules do not know is reported by the model under its own rule name."""
    assert rule_match(normalize(MODEL_ONLY)) is None
    match = detect(MODEL_ONLY)
    assert match is not None
    assert match.rule == "model"
    assert match.category in {C.POISONING_OVERDOSE, C.SUICIDAL}


def test_model_classes_are_the_columns_the_weights_were_trained_for() -> None:
    """The model's classes are "none" then every EmergencyCategory in order, as the committed weights name them."""
    assert ("none", *EmergencyCategory) == em.CLASSES
    assert em.trained_classes() == em.CLASSES
    model = em.load()
    assert model.weights.shape[1] == model.bias.shape[0] == len(em.CLASSES)


def test_weights_trained_for_other_classes_are_refused(tmp_path: Path) -> None:
    """A weights file whose classes are in another order than the categories does not load."""
    with np.load(em.WEIGHTS) as data:
        arrays = {name: data[name] for name in data.files}
    path = tmp_path / "weights.npz"
    np.savez_compressed(path, **{**arrays, "classes": arrays["classes"][[0, 2, 1, *range(3, len(em.CLASSES))]]})
    with pytest.raises(em.ModelUnusable, match="other classes"):
        em.load_checked(path)


def test_model_file_stays_small() -> None:
    """The committed weights stay under 2 MB."""
    assert em.WEIGHTS.stat().st_size < 2_000_000


@pytest.mark.parametrize("prefix", ["Oui,", "Allô", "Bonjour, je", "mon mari", "c'est pour ma fille"])
def test_the_model_says_nothing_about_a_few_words(prefix: str) -> None:
    """Short partial transcripts carry too little evidence for the model, whatever its bias says."""
    assert detect(prefix) is None


def test_the_model_vetoes_a_rule_hit_only_when_it_has_read_enough_and_is_all_but_sure() -> None:
    """Below VETO the model cancels a rule hit; with no window long enough to read, or any doubt, the rule stands."""
    rule = EmergencyMatch(C.UNCONSCIOUS, "collapse")
    sure = Assessment(rule=rule, model_max=VETO / 2, guarded_max=0.0, guarded_category=None)
    assert sure.decide() is None
    assert replace(sure, model_max=None).decide() == rule
    assert replace(sure, model_max=VETO * 2).decide() == rule


def test_a_handled_episode_the_rules_would_raise_is_vetoed() -> None:
    """A training line the rules fire on, about an overdose already treated in hospital, raises nothing."""
    text = (
        "Mon frère a fait une overdose ce week-end, il est sorti de l'hôpital hier et on nous a dit de voir le "
        "médecin traitant cette semaine."
    )
    assert rule_match(normalize(text)) is not None
    assert detect(text) is None
