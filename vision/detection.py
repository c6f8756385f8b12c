"""Face detectors behind DeepFace's `Detector` interface.

`VISION_DETECTOR=mtcnn` (the default) is MTCNN run by `vision.mtcnn_numpy` (fast, on
the `mtcnn` wheel's own weights, its networks run by ONNX Runtime or NumPy: `VISION_MTCNN_RUNTIME`),
which also tracks faces from one frame to the next (`track_faces`). Any other name is a DeepFace detector backend built by
DeepFace itself (`opencv`, `ssd`, `yunet`, `retinaface`, ..., and `deepface-mtcnn` for
DeepFace's own, slow, MTCNN client); they need their weights in
`DEEPFACE_HOME/.deepface/weights` (DeepFace downloads them where it can, and says where
to put them where it cannot).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
from deepface.models.Detector import Detector, FacialAreaRegion
from numpy.typing import NDArray

from vision.mtcnn_numpy import MtcnnFace, NumpyMTCNN

MTCNN = "mtcnn"
DEEPFACE_PREFIX = "deepface-"


def _point(p: tuple[float, float]) -> tuple[int, int]:
    return (int(round(p[0])), int(round(p[1])))


def _region(face: MtcnnFace) -> FacialAreaRegion:
    x1, y1, x2, y2 = face.box
    return FacialAreaRegion(
        x=int(round(x1)),
        y=int(round(y1)),
        w=int(round(x2 - x1)),
        h=int(round(y2 - y1)),
        left_eye=_point(face.right_eye),
        right_eye=_point(face.left_eye),
        nose=_point(face.nose),
        mouth_left=_point(face.mouth_right),
        mouth_right=_point(face.mouth_left),
        confidence=face.confidence,
    )


class FastMtcnnDetector(Detector):
    """MTCNN as a DeepFace detector: `detect_faces(bgr)` → `FacialAreaRegion`s, and face tracking:
    `track_faces(bgr, boxes)` → the region near each (x, y, w, h) box of the frame before, or None.

    As everywhere in DeepFace, `left_eye`/`right_eye` are the person's own left and
    right (so `left_eye` is on the image's right-hand side).
    """

    def __init__(self, *, min_face_fraction: float = 0.15, runtime: str = "onnx"):
        self.model = NumpyMTCNN(min_face_fraction=min_face_fraction, runtime=runtime)

    def detect_faces(self, img: NDArray[Any]) -> list[FacialAreaRegion]:
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        return [_region(face) for face in self.model.detect(rgb)]

    def track_faces(self, img: NDArray[Any], boxes: list[tuple[int, int, int, int]]) -> list[FacialAreaRegion | None]:
        corners = np.array([(x, y, x + w, y + h) for x, y, w, h in boxes], dtype=np.float32).reshape(-1, 4)
        found = self.model.track(np.ascontiguousarray(img[:, :, ::-1]), corners)
        return [None if face is None else _region(face) for face in found]


class SerialisedDetector(Detector):
    """A DeepFace backend called by one thread at a time: not all of them are thread-safe."""

    def __init__(self, detector: Detector):
        self.detector = detector
        self._lock = threading.Lock()

    def detect_faces(self, img: NDArray[Any]) -> list[FacialAreaRegion]:
        with self._lock:
            return self.detector.detect_faces(img)


def uses_tensorflow(name: str) -> bool:
    """Whether the detector `VISION_DETECTOR` names runs on TensorFlow (every DeepFace backend may)."""
    return name != MTCNN


def build_detector(name: str, *, min_face_fraction: float, runtime: str = "onnx") -> Detector:
    """`runtime` ("onnx" or "numpy") runs the project's own MTCNN; DeepFace backends ignore it."""
    if name == MTCNN:
        return FastMtcnnDetector(min_face_fraction=min_face_fraction, runtime=runtime)
    from deepface.modules import modeling

    backend = name[len(DEEPFACE_PREFIX) :] if name.startswith(DEEPFACE_PREFIX) else name
    return SerialisedDetector(modeling.build_model(task="face_detector", model_name=backend))
