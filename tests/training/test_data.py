"""Labelled folders for training: reading, caching, validation split and class weights."""

import cv2
import numpy as np
import pytest

from core.emotions import EMOTIONS
from tests.training.helpers import copy_small_folder
from training.data import DatasetError, class_weights, load_folder, split_validation


@pytest.fixture
def small_folder(tmp_path):
    return copy_small_folder("train", tmp_path / "faces", per_class=5)


def test_reads_every_image_with_its_emotion_label(small_folder):
    data = load_folder(small_folder)
    assert data.images.shape == (35, 48, 48)
    assert data.images.dtype == np.uint8
    assert data.class_counts().tolist() == [5] * len(EMOTIONS)
    # Labels follow EMOTIONS order, not the alphabetical order of the folders.
    for emotion in ("sad", "neutral", "disgust"):
        expected = [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted((small_folder / emotion).iterdir())]
        np.testing.assert_array_equal(data.images[data.labels == EMOTIONS.index(emotion)], np.stack(expected))


def test_cache_returns_the_same_arrays_and_notices_a_changed_folder(small_folder, tmp_path):
    cache = tmp_path / "cache"
    first = load_folder(small_folder, cache)
    assert len(list(cache.glob("*.npz"))) == 1
    again = load_folder(small_folder, cache)
    np.testing.assert_array_equal(first.images, again.images)
    np.testing.assert_array_equal(first.labels, again.labels)

    happy = sorted((small_folder / "happy").iterdir())[0]
    (small_folder / "happy" / "copy.jpg").write_bytes(happy.read_bytes())
    changed = load_folder(small_folder, cache)
    assert changed.class_counts()[EMOTIONS.index("happy")] == 6


def test_unreadable_image_is_skipped_and_reported(small_folder):
    (small_folder / "fear" / "broken.jpg").write_bytes(b"not a jpeg at all")
    data = load_folder(small_folder)
    assert len(data) == 35
    assert any("broken.jpg" in line for line in data.skipped)


def test_folder_that_is_not_labelled_by_emotion_is_refused(small_folder):
    (small_folder / "bored").mkdir()
    with pytest.raises(DatasetError, match="bored"):
        load_folder(small_folder)
    with pytest.raises(DatasetError, match="not a folder"):
        load_folder(small_folder / "missing")


def test_validation_split_is_stratified_and_disjoint():
    labels = np.repeat(np.arange(7), [40, 4, 40, 70, 50, 30, 50])
    train, validation = split_validation(labels, 0.1, seed=1)
    assert not set(train) & set(validation)
    assert sorted(np.concatenate([train, validation]).tolist()) == list(range(len(labels)))
    per_class = np.bincount(labels[validation], minlength=7)
    assert per_class.tolist() == [4, 1, 4, 7, 5, 3, 5]  # every class, even the rare one


def test_rare_classes_weigh_more():
    counts = [3995, 436, 4097, 7215, 4830, 3171, 4965]  # FER2013 train
    labels = np.repeat(np.arange(7), counts)
    balanced, softened = class_weights(labels, "balanced"), class_weights(labels, "sqrt")
    assert max(balanced, key=balanced.get) == EMOTIONS.index("disgust")
    assert min(balanced, key=balanced.get) == EMOTIONS.index("happy")
    assert balanced[1] == pytest.approx(28709 / (7 * 436))
    assert softened[1] == pytest.approx(balanced[1] ** 0.5)
    # Weighted by "balanced", every class contributes the same total weight.
    totals = [balanced[i] * n for i, n in enumerate(counts)]
    assert max(totals) == pytest.approx(min(totals))
    assert set(class_weights(labels, "none").values()) == {1.0}
