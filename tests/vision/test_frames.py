"""Every kind of bad frame is answered with its typed error, before any pixel is decoded."""

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from tests.vision_fixtures import astronaut_bgr, astronaut_frame, encode
from vision import pipeline
from vision.errors import FrameError
from vision.frames import decode_frame

LIMITS = {"max_bytes": 1024 * 1024, "max_width": 1920, "max_height": 1080, "max_scans": 32}


def pillow_bytes(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def webp_frame() -> bytes:
    return pillow_bytes(Image.fromarray(cv2.cvtColor(astronaut_bgr(), cv2.COLOR_BGR2RGB)), "WEBP")


def noise_png(width: int, height: int) -> bytes:
    rng = np.random.default_rng(4)
    return encode(rng.integers(0, 256, (height, width, 3), dtype=np.uint8), ".png")


def png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and an IHDR chunk claiming width×height, then the end chunk: no pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


BAD_FRAMES = {
    "empty": (lambda: b"", "empty"),
    "truncated JPEG": (lambda: astronaut_frame()[:6000], "truncated"),
    "JPEG without its last bytes": (lambda: astronaut_frame()[:-2], "truncated"),
    "header-only JPEG": (lambda: astronaut_frame()[:20], "truncated"),
    "truncated PNG": (lambda: astronaut_frame(ext=".png")[:30000], "truncated"),
    "truncated WebP": (lambda: webp_frame()[:5000], "truncated"),
    "text": (lambda: b"hello, this is not a picture", "not_an_image"),
    "HTML": (lambda: b"<!doctype html><html><body>frame</body></html>", "not_an_image"),
    "random bytes": (lambda: np.random.default_rng(1).bytes(5000), "not_an_image"),
    "GIF": (lambda: pillow_bytes(Image.new("RGB", (32, 32)), "GIF"), "unsupported_format"),
    "over 1 MiB": (lambda: noise_png(640, 640), "too_large"),
    "wider than 1920": (lambda: encode(np.zeros((100, 2000, 3), np.uint8)), "too_many_pixels"),
    "taller than 1080 in landscape": (lambda: encode(np.zeros((1200, 1300, 3), np.uint8)), "too_many_pixels"),
    # 25 megapixels in a few kB: refused from the header, never decoded.
    "PNG bomb": (lambda: encode(np.zeros((5000, 5000), np.uint8), ".png"), "too_many_pixels"),
    "header claiming 400 megapixels": (lambda: png_header_only(20000, 20000), "too_many_pixels"),
    "PNG without pixel data": (lambda: png_header_only(320, 240), "truncated"),
}


@pytest.mark.parametrize("name", BAD_FRAMES)
def test_bad_frame_is_answered_with_its_typed_error(name):
    make, code = BAD_FRAMES[name]
    data = make()
    with pytest.raises(FrameError) as raised:
        pipeline.analyse_frame(data)
    assert raised.value.code == code
    assert raised.value.message and str(raised.value) == raised.value.message


def test_the_png_bomb_is_small_in_bytes():
    data = BAD_FRAMES["PNG bomb"][0]()
    assert len(data) < LIMITS["max_bytes"]  # so it is the dimension check that refuses it


def test_oversized_frame_is_refused_without_decoding(monkeypatch):
    def decode_must_not_run(*args, **kwargs):
        raise AssertionError("cv2.imdecode ran on a frame that the header check should refuse")

    monkeypatch.setattr(cv2, "imdecode", decode_must_not_run)
    with pytest.raises(FrameError) as raised:
        decode_frame(BAD_FRAMES["PNG bomb"][0](), **LIMITS)
    assert raised.value.code == "too_many_pixels"


def test_size_limits_come_from_settings(settings):
    settings.VISION_MAX_FRAME_BYTES = 10_000
    with pytest.raises(FrameError) as raised:
        pipeline.analyse_frame(astronaut_frame())  # ~18 kB
    assert raised.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [astronaut_frame(), astronaut_frame(ext=".png"), webp_frame(), encode(np.zeros((1920, 1080, 3), np.uint8))],
    ids=["jpeg", "png", "webp", "portrait 1080x1920"],
)
def test_good_frames_decode_to_bgr(data):
    image = decode_frame(data, **LIMITS)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
