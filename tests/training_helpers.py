"""Small labelled folders built from real FER2013 images, for the training tests."""

import shutil
from pathlib import Path

from django.conf import settings

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
