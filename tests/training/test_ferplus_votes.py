"""FER+ crowd votes as training targets (training.ferplus), read from the real shared file."""

import csv

import numpy as np
import pytest

from core.emotions import EMOTIONS
from tests.training.helpers import copy_small_folder
from training import ferplus
from training.data import load_folder


@pytest.fixture(scope="module")
def small_train(tmp_path_factory):
    folder = copy_small_folder("train", tmp_path_factory.mktemp("ferplus") / "train", per_class=10)
    return folder, load_folder(folder)


def _row(file: str) -> dict:
    with open(ferplus.votes_file(), newline="") as handle:
        return next(row for row in csv.DictReader(handle) if row["file"] == file)


def test_weight_one_gives_the_crowd_s_vote_shares(small_train):
    folder, data = small_train
    targets, matched = ferplus.targets(folder, data.labels, 1.0)
    assert matched >= len(data.labels) - 3  # FER+ has no votes for a few faces
    assert np.allclose(targets.sum(1), 1.0)
    first = sorted((folder / "fear").glob("*.jpg"))[0]
    row = _row(f"train/fear/{first.name}")
    index = [str(p) for p, _ in ferplus.list_labelled_files(folder)].index(str(first))
    expected = np.zeros(len(EMOTIONS))
    for column, emotion in ferplus.VOTE_COLUMNS.items():
        expected[EMOTIONS.index(emotion)] += float(row[column] or 0)
    assert np.allclose(targets[index], expected / expected.sum())


def test_a_blend_keeps_part_of_the_original_label_and_zero_is_the_label_alone(small_train):
    folder, data = small_train
    onehot, matched = ferplus.targets(folder, data.labels, 0.0)
    assert matched == 0 and np.array_equal(onehot.argmax(1), data.labels) and onehot.max() == 1.0
    blend, _ = ferplus.targets(folder, data.labels, 0.5)
    crowd, _ = ferplus.targets(folder, data.labels, 1.0)
    assert np.allclose(blend, 0.5 * onehot + 0.5 * crowd)
    # The crowd disagrees with FER2013 on some of these real faces; the blend never drops the label below half.
    assert (crowd.argmax(1) != data.labels).any()
    assert (blend[np.arange(len(data.labels)), data.labels] >= 0.5).all()


def test_a_weight_outside_zero_to_one_is_refused(small_train):
    folder, data = small_train
    with pytest.raises(ValueError, match="FER\\+ weight"):
        ferplus.targets(folder, data.labels, 1.5)
