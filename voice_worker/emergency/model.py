"""The detector's learned second opinion: a linear classifier over hashed n-grams, inference only.

The rules miss the long tail of phrasings; this model reads the same `normalize(text)` and says how likely a
sentence describes an emergency, and which one. `decision` ORs it with the rules (a model hit the guards cancel is
dropped) and lets it veto a rule hit it is all but sure is ordinary. Features are word unigrams and bigrams and the
2-5 character n-grams of each word padded with "<" and ">", hashed (CRC-32, stable across runs) into 2**18 buckets;
the classifier is a softmax over "none" plus the emergency categories, in `CLASSES` order.

The weights (`weights.npz`, next to this module) are trained and measured by the offline kit:
`python -m offline_kit.emergency_training train|held-out`. Inference is pure: nothing logs or keeps the text. The
voice worker loads and checks the weights at prewarm (`load_checked`), from the package file or
`CAMILLE_EMERGENCY_WEIGHTS`, and refuses to start with `ModelUnusable` when they are missing or corrupt: a detector
without its model would quietly miss what only the model catches.
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

__all__ = ["CLASSES", "WEIGHTS", "Model", "ModelUnusable", "Prediction", "features", "load", "load_checked"]

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
# Read at every check of a weights file: a model that cannot score it is not usable.
_PROBE = "il ne respire plus et ses levres sont bleues"


class ModelUnusable(Exception):
    """The weights file is missing, unreadable, corrupt or trained for other classes (the message names the file
    and what is wrong, never a transcript)."""


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
    """Read a weights file once and check it (`load_checked`); the same path gives the same model."""
    return load_checked(path)


def load_checked(path: Path = WEIGHTS) -> Model:
    """Read a weights file, refuse it unless it is whole, trained for `CLASSES` and scores a sentence; `ModelUnusable`
    otherwise."""
    try:
        with np.load(path) as data:
            classes = tuple(str(name) for name in data["classes"])
            if classes != CLASSES:
                raise ModelUnusable(f"{path.name} was trained for other classes than {', '.join(CLASSES)}")
            scale = data["scale"].astype(np.float32)
            weights = data["weights"].astype(np.float32) * scale
            model = Model(data["buckets"].astype(np.int64), weights, data["bias"].astype(np.float32))
    except ModelUnusable:
        raise
    except FileNotFoundError:
        raise ModelUnusable(f"emergency model weights not found: {path}") from None
    except Exception as exc:  # a truncated zip, a missing array, a wrong dtype: all mean the file is not a model
        raise ModelUnusable(f"emergency model weights unreadable: {path} ({type(exc).__name__})") from None
    _check_shapes(model, path)
    try:
        probability = model.predict(_PROBE).probability
    except Exception as exc:
        raise ModelUnusable(f"emergency model cannot score a sentence: {path} ({type(exc).__name__})") from None
    if not np.isfinite(probability):
        raise ModelUnusable(f"emergency model scores are not numbers: {path}")
    return model


def _check_shapes(model: Model, path: Path) -> None:
    columns = len(CLASSES)
    if model.weights.ndim != 2 or model.weights.shape != (model.buckets.size, columns):
        raise ModelUnusable(
            f"emergency model weights have shape {model.weights.shape}, not ({model.buckets.size}, {columns}): {path}"
        )
    if model.bias.shape != (columns,):
        raise ModelUnusable(f"emergency model bias has shape {model.bias.shape}, not ({columns},): {path}")
    if model.buckets.size and (
        np.any(np.diff(model.buckets) <= 0) or model.buckets[0] < 0 or model.buckets[-1] > _MASK
    ):
        raise ModelUnusable(f"emergency model buckets are not sorted hashed ids: {path}")
    if not (np.all(np.isfinite(model.weights)) and np.all(np.isfinite(model.bias))):
        raise ModelUnusable(f"emergency model weights are not numbers: {path}")
