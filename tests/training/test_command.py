"""manage.py train_emotion_model: trains a few epochs on a small real folder, exports ONNX and a card."""

import numpy as np
import pytest
import torch
from django.core.management import CommandError, call_command

from core.emotions import EMOTIONS
from tests.training import helpers as training_helpers
from tests.training.helpers import train_tiny
from training.data import load_folder
from training.export import (
    MEMBERS_KEY,
    Served,
    exported_metadata,
    exported_offsets,
    load_checkpoint_net,
    torch_logits,
    torch_probabilities,
)
from vision.onnx_emotion import OnnxEmotionClassifier

folders = training_helpers.folders  # the small real folders, a module-scoped fixture


def test_command_trains_exports_a_servable_model_and_writes_its_card(folders, tmp_path):
    out = train_tiny(folders, tmp_path)
    classifier = OnnxEmotionClassifier(out)
    assert isinstance(classifier, OnnxEmotionClassifier) and classifier.input_size == 40
    faces = load_folder(folders[1]).resized((40, 40))
    probabilities = classifier.predict(faces)
    assert probabilities.shape == (len(faces), len(EMOTIONS))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)

    card = out.with_suffix(".md").read_text()
    assert "CPU-hours" in card and "resnet18" in card
    # The card's command trains the same recipe: the options this run changed are on it.
    assert "--arch resnet18 --width 8 --input-size 40 --epochs 2 --seed 0 --batch-size 16 --val-split 0.25" in card
    assert f"## Accuracy on `{folders[1]}` (28 images, never trained on)" in card
    for emotion in EMOTIONS:
        assert f"| {emotion} |" in card  # a confusion-matrix row per emotion
    assert "| epoch | s | loss |" in card
    assert (tmp_path / "tiny-confusion.png").stat().st_size > 1000


def test_exported_model_gives_the_training_frameworks_outputs(folders, tmp_path):
    out = train_tiny(folders, tmp_path, "--no-offsets", "--no-mirror")
    assert exported_offsets(out) is None
    net, _ = load_checkpoint_net(tmp_path / "run" / "best.pt")
    faces = load_folder(folders[1]).resized((40, 40))
    np.testing.assert_allclose(OnnxEmotionClassifier(out).predict(faces), torch_probabilities(net, faces), atol=1e-5)


def _softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_exported_model_carries_its_class_offsets_and_mirror_inside_the_graph(folders, tmp_path):
    out = train_tiny(folders, tmp_path)
    offsets = exported_offsets(out)
    assert offsets.shape == (len(EMOTIONS),) and abs(offsets.sum()) < 1e-3
    net, _ = load_checkpoint_net(tmp_path / "run" / "best.pt")
    faces = load_folder(folders[1]).resized((40, 40))
    expected = (
        _softmax(torch_logits(net, faces) + offsets) + _softmax(torch_logits(net, faces, flip=True) + offsets)
    ) / 2
    np.testing.assert_allclose(OnnxEmotionClassifier(out).predict(faces), expected, atol=1e-5)
    assert "class offsets added to the logits" in out.with_suffix(".md").read_text()


def test_a_finished_run_exported_later_keeps_its_training_line_on_the_card(folders, tmp_path, monkeypatch):
    """`--export-now` names the run folder too: the card must still say how the run was trained."""
    train_tiny(folders, tmp_path, "--no-eval")
    out = tmp_path / "later.onnx"
    arguments = ["train_emotion_model", "--run-dir", str(tmp_path / "run"), "--export-now", "--no-mirror"]
    arguments += ["--no-eval", "--out", str(out)]
    monkeypatch.setattr("sys.argv", ["manage.py", *arguments])
    call_command(*arguments)
    block = out.with_suffix(".md").read_text().split("```sh")[1].split("```")[0].strip().splitlines()
    assert len(block) == 2, block
    assert "--arch resnet18 --width 8 --input-size 40 --epochs 2" in block[0] and "--export-now" not in block[0]
    assert "--export-now --no-mirror" in block[1]


def _export_a_and_b(tmp_path, *extra):
    """Export the finished runs `a` and `b` under tmp_path as one model."""
    out = tmp_path / "both.onnx"
    call_command(
        "train_emotion_model",
        "--run-dir",
        str(tmp_path / "a"),
        "--export-now",
        "--ensemble-run",
        str(tmp_path / "b"),
        "--out",
        str(out),
        *extra,
    )
    return out


