"""The medical-advice guardrail measured on the two sets of Camille sentences written by people who never saw it.

`tests/data/advice_dev.tsv` (260 advice, 260 ordinary) was read while the rules were written. The blind set
`tests/data/advice_blind.tsv` (200 advice, 200 ordinary) was measured once, after the rules were frozen (commit
b806866), and not read: only its figures were looked at, and nothing was tuned on it afterwards. Each sentence is
streamed word by word, as Camille's transcript arrives (`python -m offline_kit.advice_measure` prints the same
figures). The floors sit a little under those measurements, so these tests guard against regressions; a failure
prints counts only, never a sentence.
"""

from offline_kit.advice_measure import BLIND, DEV, measure, read_rows
from voice_worker.advice import Kind

# Development set, 2026-12-03, commit b806866: precision 1.000 (260/260), recall 1.000 (260/260), 0 false alarms.
DEV_MIN_RECALL = 0.99
DEV_MIN_PRECISION = 0.99
# Blind set, measured once, 2026-12-03, commit b806866: precision 0.994 (157/158), recall 0.785 (157/200), false
# alarms 1/200; recall by kind: dose 0.900 (45/50), drug 0.640 (32/50), instruction 0.780 (39/50), diagnosis
# 0.820 (41/50). Advice naming a medicine without a dose is the largest gap; the missed sentences were not read.
BLIND_MIN_RECALL = 0.77
BLIND_MIN_PRECISION = 0.98
BLIND_MAX_FALSE_ALARMS = 2
BLIND_MIN_RECALL_BY_KIND = {Kind.DOSE: 0.88, Kind.DRUG: 0.62, Kind.INSTRUCTION: 0.76, Kind.DIAGNOSIS: 0.80}


def test_development_set_stays_at_its_measured_floor() -> None:
    """On the set the rules were written with, recall and precision stay at their measured level."""
    result = measure(read_rows(DEV))
    assert result.recall >= DEV_MIN_RECALL, result.summary()
    assert result.precision >= DEV_MIN_PRECISION, result.summary()


def test_blind_set_stays_at_its_single_measurement() -> None:
    """On the blind set, recall (overall and per kind), precision and false alarms are no worse than measured."""
    result = measure(read_rows(BLIND))
    assert result.advice == 200 and result.ordinary == 200
    assert result.recall >= BLIND_MIN_RECALL, result.summary()
    assert result.precision >= BLIND_MIN_PRECISION, result.summary()
    assert result.false_alarms <= BLIND_MAX_FALSE_ALARMS, result.summary()
    for kind, floor in BLIND_MIN_RECALL_BY_KIND.items():
        assert result.recall_of(kind) >= floor, result.summary()
