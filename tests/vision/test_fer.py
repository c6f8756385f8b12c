"""FER2013 faces (real, labelled) through the whole pipeline: bytes → detect → align → classify."""

import pytest

from tests.vision_fixtures import fer_faces, fer_frame
from vision import pipeline

SAMPLE = 30  # the first 30 public_test images of each class, by file name


def _read(emotion, sample=SAMPLE):
    analyses = [pipeline.analyse_frame(fer_frame(face)) for face in fer_faces(emotion, sample)]
    found = [a.primary for a in analyses if a.primary is not None]
    return found, sum(face.emotion == emotion for face in found)


@pytest.mark.parametrize("emotion", ["happy", "surprise"])
def test_clear_expressions_are_found_and_recognised(emotion):
    found, correct = _read(emotion)
    # Measured with the default model: happy 29 found / 24 right, surprise 25 / 21 (FER2013 is
    # 48×48, enlarged; MTCNN misses some). Chance would be 1 in 7.
    assert len(found) >= 0.75 * SAMPLE
    assert correct >= 0.6 * SAMPLE


@pytest.mark.parametrize("emotion,at_least", [("sad", 34), ("fear", 28)])
def test_sad_and_scared_faces_are_read_as_such(emotion, at_least):
    """The faces the product most needs to read, and the ones the `fer` wheel's mini-Xception missed.

    Of the first 90 of each class MTCNN finds 64 sad and 73 scared faces in these frames. Read
    right (measured 2026-12-02): the mini-Xception 30 and 23 — it fails this test — the float32
    VGG-32 pair 41 and 37, the default (int8, a VGG-64 and two VGG-32) 39 and 33. Ninety faces,
    not thirty: twenty found faces are too few to tell models apart (the float32 and int8 files of
    the same three networks already differ by one or two).
    """
    found, correct = _read(emotion, 90)
    assert len(found) >= 55
    assert correct >= at_least
