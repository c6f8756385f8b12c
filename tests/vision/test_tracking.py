"""Face tracking: hints from the frame before, fall-backs to the full detector, re-detection, on recorded motion.

The recorded motion (`vision.motion`) is real faces — the astronaut, FER2013 faces — moving, zooming,
turning, leaving and coming back over real photographs, with faces entering beside the first.
"""

import math

import cv2
import numpy as np
import pytest

from tests.vision_fixtures import astronaut_bgr, astronaut_frame
from vision import motion, pipeline
from vision.mtcnn_nets import ONet, PNet, RNet, load_weights
from vision.mtcnn_numpy import NumpyMTCNN
from vision.mtcnn_onnx import OnnxONet, OnnxPNet, OnnxRNet
from vision.pipeline import FULL, TRACKED, FaceResult, FrameAnalysis, read_hint
from vision.tracking import TrackingHints


@pytest.fixture(scope="module")
def reports():
    from django.conf import settings

    return {
        s.name: (
            s,
            motion.compare(
                s, redetect_frames=settings.VISION_TRACK_REDETECT_FRAMES, redetect_s=settings.VISION_TRACK_REDETECT_S
            ),
        )
        for s in motion.all_sequences()
    }


def interval(sequence):
    from django.conf import settings

    return min(settings.VISION_TRACK_REDETECT_FRAMES, math.ceil(settings.VISION_TRACK_REDETECT_S * sequence.fps))


# --- the acceptance checks of issue 13, on the whole recording --------------------------------


def test_tracked_path_finds_the_faces_the_full_path_finds(reports):
    frames = sum(r.frames for _, r in reports.values())
    found = sum(r.faces_found for _, r in reports.values())
    assert frames > 300
    assert found / frames >= 0.95, {name: (r.found_share, r.misses) for name, (_, r) in reports.items()}
    # Tracking did the work on most frames: this is not the full path run twice.
    assert sum(r.tracked_frames for _, r in reports.values()) / frames > 0.6


def test_tracked_path_gives_the_same_emotions(reports):
    compared = sum(r.emotions_compared for _, r in reports.values())
    same = sum(r.emotions_same for _, r in reports.values())
    assert compared > 300
    assert same / compared >= 0.98


def test_every_face_entering_or_leaving_is_noticed_within_the_redetection_interval(reports):
    events = [
        (name, kind, frame, late, interval(s)) for name, (s, r) in reports.items() for kind, frame, late in r.events
    ]
    assert sum(kind == "entered" for _, kind, *_ in events) >= 5
    assert sum(kind == "left" for _, kind, *_ in events) >= 5
    assert [e for e in events if e[3] > e[4]] == []


def test_a_second_face_entering_is_found_at_the_next_full_detection(reports):
    sequence, report = reports["second-face"]
    (entered,) = [e for e in report.events if e[0] == "entered"]
    assert 0 <= entered[2] <= interval(sequence)


def test_a_face_leaving_is_noticed_on_the_first_frame_without_it(reports):
    for name in ("leave", "second-face", "visitors"):
        left = [late for kind, _, late in reports[name][1].events if kind == "left"]
        assert left and all(late == 0 for late in left), (name, reports[name][1].events)


def test_a_face_that_comes_back_is_found_at_once(reports):
    # While no face is in the picture every frame gets the full detector (there is nothing to track).
    _, report = reports["leave"]
    assert [late for kind, _, late in report.events if kind == "entered"] == [0]


def test_a_sudden_jump_falls_back_and_is_followed(reports):
    _, report = reports["sway"]
    assert report.found_share == 1.0


# --- fall-backs -----------------------------------------------------------------------------------


def test_a_hint_with_no_face_near_it_falls_back_to_the_full_detector():
    analysis = pipeline.analyse_frame(astronaut_frame(), hint=[(0, 180, 60, 60)])  # the bottom-left corner
    assert (analysis.detection, analysis.fallback) == (FULL, "lost")
    assert len(analysis.faces) == 1 and analysis.faces[0].emotion == "happy"


def test_a_face_tracked_with_too_little_confidence_falls_back(settings):
    frame = astronaut_frame()
    box = pipeline.analyse_frame(frame).faces[0].box
    settings.VISION_TRACK_MIN_CONFIDENCE = 1.0
    analysis = pipeline.analyse_frame(frame, hint=[box])
    assert (analysis.detection, analysis.fallback) == (FULL, "unsure")
    assert analysis.faces[0].box == box


