"""The offline kit's training of the learned emergency layer: deterministic, and its weights load in production."""

from pathlib import Path

import numpy as np

from offline_kit.emergency_training import DATA, TRAIN_FILES, main, read_rows, save, train
from voice_worker.emergency import model as em


def _rows() -> list[tuple[str, str]]:
    return read_rows(DATA / name for name in TRAIN_FILES)


def test_training_is_deterministic() -> None:
    """Training twice on the same lines gives the same buckets, weights and bias, bit for bit."""
    rows = _rows()[::8]
    texts, labels = [t for _, t in rows], [c for c, _ in rows]
    first = train(texts, labels, iterations=40)
    second = train(texts, labels, iterations=40)
    assert np.array_equal(first.buckets, second.buckets)
    assert np.array_equal(first.weights, second.weights)
    assert np.array_equal(first.bias, second.bias)
    assert np.abs(first.weights).max() > 0


def test_saved_weights_name_their_classes_and_load(tmp_path: Path) -> None:
    """What training saves names the model's classes in column order, and production loads it."""
    texts = ["il ne respire plus du tout", "je voudrais un rendez-vous demain", "il a mal à la poitrine"]
    path = tmp_path / "weights.npz"
    save(train(texts, ["not_breathing", "none", "chest_pain"], iterations=5), path)
    assert em.trained_classes(path) == em.CLASSES
    assert em.load(path).weights.shape[1] == len(em.CLASSES)


def test_an_unknown_command_prints_the_usage() -> None:
    """Anything but train or held-out is refused with exit status 2, before any data is read."""
    assert main(["evaluate"]) == 2
