"""Frame bytes → a BGR image, with every check that can be made before decoding made first.

Frames stay in memory: nothing here (or anywhere in the pipeline) writes them to disk.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from vision.errors import (
    EmptyFrame,
    FrameTooLarge,
    NotAnImage,
    TooManyPixels,
    TooManyScans,
    TruncatedFrame,
    UnsupportedFormat,
)

JPEG, PNG, WEBP = "jpeg", "png", "webp"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def sniff_format(data: bytes) -> str | None:
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == _PNG_SIGNATURE:
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    return None


def _is_complete(data: bytes, fmt: str) -> bool:
    if fmt == JPEG:
        # End-of-image marker; a few trailing bytes after it are tolerated (some encoders pad).
        return data.rfind(b"\xff\xd9") >= max(2, len(data) - 64)
    if fmt == PNG:
        return data.rstrip(b"\x00").endswith(_PNG_END)
    riff_size = int.from_bytes(data[4:8], "little")
    return len(data) >= riff_size + 8


def count_jpeg_scans(data: bytes) -> int:
    """The JPEG's start-of-scan markers (0 when it has none), counted without decoding anything.

    The header's segments are stepped over by their lengths, so an EXIF thumbnail (a JPEG of its
    own inside APP1) is not counted; from the first scan on, every FF DA pair is a marker, as the
    entropy-coded data stuffs each FF byte it holds with a 00. A camera frame has one scan, a
    progressive JPEG about ten.
    """
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return 0  # not a marker where one belongs: damaged, the decoder says so
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
        elif marker == 0xDA:
            return 1 + data.count(b"\xff\xda", pos + 2)
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # markers without a length
            pos += 2
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return 0


def check_size(data: bytes, max_bytes: int) -> None:
    """Raise `EmptyFrame` or `FrameTooLarge`: the checks that need nothing but the length.

    `decode_frame` makes them first; a caller that would pass the bytes on (the live stream,
    before a frame goes to a vision worker) makes them itself, with the same limit.
    """
    if not data:
        raise EmptyFrame("The frame is empty (0 bytes).")
    if len(data) > max_bytes:
        raise FrameTooLarge(f"The frame is {len(data):,} bytes; at most {max_bytes:,} are accepted.")


def decode_frame(data: bytes, *, max_bytes: int, max_width: int, max_height: int, max_scans: int) -> np.ndarray:
    """Return the frame as a BGR uint8 array or raise a `FrameError` subclass.

    Order matters: size in bytes, then the format's magic number, then the header's
    dimensions (Pillow reads only the header), then completeness, then a JPEG's scan count
    (``max_scans``: a 240 kB progressive JPEG of 20,000 scans cost 4–6 s of decoding), and only
    then the decode, so an oversized or hostile frame is refused before any pixel memory is
    allocated or any second of CPU spent. An EXIF orientation is applied on purpose, after the
    decode (``_upright``): a phone's sideways picture is analysed upright.
    """
    check_size(data, max_bytes)

    fmt = sniff_format(data)
    if fmt is None:
        try:
            with Image.open(io.BytesIO(data)) as other:
                kind = other.format
        except Image.DecompressionBombError:
            # A foreign format whose header claims billions of pixels (found by tests/vision/test_hostile_frames.py).
            raise UnsupportedFormat("Only JPEG, PNG or WebP frames are accepted.") from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise NotAnImage("The frame is not an image (expected JPEG, PNG or WebP bytes).") from None
        raise UnsupportedFormat(f"{kind} frames are not accepted; send JPEG, PNG or WebP.")

    try:
        with Image.open(io.BytesIO(data)) as header:
            width, height = header.size
            orientation = _orientation(header)
    except Image.DecompressionBombError:
        raise TooManyPixels(f"The frame's header claims far more than {max_width}×{max_height} pixels.") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise TruncatedFrame(f"The {fmt.upper()} frame is cut short or damaged: its header cannot be read.") from None
    long_side, short_side = max(width, height), min(width, height)
    if long_side > max(max_width, max_height) or short_side > min(max_width, max_height):
        raise TooManyPixels(f"The frame is {width}×{height}; at most {max_width}×{max_height} is accepted.")

    if not _is_complete(data, fmt):
        raise TruncatedFrame(f"The {fmt.upper()} frame is cut short: its end is missing.")

    if fmt == JPEG and (scans := count_jpeg_scans(data)) > max_scans:
        raise TooManyScans(f"The JPEG frame has {scans:,} scans; at most {max_scans} are accepted.")

    try:
        # The pixels as stored, the size the header states; the rotation is applied below, on purpose.
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR | cv2.IMREAD_IGNORE_ORIENTATION)
    except cv2.error:
        image = None
    if image is None or image.shape[:2] != (height, width):
        raise TruncatedFrame(f"The {fmt.upper()} frame is damaged and cannot be decoded.")
    return _upright(image, orientation)


# EXIF orientation → the operations that show the stored pixels upright (EXIF 2.3, tag 0x0112).
_ORIENTATIONS = {
    2: (lambda im: cv2.flip(im, 1),),
    3: (lambda im: cv2.rotate(im, cv2.ROTATE_180),),
    4: (lambda im: cv2.flip(im, 0),),
    5: (cv2.transpose,),
    6: (lambda im: cv2.rotate(im, cv2.ROTATE_90_CLOCKWISE),),
    7: (cv2.transpose, lambda im: cv2.rotate(im, cv2.ROTATE_180)),
    8: (lambda im: cv2.rotate(im, cv2.ROTATE_90_COUNTERCLOCKWISE),),
}


def _orientation(header: Image.Image) -> int:
    try:
        value = header.getexif().get(0x0112, 1)
    except Exception:  # a damaged EXIF block: the picture is read as stored
        return 1
    return value if value in _ORIENTATIONS else 1


def _upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """The frame as its sender meant it to be seen: a phone's picture stored on its side, with an EXIF
    orientation, is turned upright, since the face detector and the emotion CNN expect upright faces.
    Done here, after the size check against the stored size, and not by ``cv2.imdecode`` (which
    would turn it before that check, and refused every such frame as truncated)."""
    for step in _ORIENTATIONS.get(orientation, ()):
        image = step(image)
    return np.ascontiguousarray(image)
