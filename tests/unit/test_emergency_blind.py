"""The emergency detector measured on a blind set (tests/data/emergency_blind2.tsv) another writer produced.

Nobody working on the rules read this set: it was measured once, blind, after the rules were finished, and only its
aggregate figures were looked at. The floors below are that single measurement rounded to two decimals (see
MIN_RECALL), so this test is a regression guard; a failure prints counts and misses per category, never the sentences.
"""

from collections import Counter
from pathlib import Path

from voice_worker.emergency import detect

BLIND = Path(__file__).parents[1] / "data" / "emergency_blind2.tsv"
# The set was measured once, blind, on 2026-11-24 after the rules were finished (commit 4bf16f1): recall 0.945
# (156/165), false alarms 0.025 (3/120), missed by category: poisoning_overdose 3, suicidal 3, heavy_bleeding 1,
# seizure 1, child_distress 1. Recall is still below the bar of 0.99; the floor records the truth, not the
# bar. Recall is rounded down to two decimals; the false-alarm ceiling is rounded up (0.025 -> 0.03) so the guard
# holds the measured figure itself.
MIN_RECALL = 0.94
MAX_FALSE_ALARMS = 0.03


def _rows() -> list[tuple[str, str, str]]:
    rows = []
    for line in BLIND.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, category, text = line.split("\t", 2)
            rows.append((label.strip(), category.strip(), text))
    return rows


def measure() -> tuple[float, float, str]:
    """Recall, false-alarm rate and a summary made only of counts (the sentences are never part of it)."""
    rows = _rows()
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
