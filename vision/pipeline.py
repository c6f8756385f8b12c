"""One frame in, the faces and their emotions out: `analyse_frame(data) -> FrameAnalysis`.

decode (OpenCV, after the size checks of `vision.frames`) → detect (MTCNN by default,
any DeepFace detector by setting) → align (eyes level, greyscale crop at the CNN's input
size) → classify (one batched CNN call for all faces). Models load once per process,
lazily or through `warm_up()`, and are safe to call from many threads at once. Separate
worker processes each load their own; a process forked from one that had already loaded
them gets a clear error instead (TensorFlow hangs in a forked copy of a running runtime).
The default models run in ONNX Runtime: TensorFlow is imported only where a Keras or
DeepFace model is chosen (`EMOTION_MODEL`, `VISION_DETECTOR`).

Face tracking: with a `hint` (the face boxes of the stream's previous frame) the detector
looks only where those faces were (`FastMtcnnDetector.track_faces`: O-Net on the square
around each box, no pyramid) and falls back to the full detector on this same frame when a
face is lost or its confidence is below `VISION_TRACK_MIN_CONFIDENCE`. Deciding when to send
no hint, so that a new face is found, belongs to the stream (`vision.tracking.TrackingHints`,
held by each `live` connection): this module keeps no state between frames.

This is a library: it reads `settings.VISION_*` (defaults in `emotunes/settings/features.py`) and
knows nothing of the stream, the listener or their history (no `live`, `moods` or
`recommender` import here or anywhere in `vision`; tests/vision/test_is_a_library.py).
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field

import cv2
import numpy as np
from django.conf import settings

from core.emotions import EMOTIONS
from vision.alignment import align_face
from vision.detection import build_detector
from vision.detection import uses_tensorflow as detector_uses_tensorflow
from vision.emotion import EmotionClassifier, build_classifier, configure_tensorflow
from vision.emotion import uses_tensorflow as classifier_uses_tensorflow
from vision.frames import decode_frame

Box = tuple[int, int, int, int]  # x, y, w, h in frame pixels
Hint = tuple[Box, ...]  # the face boxes of a stream's previous frame, primary first

FULL, TRACKED = "full", "tracked"  # FrameAnalysis.detection: how this frame's faces were found


@dataclass
class FaceResult:
    box: Box
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
    # "tracked" (found from the hint) or "full" (the whole detector: no hint, or the fallback of one)
    detection: str = FULL
    # Why a hint was not enough: "lost" (a face not found near its box), "unsure" (found with low confidence)
    fallback: str | None = None

    @property
    def primary(self) -> FaceResult | None:
        return next((f for f in self.faces if f.primary), None)

    def to_dict(self) -> dict:
        return {
            "width": self.width,
            "height": self.height,
            "faces": [f.to_dict() for f in self.faces],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "detection": self.detection,
            "fallback": self.fallback,
        }

    @classmethod
    def from_dict(cls, data: dict) -> FrameAnalysis:
        """`to_dict()` read back, e.g. on the far side of a queue (the answer of `vision.worker`)."""
        faces = [
            FaceResult(
                box=tuple(int(v) for v in face["box"]),
                confidence=float(face["confidence"]),
                emotions={emotion: float(p) for emotion, p in face["emotions"].items()},
                primary=bool(face.get("primary", False)),
            )
            for face in data.get("faces", [])
        ]
        return cls(
            width=int(data["width"]),
            height=int(data["height"]),
            faces=faces,
            timings_ms=dict(data.get("timings_ms", {})),
            detection=str(data.get("detection", FULL)),
            fallback=data.get("fallback"),
        )


@dataclass
class _Models:
    detector: object
    classifier: EmotionClassifier
    pid: int


_models: _Models | None = None
_models_lock = threading.Lock()


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
            if detector_uses_tensorflow(settings.VISION_DETECTOR) or classifier_uses_tensorflow(
                str(settings.EMOTION_MODEL)
            ):
                configure_tensorflow(settings.VISION_TF_THREADS)
            detector = build_detector(
                settings.VISION_DETECTOR,
                min_face_fraction=settings.VISION_MIN_FACE_FRACTION,
                runtime=settings.VISION_MTCNN_RUNTIME,
            )
            classifier = build_classifier(str(settings.EMOTION_MODEL))
            _models = _Models(detector=detector, classifier=classifier, pid=os.getpid())
        return _models


def warm_up() -> None:
    """Load the models and run each once, so the first real frame is not the slow one."""
    models = get_models()
    size = models.classifier.input_size
    models.classifier.predict(np.zeros((1, size, size), dtype=np.uint8))
    models.detector.detect_faces(np.zeros((240, 320, 3), dtype=np.uint8))


_warming: tuple[int, Future] | None = None  # (pid, the load) of this process
_warming_lock = threading.Lock()


def warming_up() -> Future:
    """Start `warm_up()` in a background thread, once per process; the future is done when the models are.

    Every start goes through here: a server at start (`vision.apps`, when
    `VISION_WARM_UP` is on), and whatever is about to analyse a frame (the embedded
    back-end of `live`, `vision.worker`), which awaits the same load instead of starting a
    second one and does not count it against a frame's timeout. A load that failed is tried
    again by the next caller.
    """
    global _warming
    with _warming_lock:
        pid = os.getpid()
        if _warming is None or _warming[0] != pid or _failed(_warming[1]):
            future = Future()
            _warming = (pid, future)
            threading.Thread(target=_load_into, args=(future,), name="vision-warm-up", daemon=True).start()
        return _warming[1]


def _failed(future: Future) -> bool:
    return future.done() and future.exception() is not None


def _load_into(future: Future) -> None:
    try:
        warm_up()
    except BaseException as error:
        future.set_exception(error)
    else:
        future.set_result(None)


def classify_faces(faces_gray: np.ndarray, classifier: EmotionClassifier | None = None) -> np.ndarray:
    """(n, S, S) crops at the classifier's input size → (n, 7) probabilities."""
    classifier = classifier or get_models().classifier
    return classifier.predict(faces_gray)


