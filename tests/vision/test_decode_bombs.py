"""A progressive JPEG of thousands of tiny scans is refused before decoding (issue #25, item 1).

A 240 kB frame of 20,000 scans cost 4–6 s of one core in ``cv2.imdecode``; the scan count is read
from the bytes (`vision.frames.count_jpeg_scans`) and checked against VISION_MAX_JPEG_SCANS first.
"""

import cv2
import pytest

from tests.frame_bombs import progressive_jpeg, scan_bomb
from tests.vision_fixtures import astronaut_frame
from vision import pipeline
from vision.errors import FrameError
from vision.frames import count_jpeg_scans, decode_frame

LIMITS = {"max_bytes": 1024 * 1024, "max_width": 1920, "max_height": 1080, "max_scans": 32}


def with_exif_thumbnail(frame: bytes) -> bytes:
    """``frame`` with an APP1 segment that carries a JPEG of its own, as a phone's EXIF thumbnail does."""
    thumbnail = progressive_jpeg((160, 90))
    body = b"Exif\x00\x00" + thumbnail
    return frame[:2] + b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body + frame[2:]


def test_a_jpeg_of_thousands_of_scans_is_refused_without_decoding(monkeypatch):
    def decode_must_not_run(*args, **kwargs):
        raise AssertionError("cv2.imdecode ran on a frame that the scan check should refuse")

    bomb = scan_bomb(2000)
    assert len(bomb) < 100_000 and count_jpeg_scans(bomb) > 2000
    monkeypatch.setattr(cv2, "imdecode", decode_must_not_run)
    with pytest.raises(FrameError) as raised:
        decode_frame(bomb, **LIMITS)
    assert raised.value.code == "too_many_scans"
    assert "2,010 scans" in raised.value.message


def test_camera_and_progressive_frames_are_decoded():
    assert count_jpeg_scans(astronaut_frame()) == 1
    assert count_jpeg_scans(progressive_jpeg()) == 10
    for frame in (astronaut_frame(), progressive_jpeg()):
        assert decode_frame(frame, **LIMITS).ndim == 3


def test_an_exif_thumbnail_is_not_counted_as_a_scan():
    frame = with_exif_thumbnail(astronaut_frame())
    assert frame.count(b"\xff\xda") == 1 + 10  # the thumbnail's scans are in the bytes ...
    assert count_jpeg_scans(frame) == 1  # ... but not in the picture
    assert decode_frame(frame, **dict(LIMITS, max_scans=1)).shape == (240, 320, 3)


def test_the_scan_limit_comes_from_settings(settings):
    settings.VISION_MAX_JPEG_SCANS = 5
    with pytest.raises(FrameError) as raised:
        pipeline.analyse_frame(progressive_jpeg((320, 240)))
    assert raised.value.code == "too_many_scans"
