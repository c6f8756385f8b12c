"""FER2013 faces (real, labelled) through the whole pipeline: bytes → detect → align → classify."""

import pytest

from tests.vision_fixtures import fer_faces, fer_frame
from vision import pipeline

SAMPLE = 30  # the first 30 public_test images of each class, by file name


@pytest.mark.parametrize("emotion", ["happy", "surprise"])
def test_clear_expressions_are_found_and_recognised(emotion):
    analyses = [pipeline.analyse_frame(fer_frame(face)) for face in fer_faces(emotion, SAMPLE)]

    found = [a.primary for a in analyses if a.primary is not None]
    correct = sum(face.emotion == emotion for face in found)
    # Measured: happy 29 found / 23 right, surprise 25 found / 16 right (FER2013 is 48×48,
    # enlarged; MTCNN misses some). Chance would be 1 in 7.
    assert len(found) >= 0.75 * SAMPLE
    assert correct >= 0.5 * SAMPLE