def test_a_hint_is_followed_to_the_face(settings):
    frame = astronaut_frame()
    full = pipeline.analyse_frame(frame)
    x, y, w, h = full.faces[0].box
    # The face 12% of its size away from where it was: O-Net's box regression pulls the box back onto it.
    tracked = pipeline.analyse_frame(frame, hint=[(x + w // 8, y - h // 8, w, h)])
    assert tracked.detection == TRACKED and tracked.fallback is None
    assert motion.iou(tracked.faces[0].box, full.faces[0].box) > 0.85
    assert tracked.faces[0].emotion == "happy"


def test_tracking_can_be_switched_off(settings):
    frame = astronaut_frame()
    box = pipeline.analyse_frame(frame).faces[0].box
    settings.VISION_TRACKING = False
    assert pipeline.analyse_frame(frame, hint=[box]).detection == FULL


def test_two_hints_on_one_face_give_it_once():
    frame = astronaut_frame()
    x, y, w, h = pipeline.analyse_frame(frame).faces[0].box
    analysis = pipeline.analyse_frame(frame, hint=[(x, y, w, h), (x + 3, y + 2, w, h)])
    # One of the two boxes is "lost" to the other, so the frame falls back — and finds one face.
    assert len(analysis.faces) == 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        ([], ()),
        ([1, 2, 30, 40], ((1, 2, 30, 40),)),
        ((1, 2, 30, 40), ((1, 2, 30, 40),)),
        ([[1, 2, 30, 40], [50, 60, 30, 40]], ((1, 2, 30, 40), (50, 60, 30, 40))),
        ([1.5, 2, 30, 40], ()),  # not ints: a malformed message
        ([[1, 2, 30, 40], "x"], ()),
        ([1, 2, 0, 40], ()),  # no area
        ("1,2,3,4", ()),
        ({"x": 1}, ()),
    ],
)
def test_read_hint_accepts_boxes_and_nothing_else(value, expected):
    assert read_hint(value) == expected


# --- the stream's side: which frames get a hint ----------------------------------------------------


def analysis_with(*boxes, detection=TRACKED):
    faces = [FaceResult(box=b, confidence=0.99, emotions={"happy": 1.0}, primary=(i == 0)) for i, b in enumerate(boxes)]
    return FrameAnalysis(width=320, height=240, faces=faces, detection=detection)


def test_hints_after_a_full_detection_until_the_frame_count_is_reached():
    now = [0.0]
    hints = TrackingHints(enabled=True, redetect_frames=4, redetect_s=100, clock=lambda: now[0])
    assert hints.hint() is None  # the first frame: nothing to track
    hints.observe(analysis_with((10, 10, 50, 50), (100, 10, 40, 40), detection=FULL), sent_at=0.0)
    given = []
    for _ in range(7):
        given.append(hints.hint())
        hints.observe(analysis_with((11, 10, 50, 50), detection=TRACKED if given[-1] else FULL))
    assert given[0] == ((10, 10, 50, 50), (100, 10, 40, 40))  # every face, primary first
    assert [g is not None for g in given] == [True, True, True, False, True, True, True]


def test_no_hint_once_the_redetection_time_has_passed():
    now = [0.0]
    hints = TrackingHints(enabled=True, redetect_frames=100, redetect_s=2.0, clock=lambda: now[0])
    hints.observe(analysis_with((10, 10, 50, 50), detection=FULL), sent_at=0.0)
    now[0] = 1.9
    assert hints.hint() is not None
    now[0] = 2.0
    assert hints.hint() is None


def test_a_fallback_counts_as_the_full_detection():
    now = [0.0]
    hints = TrackingHints(enabled=True, redetect_frames=3, redetect_s=100, clock=lambda: now[0])
    hints.observe(analysis_with((10, 10, 50, 50), detection=FULL), sent_at=0.0)
    hints.observe(analysis_with((10, 10, 50, 50), detection=TRACKED))
    hints.observe(analysis_with((10, 10, 50, 50), detection=FULL))  # the tracked face was lost: full on that frame
    assert hints.hint() is not None
    hints.observe(analysis_with((10, 10, 50, 50), detection=TRACKED))
    assert hints.hint() is not None
    hints.observe(analysis_with((10, 10, 50, 50), detection=TRACKED))
    assert hints.hint() is None


def test_no_hint_after_a_frame_without_a_face_or_with_tracking_off():
    hints = TrackingHints(enabled=True, redetect_frames=8, redetect_s=100, clock=lambda: 0.0)
    hints.observe(analysis_with(detection=FULL), sent_at=0.0)
    assert hints.hint() is None
    off = TrackingHints(enabled=False, redetect_frames=8, redetect_s=100, clock=lambda: 0.0)
    off.observe(analysis_with((10, 10, 50, 50), detection=FULL), sent_at=0.0)
    assert off.hint() is None


# --- MTCNN in ONNX Runtime: the same networks as in NumPy ---------------------------------------------


@pytest.mark.parametrize(
    ("name", "numpy_net", "onnx_net", "shape"),
    [
        ("pnet", PNet, OnnxPNet, (1, 81, 107, 3)),
        ("pnet", PNet, OnnxPNet, (1, 13, 18, 3)),
        ("rnet", RNet, OnnxRNet, (16, 24, 24, 3)),
        ("onet", ONet, OnnxONet, (3, 48, 48, 3)),
    ],
)
def test_onnx_networks_compute_what_the_numpy_networks_compute(name, numpy_net, onnx_net, shape):
    weights = load_weights(f"{name}.lz4")
    rgb = cv2.resize(astronaut_bgr()[:, :, ::-1], (shape[2], shape[1]), interpolation=cv2.INTER_AREA)
    noise = np.random.default_rng(0).uniform(-0.2, 0.2, shape).astype(np.float32)
    x = ((rgb.astype(np.float32) - 127.5) / 128.0)[None] + noise  # a real picture, a different one per batch item
    for ours, theirs in zip(onnx_net(weights)(x), numpy_net(weights)(x)):
        assert ours.shape == theirs.shape
        np.testing.assert_allclose(ours, theirs, atol=1e-4)


def test_both_runtimes_find_the_same_face():
    rgb = np.ascontiguousarray(astronaut_bgr()[:, :, ::-1])
    (numpy_face,) = NumpyMTCNN(runtime="numpy").detect(rgb)
    (onnx_face,) = NumpyMTCNN(runtime="onnx").detect(rgb)
    np.testing.assert_allclose(onnx_face.box, numpy_face.box, atol=0.05)
    assert onnx_face.confidence == pytest.approx(numpy_face.confidence, abs=1e-4)
    with pytest.raises(ValueError, match="runtime"):
        NumpyMTCNN(runtime="tensorflow")
