"""Training and held-out measurement of the emergency detector's learned layer (`voice_worker.emergency.model`).

Train (deterministic: fixed data, fixed order, no randomness) and write the weights the voice worker ships:

    .venv/bin/python -m offline_kit.emergency_training train

Measure the whole detector on each independently written set with the model trained on the others (how
`THRESHOLD` and `VETO` in `voice_worker.emergency.decision` are chosen; one training per set, about twelve minutes
in all):

    .venv/bin/python -m offline_kit.emergency_training held-out [FILE...]

The classifier is a softmax over "none" plus the emergency categories, trained by full-batch Adam in numpy with
emergencies weighted above ordinary lines (recall first). The data sets are the repository's `tests/data`; this is
a development tool, run from a checkout. It prints counts, never sentences: the lines are health data.
"""

import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from voice_worker.emergency import assess, normalize, rule_match
from voice_worker.emergency.decision import THRESHOLD, VETO
from voice_worker.emergency.model import CLASSES, NONE, WEIGHTS, Model, features, load

__all__ = ["DATA", "HELD_OUT_FILES", "TRAIN_FILES", "held_out", "main", "read_rows", "save", "train"]

DATA = Path(__file__).parents[1] / "tests" / "data"
# Sets the rules were never widened with in view (each was written by someone who saw neither the rules nor the
# other sets); `held-out` measures the detector on each of them with the model trained on all the others.
HELD_OUT_FILES = (
    "emergency_blind2.tsv", "emergency_blind3.tsv", "emergency_train3.tsv", "emergency_train4.tsv",
    "emergency_train5.tsv", "emergency_train6.tsv", "emergency_train7.tsv", "emergency_train8.tsv",
    "emergency_train9.tsv",
)  # fmt: skip
TRAIN_FILES = (
    "emergency_train.tsv",
    "emergency_train2.tsv",
    "emergency_train10.tsv",
    "emergency_holdout.tsv",
    "emergency_dev.tsv",
    *HELD_OUT_FILES,
)


def read_rows(paths: Iterable[Path]) -> list[tuple[str, str]]:
    """(category or "none", text) for every line; the dev set's emergencies take the rules' category (the rules
    alone: training never depends on the weights it replaces)."""
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            label, text = fields[0].strip(), fields[-1]
            if label == "N":
                rows.append((NONE, text))
            elif len(fields) == 3:
                rows.append((fields[1].strip(), text))
            elif (match := rule_match(normalize(text))) is not None:
                rows.append((match.category.value, text))
    return rows


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    iterations: int = 300,
    rate: float = 0.1,
    l2: float = 0.0,
    positive_weight: float = 2.0,
) -> Model:
    """Fit the softmax by full-batch Adam; emergencies weigh `positive_weight` times ordinary lines in total."""
    feats = [features(normalize(t)) for t in texts]
    lengths = np.array([len(f) for f in feats], dtype=np.int64)
    flat = np.fromiter((b for f in feats for b in f), dtype=np.int64, count=int(lengths.sum()))
    buckets, cols = np.unique(flat, return_inverse=True)
    rows = np.repeat(np.arange(len(feats)), lengths)
    values = (1.0 / np.sqrt(np.maximum(lengths, 1))).astype(np.float32)[rows]
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    by_col = np.argsort(cols, kind="stable")
    col_starts = np.searchsorted(cols[by_col], np.arange(buckets.size))
    y = np.array([CLASSES.index(label) for label in labels])
    positive = y > 0
    sample = np.where(positive, positive_weight / max(positive.sum(), 1), 1.0 / max((~positive).sum(), 1))
    sample = (sample / sample.mean()).astype(np.float32)
    onehot = np.eye(len(CLASSES), dtype=np.float32)[y]

    weights = np.zeros((buckets.size, len(CLASSES)), dtype=np.float32)
    bias = np.zeros(len(CLASSES), dtype=np.float32)
    params = [weights, bias]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    nonempty = lengths > 0
    for step in range(1, iterations + 1):
        logits = np.zeros((len(feats), len(CLASSES)), dtype=np.float32)
        logits[nonempty] = np.add.reduceat(values[:, None] * weights[cols], starts[nonempty], axis=0)
        logits += bias
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample[:, None] / len(feats)
        contributions = (values[:, None] * g[rows])[by_col]
        grads = [np.add.reduceat(contributions, col_starts, axis=0) + l2 * weights, g.sum(axis=0)]
        for param, grad, (m, v) in zip(params, grads, moments, strict=True):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            param -= rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return Model(buckets, weights, bias)


