"""Class offsets fitted on validation logits lift the recall of a class the network under-predicts."""

import numpy as np

from training import calibration


def _leaning_logits(seed=0, n=1400, classes=7, lean_against=2):
    """Logits of a decent classifier whose outputs are shifted against one class."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n)
    logits = rng.normal(0, 1.0, (n, classes))
    logits[np.arange(n), labels] += 1.6
    logits[:, lean_against] -= 1.2
    return logits, labels


def test_offsets_restore_the_recall_of_an_under_predicted_class():
    logits, labels = _leaning_logits()
    views = [logits]
    zero = np.zeros(7)
    before = calibration.predict(views, zero)
    offsets = calibration.fit_offsets(views, labels)
    after = calibration.predict(views, offsets)
    recall = lambda predicted: (predicted[labels == 2] == 2).mean()  # noqa: E731
    assert recall(before) < 0.35 < recall(after)
    assert offsets[2] == offsets.max() and abs(offsets.sum()) < 1e-3
    accuracy, _, worst = calibration.score(labels, after, 7)
    accuracy0, _, worst0 = calibration.score(labels, before, 7)
    assert accuracy + worst > accuracy0 + worst0 and worst > worst0


def test_fitting_is_deterministic_and_leaves_a_balanced_classifier_nearly_alone():
    logits, labels = _leaning_logits(seed=1, lean_against=0)
    assert np.array_equal(calibration.fit_offsets([logits], labels), calibration.fit_offsets([logits], labels))
    balanced, labels = _leaning_logits(seed=2)
    balanced[:, 2] += 1.2  # undo the lean
    assert np.abs(calibration.fit_offsets([balanced], labels)).max() <= 0.3


def test_views_are_averaged_as_probabilities():
    logits, labels = _leaning_logits(seed=3)
    mirrored = logits + np.random.default_rng(4).normal(0, 0.3, logits.shape)
    predicted = calibration.predict([logits, mirrored], np.zeros(7))
    softmax = lambda x: np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)  # noqa: E731
    assert np.array_equal(predicted, (softmax(logits) + softmax(mirrored)).argmax(axis=1))
