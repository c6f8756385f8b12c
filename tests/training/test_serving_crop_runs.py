"""A run trained on serving crops and FER+ votes (train_emotion_model --serving-crops --ferplus-weight).

Every epoch shows each training face once — as FER framed it or as one of its serving crops —
so an epoch costs what it did; validation reads the held-out faces both ways, and with
`--select-on mean` the best epoch is chosen on the mean of the two.
"""

import json

import torch

from tests.training import helpers as training_helpers
from tests.training.helpers import train_tiny
from training import loop

folders = training_helpers.folders  # the small real folders, a module-scoped fixture


def test_a_run_on_serving_crops_and_votes_records_both_validations(folders, tmp_path):
    train_tiny(
        folders,
        tmp_path,
        "--serving-crops",
        "1",
        "--ferplus-weight",
        "0.5",
        "--select-on",
        "mean",
        "--no-eval",
    )
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert state["config"]["serving_crops"] == 1 and state["config"]["ferplus_weight"] == 0.5
    last = state["history"][-1]
    assert last["val_crops_flip"] is not None and 0.0 <= last["val_crops_flip"] <= 1.0
    best = max(state["history"], key=lambda h: (h["val_accuracy_flip"] + h["val_crops_flip"]) / 2)
    assert state["best_epoch"] == best["epoch"]
    card = (tmp_path / "tiny.md").read_text()
    assert "--serving-crops 1" in card and "--ferplus-weight 0.5" in card
    assert "FER+ crowd's vote shares at weight 0.5" in card and "rendered 1× through the live path" in card
    assert "the mean of the mirror-averaged accuracies on FER's crops and on the serving crops" in card
    assert json.loads((tmp_path / "run" / "config.json").read_text())["select_on"] == "mean"


def test_each_epoch_shows_every_face_once_as_itself_or_one_of_its_crops(folders, tmp_path):
    train_dir, _ = folders
    config = loop.RunConfig(
        data_dir=str(train_dir), arch="vgg", width=8, input_size=40, epochs=1, val_split=0.25, serving_crops=2
    )
    run = loop.start(tmp_path / "run", config, cache_dir=None, log=lambda line: None)
    samples = run.epoch_samples(torch.Generator().manual_seed(0))
    assert len(samples) == run.n_faces
    # Pool row i is face i as FER framed it; its crops are rows crop_start[i] .. + crop_count[i].
    chosen_owner = []
    for sample in samples.tolist():
        if sample < run.n_faces:
            chosen_owner.append(sample)
        else:
            chosen_owner.append(
                int(((run.crop_start <= sample) & (sample < run.crop_start + run.crop_count)).nonzero()[0])
            )
    assert sorted(chosen_owner) == list(range(run.n_faces))
    assert any(s >= run.n_faces for s in samples.tolist()) and any(s < run.n_faces for s in samples.tolist())
    # A crop carries its face's label.
    for face in range(run.n_faces):
        start, count = int(run.crop_start[face]), int(run.crop_count[face])
        assert (run.train_labels[start : start + count] == run.train_labels[face]).all()
