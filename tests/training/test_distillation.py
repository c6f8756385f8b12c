"""Distillation (train_emotion_model --teacher FILE --distill-weight W): a served ONNX model's
readings of the training faces become part of the target."""

import numpy as np
import pytest
import torch
from django.conf import settings

from tests.training import helpers as training_helpers
from tests.training.helpers import train_tiny
from training import distill, loop
from vision.alignment import resize_face
from vision.emotion import OnnxEmotionClassifier

folders = training_helpers.folders  # the small real folders, a module-scoped fixture


def test_the_teacher_s_probabilities_are_the_served_model_s_and_are_cached(folders, tmp_path):
    train_dir, _ = folders
    config = loop.RunConfig(data_dir=str(train_dir), arch="vgg", width=8, input_size=40, epochs=1, val_split=0.25)
    run = loop.start(tmp_path / "plain", config, cache_dir=None, log=lambda line: None)
    images = run.train_images.numpy()
    teacher = distill.teacher_probabilities(settings.EMOTION_MODEL, images, tmp_path / "cache")
    served = OnnxEmotionClassifier(settings.EMOTION_MODEL)
    expected = served.predict(np.stack([resize_face(i, served.input_size) for i in images]))
    assert np.allclose(teacher, expected, atol=1e-6)
    assert len(list((tmp_path / "cache").glob("teacher-*.npy"))) == 1
    assert np.array_equal(distill.teacher_probabilities(settings.EMOTION_MODEL, images, tmp_path / "cache"), teacher)


def _run_learning_only_from(teacher, folders, tmp_path) -> loop.Run:
    """A one-epoch run on the small folders whose target is the teacher's readings alone (weight 1)."""
    train_dir, _ = folders
    config = loop.RunConfig(
        data_dir=str(train_dir),
        arch="vgg",
        width=8,
        input_size=40,
        epochs=1,
        val_split=0.25,
        teacher=teacher,
        distill_weight=1.0,
    )
    return loop.start(tmp_path / "run", config, cache_dir=None, log=lambda line: None)


def test_a_run_with_weight_one_learns_the_teacher_s_readings_alone(folders, tmp_path):
    run = _run_learning_only_from(str(settings.EMOTION_MODEL), folders, tmp_path)
    teacher = distill.teacher_probabilities(settings.EMOTION_MODEL, run.train_images.numpy(), None)
    assert torch.allclose(run.train_targets, torch.from_numpy(teacher))
    # The served model disagrees with FER2013's labels on some of these real faces.
    assert (teacher.argmax(1) != run.train_labels.numpy()).any()


def test_distillation_through_the_command_is_on_the_card(folders, tmp_path):
    train_tiny(folders, tmp_path, "--teacher", str(settings.EMOTION_MODEL), "--distill-weight", "0.5", "--no-eval")
    card = (tmp_path / "tiny.md").read_text()
    assert f"--teacher {settings.EMOTION_MODEL}" in card and "--distill-weight 0.5" in card


def test_a_weight_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="distillation weight"):
        distill.blend(np.zeros((1, 7)), np.zeros((1, 7)), 2.0)


def test_several_teachers_are_averaged_into_one_wider_teacher(folders, tmp_path):
    """`--teacher A --teacher B`: the target is the mean of the two models' readings of each face."""
    second = str(settings.EMOTUNES_MODELS_DIR / "emotion_vgg32_48_x2.onnx")
    run = _run_learning_only_from([str(settings.EMOTION_MODEL), second], folders, tmp_path)
    images = run.train_images.numpy()
    first_reading = distill.teacher_probabilities(settings.EMOTION_MODEL, images, None)
    second_reading = distill.teacher_probabilities(second, images, None)
    assert not np.allclose(first_reading, second_reading, atol=1e-3)  # two different teachers
    assert torch.allclose(run.train_targets, torch.from_numpy((first_reading + second_reading) / 2), atol=1e-6)


def test_two_teachers_through_the_command_are_both_on_the_card(folders, tmp_path):
    second = str(settings.EMOTUNES_MODELS_DIR / "emotion_vgg32_48_x2.onnx")
    train_tiny(
        folders,
        tmp_path,
        "--teacher",
        str(settings.EMOTION_MODEL),
        "--teacher",
        second,
        "--distill-weight",
        "0.5",
        "--no-eval",
    )
    card = (tmp_path / "tiny.md").read_text()
    assert f"--teacher {settings.EMOTION_MODEL} --teacher {second}" in card
    assert "the mean of their probabilities" in card
    assert "emotion_vgg32_48_x2.onnx" in card


def test_no_teacher_is_refused():
    with pytest.raises(ValueError, match="no teacher"):
        distill.ensemble_probabilities([], np.zeros((1, 48, 48), np.uint8), None)