def read_hint(value) -> Hint:
    """A hint as the pipeline uses it: a tuple of (x, y, w, h) boxes, primary first; () for none.

    Accepts one box or a sequence of boxes, of ints (as a queue message carries them, see
    `vision.worker`); anything else — a malformed message — is no hint, so the frame gets the
    full detector. At most `VISION_MAX_FACES` boxes are used.
    """
    if not value:
        return ()
    if _is_box(value):
        return (tuple(value),)
    if isinstance(value, list | tuple) and all(_is_box(box) for box in value):
        return tuple(tuple(box) for box in value)[: settings.VISION_MAX_FACES]
    return ()


def _is_box(value) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 4
        and all(type(v) is int for v in value)
        and value[2] > 1
        and value[3] > 1
    )


def locate_faces(models: _Models, image_bgr: np.ndarray, hint: Hint) -> tuple[list, str, str | None]:
    """(regions, detection, fallback): the faces tracked from `hint`, or else the full detector's."""
    track = getattr(models.detector, "track_faces", None)
    fallback = None
    if hint and track is not None and settings.VISION_TRACKING:
        regions = track(image_bgr, list(hint))
        if any(region is None for region in regions):
            fallback = "lost"
        elif min(region.confidence for region in regions) < settings.VISION_TRACK_MIN_CONFIDENCE:
            fallback = "unsure"
        else:
            return regions, TRACKED, None
    return models.detector.detect_faces(image_bgr), FULL, fallback


def analyse_image(image_bgr: np.ndarray, *, hint: Hint = (), timings: dict[str, float] | None = None) -> FrameAnalysis:
    models = get_models()
    timings = {} if timings is None else timings
    height, width = image_bgr.shape[:2]

    start = time.perf_counter()
    regions, detection, fallback = locate_faces(models, image_bgr, hint)
    regions = [r for r in regions if r.w > 1 and r.h > 1]
    # Largest first: the primary face is the one nearest the camera.
    regions.sort(key=lambda r: r.w * r.h, reverse=True)
    regions = regions[: settings.VISION_MAX_FACES]
    timings["detect"] = (time.perf_counter() - start) * 1000

    start = time.perf_counter()
    crops = np.empty((len(regions), models.classifier.input_size, models.classifier.input_size), dtype=np.uint8)
    if regions:
        gray = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2GRAY)
        for i, region in enumerate(regions):
            crops[i] = align_face(gray, region, margin=settings.VISION_FACE_MARGIN, size=models.classifier.input_size)
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
    return FrameAnalysis(
        width=width, height=height, faces=faces, timings_ms=timings, detection=detection, fallback=fallback
    )


def analyse_frame(data: bytes, hint=None) -> FrameAnalysis:
    """Analyse one JPEG/PNG/WebP frame held in memory. Raises `vision.errors.FrameError` on bad input.

    `hint` is the face boxes of the same stream's previous frame (one (x, y, w, h) box or a
    sequence of them, primary first; see `read_hint`), or None: with one, the faces are tracked
    from there instead of searched for in the whole frame (`locate_faces`).
    """
    started = time.perf_counter()
    image = decode_frame(
        data,
        max_bytes=settings.VISION_MAX_FRAME_BYTES,
        max_width=settings.VISION_MAX_WIDTH,
        max_height=settings.VISION_MAX_HEIGHT,
        max_scans=settings.VISION_MAX_JPEG_SCANS,
    )
    timings = {"decode": (time.perf_counter() - started) * 1000}
    analysis = analyse_image(image, hint=read_hint(hint), timings=timings)
    timings["total"] = (time.perf_counter() - started) * 1000
    return analysis
