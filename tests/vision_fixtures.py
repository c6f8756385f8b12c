"""Real frames for the vision tests: scikit-image photographs and FER2013 faces."""

from functools import cache
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from skimage import data


def encode(bgr: np.ndarray, ext: str = ".jpg", **params) -> bytes:
    flags = []
    if ext == ".jpg":
        flags = [cv2.IMWRITE_JPEG_QUALITY, params.get("quality", 85)]
    ok, encoded = cv2.imencode(ext, bgr, flags)
    assert ok
    return encoded.tobytes()


@cache
def astronaut_bgr() -> np.ndarray:
    """Eileen Collins, smiling: 512×384 (4:3), face near (180, 60)–(270, 175)."""
    return np.ascontiguousarray(cv2.cvtColor(data.astronaut()[:384], cv2.COLOR_RGB2BGR))


def astronaut_frame(width: int = 320, height: int = 240, ext: str = ".jpg") -> bytes:
    return encode(cv2.resize(astronaut_bgr(), (width, height), interpolation=cv2.INTER_AREA), ext)


def coffee_frame() -> bytes:
    """A cup of coffee: a real photograph without a face."""
    bgr = cv2.cvtColor(data.coffee(), cv2.COLOR_RGB2BGR)
    return encode(cv2.resize(bgr, (320, 213), interpolation=cv2.INTER_AREA))


def fer_dir(split: str = "public_test") -> Path:
    return Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / split


def fer_faces(emotion: str, count: int, split: str = "public_test") -> list[np.ndarray]:
    """The first `count` FER2013 images of a class (sorted by name, so always the same ones)."""
    paths = sorted((fer_dir(split) / emotion).glob("*.jpg"))[:count]
    return [cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in paths]


def fer_frame(face_gray: np.ndarray) -> bytes:
    """A FER2013 crop as a webcam would show it: enlarged to 144 px in a 320×240 frame (the framing
    `evaluate_live_path` reads every public_test face in)."""
    from training.crops import fixed_frame

    return encode(fixed_frame(face_gray))


def two_faces_frame() -> tuple[bytes, int]:
    """The astronaut (face ~100 px wide) beside a smaller FER2013 face (~70 px) in one
    800×450 frame; returns the frame and the x where the second picture starts."""
    left = cv2.resize(astronaut_bgr(), (600, 450), interpolation=cv2.INTER_AREA)
    face = cv2.resize(fer_faces("surprise", 1)[0], (96, 96), interpolation=cv2.INTER_CUBIC)
    right = cv2.cvtColor(cv2.copyMakeBorder(face, 177, 177, 52, 52, cv2.BORDER_REPLICATE), cv2.COLOR_GRAY2BGR)
    return encode(np.hstack([left, right])), left.shape[1]


def analyse_in_this_process(frame: bytes) -> tuple[int, list[tuple[str, bool]]]:
    """Run in a child process: (its pid, [(emotion, primary)] of the frame's faces)."""
    import os

    import django

    django.setup()
    from vision import pipeline

    return os.getpid(), [(f.emotion, f.primary) for f in pipeline.analyse_frame(frame).faces]


def still_face_frames(face_gray: np.ndarray, count: int = 6) -> list[bytes]:
    """`count` webcam-sized frames of one still face, each a little moved, scaled and re-encoded,
    as a few seconds of a camera give them."""
    frames = []
    for i in range(count):
        side = 140 + 4 * (i % 6)
        big = cv2.resize(face_gray, (side, side), interpolation=cv2.INTER_CUBIC)
        top, left = (240 - side) // 2 + (i % 3) - 1, (320 - side) // 2 + 2 * (i % 2)
        frame = cv2.copyMakeBorder(big, top, 240 - side - top, left, 320 - side - left, cv2.BORDER_REPLICATE)
        frames.append(encode(cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR), quality=70 + 3 * (i % 6)))
    return frames


@cache
def resting_sad_face() -> int:
    """The index (in `fer_faces("neutral", 200)`) of the first neutral-labelled FER2013 face whose
    every still frame the served model reads as sad: a real "always sad at rest" face."""
    from vision import pipeline

    for index, face in enumerate(fer_faces("neutral", 200)):
        readings = [pipeline.analyse_frame(f).primary for f in still_face_frames(face)]
        if all(r is not None and r.emotion == "sad" for r in readings):
            return index
    raise AssertionError("no neutral face of the first 200 reads sad through the pipeline")
