"""Small labelled folders built from real FER2013 images, for the training tests."""

import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from core.emotions import EMOTIONS


def fer2013(split: str) -> Path:
    return Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / split


def copy_small_folder(split: str, destination: Path, per_class: int, skip: int = 0) -> Path:
    """destination/<emotion>/ with `per_class` real images of each emotion from FER2013 `split`."""
    for emotion in EMOTIONS:
        target = destination / emotion
        target.mkdir(parents=True)
        for image in sorted((fer2013(split) / emotion).glob("*.jpg"))[skip : skip + per_class]:
            shutil.copy(image, target / image.name)
    return destination


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("training")
    return (
        copy_small_folder("train", root / "train", per_class=8),
        copy_small_folder("public_test", root / "eval", per_class=4),
    )


def train_tiny(folders, tmp_path, *extra, run="run", out="tiny.onnx"):
    """Two epochs of a width-8 ResNet on `folders`, exported to tmp_path/out; returns the model's path."""
    train_dir, eval_dir = folders
    out = tmp_path / out
    call_command(
        "train_emotion_model",
        "--data",
        str(train_dir),
        "--run-dir",
        str(tmp_path / run),
        "--arch",
        "resnet18",
        "--width",
        "8",
        "--input-size",
        "40",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--val-split",
        "0.25",
        "--out",
        str(out),
        "--eval-dir",
        str(eval_dir),
        "--threads",
        "1",
        *extra,
    )
    return out