def save(model: Model, path: Path = WEIGHTS) -> None:
    """Write the weights as int8 with one scale per class (the file stays small; the loss of precision is tiny),
    with the names of the classes in column order, which `load` checks."""
    scale = np.abs(model.weights).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    quantized = np.round(model.weights / scale).astype(np.int8)
    keep = np.abs(quantized).max(axis=1) > 0
    np.savez_compressed(
        path,
        buckets=model.buckets[keep].astype(np.int32),
        weights=quantized[keep],
        scale=scale.astype(np.float32),
        bias=model.bias.astype(np.float32),
        classes=np.array(CLASSES),
    )


def held_out(names: Sequence[str] = HELD_OUT_FILES) -> list[str]:
    """The whole detector on each file in `names`, with the model trained on every other training file.

    The rules were never widened with these files in view, so each one is an unseen set for both layers. Returns
    counts per threshold and veto, never sentences: this is how `THRESHOLD` and `VETO` are chosen.
    """
    settings = [(t, v) for t in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9) for v in (0.0, 0.002, 0.005, 0.01)]
    totals = {s: np.zeros(4, dtype=np.int64) for s in settings}  # missed, emergencies, alarms, ordinary
    lines = []
    for name in names:
        rows = read_rows(DATA / other for other in TRAIN_FILES if other != name)
        model = train([t for _, t in rows], [c for c, _ in rows])
        tested = [(c != NONE, assess(normalize(text), model)) for c, text in read_rows([DATA / name])]
        lines.append(f"{name}: {sum(e for e, _ in tested)} emergencies, {sum(not e for e, _ in tested)} ordinary")
        for threshold, veto in settings:
            hits = [(emergency, a.decide(threshold, veto) is not None) for emergency, a in tested]
            counts = [
                sum(1 for e, hit in hits if e and not hit),
                sum(1 for e, _ in hits if e),
                sum(1 for e, hit in hits if not e and hit),
                sum(1 for e, _ in hits if not e),
            ]
            totals[threshold, veto] += counts
            if (threshold, veto) == (THRESHOLD, VETO):
                lines.append(f"  chosen threshold and veto: missed {counts[0]}, false alarms {counts[2]}")
    lines.append("all held-out files: threshold veto | recall | false alarms")
    for (threshold, veto), (missed, emergencies, alarms, ordinary) in totals.items():
        lines.append(
            f"  {threshold:.2f} {veto:.3f} | {1 - missed / emergencies:.4f} ({missed} missed)"
            f" | {alarms / ordinary:.4f} ({alarms})"
        )
    return lines


def main(argv: Sequence[str]) -> int:
    """`train` writes the weights; `held-out` prints figures (counts only, never sentences)."""
    if argv[:1] == ["held-out"]:
        for line in held_out(argv[1:] or HELD_OUT_FILES):
            print(line, flush=True)
        return 0
    if argv[:1] == ["train"]:
        rows = read_rows(DATA / name for name in TRAIN_FILES)
        save(train([t for _, t in rows], [c for c, _ in rows]))
        load.cache_clear()
        print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size} bytes) from {len(rows)} lines")
        return 0
    print("usage: python -m offline_kit.emergency_training {train|held-out [FILE...]}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
