"""Face detectors behind DeepFace's `Detector` interface.

`VISION_DETECTOR=mtcnn` (the default) is MTCNN run by `vision.mtcnn_numpy` (fast, on
the `mtcnn` wheel's own weights). Any other name is a DeepFace detector backend built by
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

from vision.mtcnn_numpy import NumpyMTCNN

MTCNN = "mtcnn"
DEEPFACE_PREFIX = "deepface-"


def _point(p: tuple[float, float]) -> tuple[int, int]:
    return (int(round(p[0])), int(round(p[1])))


class FastMtcnnDetector(Detector):
    """MTCNN as a DeepFace detector: `detect_faces(bgr)` → `FacialAreaRegion`s.

    As everywhere in DeepFace, `left_eye`/`right_eye` are the person's own left and
    right (so `left_eye` is on the image's right-hand side).
    """

    def __init__(self, *, min_face_fraction: float = 0.15):
        self.model = NumpyMTCNN(min_face_fraction=min_face_fraction)

    def detect_faces(self, img: NDArray[Any]) -> list[FacialAreaRegion]:
        rgb = np.ascontiguousarray(img[:, :, ::-1])
        regions = []
        for face in self.model.detect(rgb):
            x1, y1, x2, y2 = face.box
            regions.append(
                FacialAreaRegion(
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
            )
        return regions


class SerialisedDetector(Detector):
    """A DeepFace backend called by one thread at a time: not all of them are thread-safe."""

    def __init__(self, detector: Detector):
        self.detector = detector
        self._lock = threading.Lock()

    def detect_faces(self, img: NDArray[Any]) -> list[FacialAreaRegion]:
        with self._lock:
            return self.detector.detect_faces(img)


def build_detector(name: str, *, min_face_fraction: float) -> Detector:
    if name == MTCNN:
        return FastMtcnnDetector(min_face_fraction=min_face_fraction)
    from deepface.modules import modeling

    backend = name[len(DEEPFACE_PREFIX) :] if name.startswith(DEEPFACE_PREFIX) else name
    return SerialisedDetector(modeling.build_model(task="face_detector", model_name=backend))
