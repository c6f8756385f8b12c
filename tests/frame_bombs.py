"""Hostile JPEGs that decode slowly: progressive frames of thousands of tiny scans (issue #25, item 1).

Each scan of a progressive JPEG is a pass over the whole picture, so a 1920×1080 frame whose last
scan is repeated 20,000 times (240 kB) costs seconds of decoding, and the decoder accepts it.
"""

import io

import numpy as np
from PIL import Image


def jpeg_segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, bytes) of a JPEG after its SOI: each header segment, each scan with its entropy-coded data."""
    segments, pos = [], 2
    while pos < len(data):
        marker = data[pos + 1]
        if marker == 0xD9:
            segments.append((marker, data[pos : pos + 2]))
            break
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:
            while True:  # the entropy-coded data runs to the next marker that is not a stuffed FF or a restart
                end = data.index(b"\xff", end)
                if data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7:
                    end += 2
                    continue
                break
        segments.append((marker, data[pos:end]))
        pos = end
    return segments


def progressive_jpeg(size=(1920, 1080), quality: int = 5) -> bytes:
    rng = np.random.default_rng(0)
    small = Image.fromarray(rng.integers(0, 256, (36, 64, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    small.resize(size).save(buffer, "JPEG", progressive=True, quality=quality)
    return buffer.getvalue()


def scan_bomb(scans: int, size=(1920, 1080)) -> bytes:
    """A progressive JPEG of about ``scans`` scans: its smallest scan after the first, repeated."""
    data = progressive_jpeg(size)
    segments = jpeg_segments(data)
    smallest = min([s for m, s in segments if m == 0xDA][1:], key=len)
    head = data[:2] + b"".join(s for m, s in segments if m != 0xD9)
    return head + smallest * scans + b"\xff\xd9"
