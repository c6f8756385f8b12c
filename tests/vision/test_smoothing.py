"""MoodSmoother: per-frame noise in, one stable mood out, honest about no face and doubt."""

import pytest

from core.emotions import EMOTIONS
from vision.pipeline import FaceResult, FrameAnalysis
from vision.smoothing import MoodSmoother

FPS = 5


def frame(emotion=None, p=0.9, **others):
    """A frame whose primary face shows `emotion` with probability p (rest spread evenly)."""
    if emotion is None and not others:
        return FrameAnalysis(width=320, height=240, faces=[])
    probabilities = dict(others)
    if emotion:
        probabilities[emotion] = p
    rest = (1 - sum(probabilities.values())) / (len(EMOTIONS) - len(probabilities))
    emotions = {e: probabilities.get(e, rest) for e in EMOTIONS}
    return FrameAnalysis(width=320, height=240, faces=[FaceResult((10, 10, 80, 100), 0.99, emotions, primary=True)])


def feed(smoother, frames, start=0.0):
    return [smoother.update(f, start + i / FPS) for i, f in enumerate(frames)]


def test_a_steady_face_establishes_its_mood_once():
    results = feed(MoodSmoother(hold=1.0), [frame("happy")] * 15)

    assert [r["changed"] for r in results].count(True) == 1
    first = next(i for i, r in enumerate(results) if r["changed"])
    assert first / FPS >= 1.0  # only after the hold time
    assert results[first]["mood"] == "happy" and results[-1]["mood"] == "happy"
    assert all(r["status"] == "face" for r in results)
    assert results[-1]["confidence"] == pytest.approx(0.9, abs=0.01)


def test_a_single_odd_frame_does_not_switch_the_mood():
    smoother = MoodSmoother()
    feed(smoother, [frame("happy")] * 10)
    results = feed(smoother, [frame("angry", 0.95)] + [frame("happy")] * 10, start=2.0)

    assert all(r["mood"] == "happy" and not r["changed"] for r in results)


def test_a_lasting_change_switches_exactly_once_after_the_hold():
    smoother = MoodSmoother(hold=1.0)
    feed(smoother, [frame("happy")] * 10)
    results = feed(smoother, [frame("sad")] * 20, start=2.0)

    switches = [i for i, r in enumerate(results) if r["changed"]]
    assert len(switches) == 1
    assert results[switches[0]]["mood"] == "sad"
    assert all(r["mood"] == "happy" for r in results[: switches[0]])
    assert 1.0 <= switches[0] / FPS <= 3.0


def test_a_flat_distribution_is_uncertain_and_changes_nothing():
    smoother = MoodSmoother()
    feed(smoother, [frame("neutral")] * 10)
    results = feed(smoother, [frame(happy=0.3, surprise=0.28, neutral=0.27)] * 15, start=2.0)

    assert results[-1]["status"] == "uncertain"
    assert results[-1]["mood"] == "neutral"  # the stable mood is kept through doubt
    assert not any(r["changed"] for r in results)


def test_a_reading_is_clear_only_when_its_top_emotion_is_high_enough_and_leads():
    smoother = MoodSmoother(min_probability=0.40, min_margin=0.10)

    def reading(**p):
        return [frame(**p).primary.emotions[e] for e in EMOTIONS]

    assert smoother.is_clear(reading(sad=0.45, fear=0.30))
    assert not smoother.is_clear(reading(sad=0.45, fear=0.40))  # leads by too little
    assert not smoother.is_clear(reading(sad=0.38, fear=0.10))  # too low, though far ahead
    # The stream applies the same rule: a steady 0.45 against 0.40 never settles a mood.
    results = feed(smoother, [frame(sad=0.45, fear=0.40)] * 15)
    assert results[-1]["status"] == "uncertain" and results[-1]["mood"] is None


def test_no_face_only_after_a_gap_and_the_mood_is_kept():
    smoother = MoodSmoother(no_face_after=2.0)
    feed(smoother, [frame("happy")] * 10)  # t = 0 .. 1.8

    brief = smoother.update(frame(), 2.5)  # 0.7 s without a face: a missed detection
    assert brief["status"] == "face"
    gone = smoother.update(frame(), 4.0)  # 2.2 s without a face
    assert gone == {"status": "no_face", "mood": "happy", "confidence": 0.0, "changed": False}

    # Back with the same mood: no change event; the average starts afresh from the new face.
    back = feed(smoother, [frame("happy", 0.7)] * 3, start=5.0)
    assert [r["status"] for r in back] == ["face"] * 3
    assert not any(r["changed"] for r in back)
    assert back[0]["confidence"] == pytest.approx(0.7, abs=0.01)


def test_before_any_face_the_stream_reports_no_face():
    assert MoodSmoother().update(frame(), 0.0) == {
        "status": "no_face",
        "mood": None,
        "confidence": 0.0,
        "changed": False,
    }


def test_smoothing_does_not_depend_on_the_frame_rate():
    slow, fast = MoodSmoother(), MoodSmoother()
    for t in (0.0, 0.5, 1.0):
        slow.update(frame("happy"), t)
    for i in range(11):
        fast.update(frame("happy"), i / 10)
    a = slow.update(frame("sad"), 1.5)
    b = fast.update(frame("sad"), 1.5)
    assert a["confidence"] == pytest.approx(b["confidence"], abs=1e-6)
