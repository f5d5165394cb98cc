"""Measure the medical-advice guardrail (`voice_worker.advice`) on sets of Camille sentences written independently.

Each line of a set is `label<TAB>kind<TAB>sentence`: label A (advice, of kind dose, drug, instruction or diagnosis)
or N (not advice, kind none). Every sentence is streamed to the guardrail word by word, as the realtime model's
transcript arrives, and counts as flagged when any piece or the end of the sentence is flagged.

    .venv/bin/python -m offline_kit.advice_measure              # the development and the blind set
    .venv/bin/python -m offline_kit.advice_measure tests/data/advice_dev.tsv --misses

It prints precision and recall overall, recall per kind of advice, precision per kind of rule that fired, and the
cost of one call on a partial sentence (the least of five runs of each call). `--misses` also prints the sentences
missed and flagged wrongly: use it on the development set only; the blind set is measured, never read.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from offline_kit.stats import percentile
from voice_worker.advice import AdviceHit, AdviceWatch, Kind

__all__ = ["BLIND", "DEV", "Measure", "call_costs_us", "measure", "read_rows", "stream"]

DATA = Path(__file__).parents[1] / "tests" / "data"
DEV = DATA / "advice_dev.tsv"
BLIND = DATA / "advice_blind.tsv"
_PIECES = re.compile(r"\S+\s*")


def read_rows(path: Path) -> list[tuple[str, str, str]]:
    """(label, kind, sentence) for every line of a set."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, kind, text = line.split("\t", 2)
            rows.append((label.strip(), kind.strip(), text.strip()))
    return rows


def stream(text: str) -> AdviceHit | None:
    """Feed `text` word by word, as the transcript would arrive, then end it; the first hit, or None."""
    watch = AdviceWatch()
    for piece in _PIECES.findall(text):
        if (hit := watch.feed(piece)) is not None:
            return hit
    return watch.finish()


def call_costs_us(text: str, repeats: int = 5) -> list[float]:
    """The cost of each call `stream` makes for `text`, in microseconds: the least of `repeats` runs, so that
    another process taking the core does not count as the guardrail's cost."""
    pieces = _PIECES.findall(text)
    best: list[float] = []
    for _ in range(repeats):
        watch, costs = AdviceWatch(), []
        for index in range(len(pieces) + 1):
            started = time.perf_counter_ns()
            hit = watch.feed(pieces[index]) if index < len(pieces) else watch.finish()
            costs.append((time.perf_counter_ns() - started) / 1000)
            if hit is not None:
                break
        best = costs if not best else [min(a, b) for a, b in zip(best, costs, strict=True)]
    return best


@dataclass
class Measure:
    advice: int = 0
    ordinary: int = 0
    caught: int = 0
    false_alarms: int = 0
    advice_by_kind: Counter[str] = field(default_factory=Counter)
    caught_by_kind: Counter[str] = field(default_factory=Counter)
    hits_by_rule_kind: Counter[str] = field(default_factory=Counter)
    true_hits_by_rule_kind: Counter[str] = field(default_factory=Counter)
    costs_us: list[float] = field(default_factory=list)
    misses: list[tuple[str, str]] = field(default_factory=list)  # (kind, sentence)
    alarms: list[tuple[str, str]] = field(default_factory=list)  # (rule, sentence)

    @property
    def recall(self) -> float:
        return self.caught / self.advice if self.advice else 0.0

    @property
    def precision(self) -> float:
        flagged = self.caught + self.false_alarms
        return self.caught / flagged if flagged else 1.0

    def recall_of(self, kind: str) -> float:
        return self.caught_by_kind[kind] / self.advice_by_kind[kind] if self.advice_by_kind[kind] else 0.0

    def precision_of(self, kind: str) -> float:
        hits = self.hits_by_rule_kind[kind]
        return self.true_hits_by_rule_kind[kind] / hits if hits else 1.0

    def summary(self) -> str:
        """Counts and rates only, never a sentence."""
        lines = [
            f"precision {self.precision:.3f} ({self.caught}/{self.caught + self.false_alarms}), "
            f"recall {self.recall:.3f} ({self.caught}/{self.advice}), "
            f"false alarms {self.false_alarms}/{self.ordinary}"
        ]
        for kind in Kind:
            lines.append(
                f"  {kind.value:<12} recall {self.recall_of(kind):.3f} "
                f"({self.caught_by_kind[kind]}/{self.advice_by_kind[kind]}); rules of this kind: precision "
                f"{self.precision_of(kind):.3f} ({self.true_hits_by_rule_kind[kind]}/{self.hits_by_rule_kind[kind]})"
            )
        costs = self.costs_us
        lines.append(
            f"  cost per call on a partial sentence: mean {sum(costs) / len(costs):.1f} us, "
            f"p50 {percentile(costs, 50):.1f} us, p99 {percentile(costs, 99):.1f} us, max {max(costs):.1f} us "
            f"({len(costs)} calls)"
        )
        return "\n".join(lines)


def measure(rows: Sequence[tuple[str, str, str]]) -> Measure:
    result = Measure()
    for label, kind, text in rows:
        hit = stream(text)
        result.costs_us.extend(call_costs_us(text))
        if hit is not None:
            result.hits_by_rule_kind[hit.kind] += 1
        if label == "A":
            result.advice += 1
            result.advice_by_kind[kind] += 1
            if hit is not None:
                result.caught += 1
                result.caught_by_kind[kind] += 1
                result.true_hits_by_rule_kind[hit.kind] += 1
            else:
                result.misses.append((kind, text))
        else:
            result.ordinary += 1
            if hit is not None:
                result.false_alarms += 1
                result.alarms.append((hit.rule, text))
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline_kit.advice_measure", description=__doc__.split("\n")[0])
    parser.add_argument("sets", nargs="*", type=Path, default=[DEV, BLIND], help="TSV sets (default: dev and blind)")
    parser.add_argument("--misses", action="store_true", help="also print missed and wrongly flagged sentences")
    args = parser.parse_args(argv)
    for path in args.sets:
        result = measure(read_rows(path))
        print(f"{path.name}: {result.summary()}")
        if args.misses:
            for kind, text in result.misses:
                print(f"  missed {kind}: {text}")
            for rule, text in result.alarms:
                print(f"  false alarm {rule}: {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
