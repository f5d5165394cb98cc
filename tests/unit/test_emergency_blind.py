"""The emergency detector measured on blind sets other writers produced (tests/data/emergency_blind*.tsv).

Nobody working on the rules or the learned layer read a blind set before its single measurement; only aggregate
figures were looked at. The floors below are those measurements (recall rounded down, false alarms rounded up), so
these tests are regression guards; a failure prints counts and misses per category, never the sentences. Once
measured, the second and third sets became training data for the learned layer; the fourth and fifth are still unread.
"""

from collections import Counter
from pathlib import Path

from voice_worker.emergency import detect

BLIND = Path(__file__).parents[1] / "data" / "emergency_blind2.tsv"
BLIND3 = Path(__file__).parents[1] / "data" / "emergency_blind3.tsv"
BLIND4 = Path(__file__).parents[1] / "data" / "emergency_blind4.tsv"
BLIND5 = Path(__file__).parents[1] / "data" / "emergency_blind5.tsv"
# The set was measured once, blind, on 2026-11-24 after the rules were finished (commit 4bf16f1): recall 0.945
# (156/165), false alarms 0.025 (3/120), missed by category: poisoning_overdose 3, suicidal 3, heavy_bleeding 1,
# seizure 1, child_distress 1. Recall is still below the bar of 0.99; the floor records the truth, not the
# bar. Recall is rounded down to two decimals; the false-alarm ceiling is rounded up (0.025 -> 0.03) so the guard
# holds the measured figure itself.
# With the learned layer ORed in (voice_worker.emergency.model, commit 01011db) it was measured once more, still blind:
# recall 0.976 (161/165, 5 caught by the model alone), false alarms 0.025 (3/120, none from the model), missed by
# category: poisoning_overdose 2, suicidal 2. The recall floor moves up to that figure, rounded down.
MIN_RECALL = 0.97
MAX_FALSE_ALARMS = 0.03
# The third set was measured once, blind, on 2026-11-24 with the rules and the learned layer (commit 01011db): recall
# 0.977 (172/176, 6 caught by the model alone), false alarms 0.067 (8/120, all from the rules, none from the model),
# missed by category: child_distress 2, stroke 1, suicidal 1. Recall rounded down, false alarms rounded up.
MIN_RECALL_3 = 0.97
MAX_FALSE_ALARMS_3 = 0.07
# The fourth set (330 emergencies, 200 ordinary lines) was measured once, blind, on 2026-11-24 with the model retrained
# on seven more independently written sets and the two earlier blind sets, threshold 0.8 and the veto (commit
# 2464f43): recall 0.994 (328/330, 25 caught by the model alone), false alarms 0.015 (3/200), missed by category:
# not_breathing 1, suicidal 1. The bar is recall >= 0.99 and false alarms <= 0.10 on unseen sentences.
MIN_RECALL_4 = 0.99
MAX_FALSE_ALARMS_4 = 0.02
# The fifth set (252 emergencies, 91 of them severe burns and 90 major trauma, the two categories added with it in
# view; 230 ordinary lines) was written by someone who saw neither the rules nor the training sets, and measured once,
# blind, on 2026-12-03 after the rules and the retrained model were final (commit 2250c5f): recall 0.952 (240/252, 43
# caught by the model alone), false alarms 0.009 (2/230: one road-accident rule, one model hit), caught by category:
# severe_burn 83/91, major_trauma 86/90, every other category 64/64. The detector before the two categories caught
# 0.742 (187/252; severe_burn 42/91, major_trauma 74/90) with 1 false alarm. Below the bar of 0.99: the floor records
# the truth. On its 88 lines with dropped conjugations (those the normaliser rewrites: 48 emergencies, 40 ordinary),
# counted after that measurement: 46/48 caught (33/48 before), no false alarm.
MIN_RECALL_5 = 0.95
MAX_FALSE_ALARMS_5 = 0.01


def _rows(path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, category, text = line.split("\t", 2)
            rows.append((label.strip(), category.strip(), text))
    return rows


def measure(path: Path = BLIND) -> tuple[float, float, str]:
    """Recall, false-alarm rate and a summary made only of counts (the sentences are never part of it)."""
    rows = _rows(path)
    emergencies = [(category, text) for label, category, text in rows if label == "E"]
    ordinary = [text for label, _, text in rows if label == "N"]
    missed = Counter(category for category, text in emergencies if detect(text) is None)
    alarms = sum(1 for text in ordinary if detect(text) is not None)
    recall = 1 - sum(missed.values()) / len(emergencies)
    false_alarm_rate = alarms / len(ordinary)
    summary = (
        f"recall {recall:.3f} ({len(emergencies) - sum(missed.values())}/{len(emergencies)}), "
        f"false alarms {false_alarm_rate:.3f} ({alarms}/{len(ordinary)}), "
        f"missed by category {dict(missed.most_common())}"
    )
    return recall, false_alarm_rate, summary


def test_blind_recall_and_false_alarm_rate_stay_at_their_measured_floor() -> None:
    """Recall and false alarms on the blind set are no worse than in the single blind measurement."""
    recall, false_alarm_rate, summary = measure()
    assert recall >= MIN_RECALL, summary
    assert false_alarm_rate <= MAX_FALSE_ALARMS, summary


def test_third_blind_set_stays_at_its_measured_floor() -> None:
    """Recall and false alarms on the third blind set are no worse than in its single blind measurement."""
    recall, false_alarm_rate, summary = measure(BLIND3)
    assert recall >= MIN_RECALL_3, summary
    assert false_alarm_rate <= MAX_FALSE_ALARMS_3, summary


def test_fourth_blind_set_meets_the_bar_at_its_measured_floor() -> None:
    """Recall >= 0.99 and false alarms <= 0.02 on the fourth blind set, as in its single blind measurement."""
    recall, false_alarm_rate, summary = measure(BLIND4)
    assert recall >= MIN_RECALL_4, summary
    assert false_alarm_rate <= MAX_FALSE_ALARMS_4, summary


def test_fifth_blind_set_stays_at_its_measured_floor() -> None:
    """Burns, trauma and the rest: recall and false alarms no worse than in the fifth set's single blind measurement."""
    recall, false_alarm_rate, summary = measure(BLIND5)
    assert recall >= MIN_RECALL_5, summary
    assert false_alarm_rate <= MAX_FALSE_ALARMS_5, summary
