"""The detector's learned second opinion: a linear classifier over hashed n-grams, inference only.

The rules miss the long tail of phrasings; this model reads the same `normalize(text)` and says how likely a
sentence describes an emergency, and which one. `decision` ORs it with the rules (a model hit the guards cancel is
dropped) and lets it veto a rule hit it is all but sure is ordinary. Features are word unigrams and bigrams and the
2-5 character n-grams of each word padded with "<" and ">", hashed (CRC-32, stable across runs) into 2**18 buckets;
the classifier is a softmax over "none" plus the emergency categories, in `CLASSES` order.

The weights (`weights.npz`, next to this module) are trained and measured by the offline kit:
`python -m offline_kit.emergency_training train|held-out`. Inference is pure: the weights load once, lazily, from
the package file; nothing logs or keeps the text.
"""

import itertools
import zlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from contracts.emergency import EmergencyCategory

__all__ = ["CLASSES", "WEIGHTS", "Model", "Prediction", "features", "load"]

BITS = 18
NONE: Final = "none"
CATEGORIES: Final = tuple(EmergencyCategory)
# One weight column per class: "none", then the categories in their declared order. The weights file names its
# classes, and `load` refuses a file trained for another list.
CLASSES: Final[tuple[str, ...]] = (NONE, *CATEGORIES)
WEIGHTS: Final = Path(__file__).with_name("weights.npz")

_MASK = (1 << BITS) - 1
Floats = npt.NDArray[np.float32]
Ints = npt.NDArray[np.int64]


def features(norm: str) -> list[int]:
    """The hashed buckets of one normalized sentence (with repeats: a repeated n-gram counts twice)."""
    words = [w for w in norm.split() if w != "."]
    grams = [f"w {w}" for w in words] + [f"b {a} {b}" for a, b in itertools.pairwise(words)]
    for word in words:
        padded = f"<{word}>"
        for n in range(2, 6):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return [zlib.crc32(g.encode()) & _MASK for g in grams]


@dataclass(frozen=True, slots=True)
class Prediction:
    """How likely the sentence is an emergency, and the most likely category if it is one."""

    probability: float
    category: EmergencyCategory


@dataclass(frozen=True, slots=True)
class Model:
    """Weights per hashed bucket and class, a bias per class."""

    buckets: Ints  # sorted bucket ids that carry weights
    weights: Floats  # (len(buckets), len(CLASSES))
    bias: Floats  # (len(CLASSES),)

    def predict(self, norm: str) -> Prediction:
        """Score one normalized sentence."""
        ids = np.fromiter(features(norm), dtype=np.int64)
        if ids.size == 0:
            return Prediction(0.0, CATEGORIES[0])
        rows = np.searchsorted(self.buckets, ids)
        rows = rows[(rows < self.buckets.size) & (self.buckets[np.minimum(rows, self.buckets.size - 1)] == ids)]
        logits = self.weights[rows].sum(axis=0) / np.sqrt(ids.size) + self.bias
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return Prediction(float(1.0 - p[0]), CATEGORIES[int(np.argmax(p[1:]))])


def trained_classes(path: Path = WEIGHTS) -> tuple[str, ...]:
    """The classes a weights file was trained for, in the order of its columns."""
    with np.load(path) as data:
        return tuple(str(name) for name in data["classes"])


@cache
def load(path: Path = WEIGHTS) -> Model:
    """Read the committed weights once; refuse weights trained for other classes than `CLASSES`."""
    if trained_classes(path) != CLASSES:
        raise ValueError(f"{path.name} was trained for other classes than {CLASSES}")
    with np.load(path) as data:
        scale = data["scale"].astype(np.float32)
        weights = data["weights"].astype(np.float32) * scale
        return Model(data["buckets"].astype(np.int64), weights, data["bias"].astype(np.float32))
