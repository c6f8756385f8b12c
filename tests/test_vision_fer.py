"""FER2013 faces (real, labelled) through the whole pipeline: bytes → detect → align → classify."""

import pytest

from tests.vision_fixtures import fer_faces, fer_frame
from vision import pipeline

SAMPLE = 30  # the first 30 public_test images of each class, by file name


def _read(emotion):
    analyses = [pipeline.analyse_frame(fer_frame(face)) for face in fer_faces(emotion, SAMPLE)]
    found = [a.primary for a in analyses if a.primary is not None]
    return found, sum(face.emotion == emotion for face in found)


@pytest.mark.parametrize("emotion", ["happy", "surprise"])
def test_clear_expressions_are_found_and_recognised(emotion):
    found, correct = _read(emotion)
    # Measured with the default model: happy 29 found / 24 right, surprise 25 / 20 (FER2013 is
    # 48×48, enlarged; MTCNN misses some). Chance would be 1 in 7.
    assert len(found) >= 0.75 * SAMPLE
    assert correct >= 0.6 * SAMPLE


@pytest.mark.parametrize("emotion,at_least", [("sad", 11), ("fear", 10)])
def test_sad_and_scared_faces_are_read_as_such(emotion, at_least):
    """The faces the product most needs to read, and the ones the `fer` wheel's mini-Xception missed.

    Of these same frames MTCNN finds 20 sad and 24 scared faces; the mini-Xception read 8 and 5 of
    them right (the rest mostly angry, neutral or sad), the default model 12 and 12.
    """
    found, correct = _read(emotion)
    assert len(found) >= 18
    assert correct >= at_least
