"""Frames with an EXIF orientation (phones store pictures on their side) are turned upright, not
refused (issue #25, item 7: ``cv2.imdecode`` turned them before the size check, which then
answered ``truncated``).
"""

import io

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps

from tests.vision_fixtures import astronaut_bgr
from vision import pipeline
from vision.frames import decode_frame

LIMITS = {"max_bytes": 1024 * 1024, "max_width": 1920, "max_height": 1080, "max_scans": 32}
# How a camera stores an upright picture for each EXIF orientation (the inverse of what a viewer does).
STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def upright_rgb(size=(320, 240)) -> np.ndarray:
    return cv2.cvtColor(cv2.resize(astronaut_bgr(), size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)


def phone_jpeg(orientation: int, size=(320, 240)) -> bytes:
    picture = Image.fromarray(upright_rgb(size))
    stored = picture.transpose(STORED[orientation]) if STORED[orientation] is not None else picture
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


@pytest.mark.parametrize("orientation", STORED)
def test_a_frame_with_an_exif_orientation_is_decoded_upright(orientation):
    data = phone_jpeg(orientation)
    image = decode_frame(data, **LIMITS)
    assert image.shape == (240, 320, 3)
    # Pillow's own reading of the orientation agrees, and so does the picture before it was stored.
    reference = np.asarray(ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB"))
    assert np.abs(image[..., ::-1].astype(int) - reference).mean() < 3
    assert np.abs(image[..., ::-1].astype(int) - upright_rgb()).mean() < 3


def test_a_sideways_phone_frame_is_read_as_the_smiling_face_it_shows():
    analysis = pipeline.analyse_frame(phone_jpeg(6, size=(512, 384)))
    assert (analysis.width, analysis.height) == (512, 384)
    assert analysis.faces and analysis.faces[0].emotion == "happy"