def test_two_runs_of_the_same_split_export_as_one_averaged_model(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="a", out="a.onnx")
    train_tiny(folders, tmp_path, "--no-eval", "--seed", "1", "--split-seed", "0", run="b", out="b.onnx")
    out = _export_a_and_b(tmp_path, "--eval-dir", str(folders[1]), "--threads", "1")
    nets = [load_checkpoint_net(tmp_path / run / "best.pt")[0] for run in ("a", "b")]
    faces = load_folder(folders[1]).resized((40, 40))
    served = Served(nets, exported_offsets(out), mirror=True)
    np.testing.assert_allclose(OnnxEmotionClassifier(out).predict(faces), torch_probabilities(served, faces), atol=1e-5)
    assert [m.split()[0] for m in exported_metadata(out)[MEMBERS_KEY]] == ["a", "b"]
    card = out.with_suffix(".md").read_text()
    assert "2 networks' probabilities averaged, each face also read mirrored" in card
    assert "network (seed 0)" in card and "network (seed 1)" in card
    assert (
        f"--seed 1 --split-seed 0 --batch-size 16 --val-split 0.25 --run-dir {tmp_path / 'b'}" in card
    )  # each member's line


def test_runs_that_held_out_other_faces_are_refused_as_an_ensemble(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval", run="a", out="a.onnx")
    train_tiny(folders, tmp_path, "--no-eval", "--seed", "1", run="b", out="b.onnx")  # its own split
    with pytest.raises(CommandError, match="other validation faces"):
        _export_a_and_b(tmp_path, "--no-eval")


def test_a_budget_stops_the_run_and_resume_finishes_it(folders, tmp_path):
    train_dir, _ = folders
    common = [
        "--data",
        str(train_dir),
        "--run-dir",
        str(tmp_path / "run"),
        "--arch",
        "vgg",
        "--width",
        "8",
        "--input-size",
        "32",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--threads",
        "1",
        "--no-eval",
        "--out",
        str(tmp_path / "m.onnx"),
    ]
    call_command("train_emotion_model", *common, "--max-minutes", "0")
    assert not (tmp_path / "m.onnx").exists()  # one epoch done, the run is not finished
    state = torch.load(tmp_path / "run" / "last.pt", weights_only=False)
    assert state["epoch"] == 1
    call_command("train_emotion_model", *common, "--resume")
    assert (tmp_path / "m.onnx").exists()
    assert torch.load(tmp_path / "run" / "last.pt", weights_only=False)["epoch"] == 2


def test_a_second_start_in_the_same_folder_is_refused(folders, tmp_path):
    train_tiny(folders, tmp_path, "--no-eval")
    with pytest.raises(CommandError, match="already holds a run"):
        train_tiny(folders, tmp_path, "--no-eval")


def test_the_card_s_command_parses_back_to_the_run_s_recipe():
    from dataclasses import asdict

    from training.card import training_command
    from training.loop import RunConfig
    from training.management.commands.train_emotion_model import Command
    from training.torch_augment import Augmentation

    recipe = asdict(
        RunConfig(data_dir="x", arch="vgg", width=16, learning_rate=0.02, label_smoothing=0.0, swa_epochs=3)
    )
    recipe["augment"] = asdict(Augmentation(flip=False, erase_p=0))
    line = training_command(recipe, "var/training/r")
    options = vars(Command().create_parser("manage.py", "train_emotion_model").parse_args(line.split()[3:]))
    assert (options["learning_rate"], options["label_smoothing"], options["no_augment"]) == (0.02, 0.0, True)
    assert (options["arch"], options["width"], options["batch_size"]) == ("vgg", 16, 64)
    assert (options["swa_epochs"], options["swa_learning_rate"]) == (3, None)  # the default rate: no flag
    assert "--weight-decay" not in line  # unchanged options stay off the line

    recipe = asdict(RunConfig(data_dir="x", serving_crops=2, crop_share=0.7, ferplus_weight=0.5, select_on="mean"))
    options = vars(
        Command()
        .create_parser("manage.py", "train_emotion_model")
        .parse_args(training_command(recipe, "r").split()[3:])
    )
    assert (options["serving_crops"], options["crop_share"], options["ferplus_weight"], options["select_on"]) == (
        2,
        0.7,
        0.5,
        "mean",
    )


def test_swa_epochs_train_through_the_command_and_the_card_says_what_was_kept(folders, tmp_path):
    out = train_tiny(folders, tmp_path, "--swa-epochs", "2", "--no-offsets")
    card = out.with_suffix(".md").read_text()
    assert "--epochs 2 --seed 0 --swa-epochs 2" in card
    assert "4 of 4 epochs (2 of them SWA at learning rate 0.01)" in card
    best = torch.load(tmp_path / "run" / "best.pt", weights_only=False)
    kept = f"the mean of the weights of epochs 3–{best['epoch']}" if best["swa_averaged"] else f"epoch {best['epoch']}"
    assert f"; kept {kept}, chosen on the validation split" in card
    assert OnnxEmotionClassifier(out).predict(load_folder(folders[1]).resized((40, 40))).shape[1] == len(EMOTIONS)
