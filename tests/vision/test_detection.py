"""MTCNN in NumPy against the `mtcnn` package it takes its weights from, behind DeepFace's interface."""

import cv2
import numpy as np
import pytest
from deepface.models.Detector import Detector
from skimage import data

from tests.vision_fixtures import astronaut_bgr
from vision.alignment import align_face, alignment_matrix
from vision.detection import FastMtcnnDetector, build_detector
from vision.mtcnn_numpy import NumpyMTCNN


def iou(a, b):
    ax1, ay1, aw, ah = a
    bx1, by1, bw, bh = b
    iw = max(0, min(ax1 + aw, bx1 + bw) - max(ax1, bx1))
    ih = max(0, min(ay1 + ah, by1 + bh) - max(ay1, by1))
    return iw * ih / (aw * ah + bw * bh - iw * ih)


@pytest.fixture(scope="module")
def reference_faces():
    """What the `mtcnn` package itself finds on the whole astronaut picture."""
    from mtcnn import MTCNN

    return MTCNN().detect_faces(data.astronaut())


def test_numpy_mtcnn_finds_what_the_mtcnn_package_finds(reference_faces):
    (reference,) = reference_faces
    (face,) = NumpyMTCNN(min_face_fraction=0.0).detect(data.astronaut())

    x1, y1, x2, y2 = face.box
    assert iou((x1, y1, x2 - x1, y2 - y1), reference["box"]) > 0.85
    assert face.confidence > 0.99
    for ours, theirs in [(face.left_eye, "left_eye"), (face.right_eye, "right_eye"), (face.nose, "nose")]:
        assert np.hypot(*(np.subtract(ours, reference["keypoints"][theirs]))) < 5


def test_the_pyramid_starts_at_the_smallest_expected_face():
    detector = NumpyMTCNN(min_face_fraction=0.15)
    scales = detector.scales(240, 320)
    assert scales[0] == pytest.approx(12 / 36)  # 15% of 240 px
    assert min(240, 320) * scales[-1] >= 12
    # No face-size limit means a deeper (slower) pyramid.
    assert len(NumpyMTCNN(min_face_fraction=0.0).scales(240, 320)) > len(scales)


def test_detector_follows_deepface_conventions():
    detector = FastMtcnnDetector()
    assert isinstance(detector, Detector)
    (region,) = detector.detect_faces(astronaut_bgr())
    # DeepFace: left_eye is the person's left eye, so it is on the image's right.
    assert region.left_eye[0] > region.right_eye[0]
    assert region.x < region.right_eye[0] < region.left_eye[0] < region.x + region.w
    assert region.confidence > 0.99


def test_another_deepface_backend_can_be_selected():
    detector = build_detector("deepface-mtcnn", min_face_fraction=0.15)
    assert isinstance(detector, Detector) and not isinstance(detector, FastMtcnnDetector)
    assert type(detector.detector).__name__ == "MtCnnClient"  # DeepFace's own MTCNN backend
    (region,) = detector.detect_faces(astronaut_bgr())
    (ours,) = FastMtcnnDetector().detect_faces(astronaut_bgr())
    assert iou((region.x, region.y, region.w, region.h), (ours.x, ours.y, ours.w, ours.h)) > 0.8


@pytest.mark.parametrize("tilt", [-25, -10, 0, 15, 30])
def test_alignment_levels_the_eyes(tilt):
    image = cv2.warpAffine(
        astronaut_bgr(), cv2.getRotationMatrix2D((225, 120), tilt, 1.0), (512, 384), borderMode=cv2.BORDER_REFLECT
    )
    (region,) = FastMtcnnDetector().detect_faces(image)
    eyes = np.array([region.right_eye, region.left_eye], dtype=float)
    before = np.degrees(np.arctan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0]))
    assert before == pytest.approx(-tilt + 1.5, abs=6)  # her eyes slope ~1.5° in the original

    side = max(region.w, region.h)
    mapped = np.hstack([eyes, np.ones((2, 1))]) @ alignment_matrix(region, side).T
    assert abs(mapped[0, 1] - mapped[1, 1]) < 1e-6  # level
    assert mapped[0, 0] < mapped[1, 0]  # and not upside down
    crop = align_face(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), region, margin=1.2, size=64)
    assert crop.shape == (64, 64) and crop.dtype == np.uint8
