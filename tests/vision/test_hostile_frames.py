"""Fuzzing the frame decoder: whatever bytes arrive, the answer is a typed FrameError or an analysis.

Hypothesis generates random bytes, damaged real frames (cut, bit-flipped, spliced, with a
foreign magic number) and forged PNG headers claiming any size. `decode_frame` takes them all;
the full `analyse_frame` (decode, MTCNN, the emotion CNN) takes the damaged real frames, whose
pixels often still decode. The cases tried, by outcome, are printed (run with `-s`) and asserted.
"""

import struct
import zlib
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.vision_fixtures import astronaut_frame, coffee_frame
from vision import errors
from vision.frames import decode_frame
from vision.pipeline import FrameAnalysis, analyse_frame, warm_up

pytestmark = pytest.mark.slow

DECODER_CASES = 400
PIPELINE_CASES = 120
LIMITS = {"max_bytes": 1024 * 1024, "max_width": 1920, "max_height": 1080, "max_scans": 32}
TYPED_CODES = {
    cls.code
    for cls in (
        errors.EmptyFrame,
        errors.TruncatedFrame,
        errors.NotAnImage,
        errors.UnsupportedFormat,
        errors.FrameTooLarge,
        errors.TooManyPixels,
        errors.TooManyScans,
    )
}
FUZZ = dict(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

REAL_FRAMES = [astronaut_frame(), astronaut_frame(160, 120, ".png"), astronaut_frame(ext=".webp"), coffee_frame()]
MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBP", b"GIF89a", b"BM", b"%PDF-1.4"]


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@st.composite
def damaged_frames(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL_FRAMES)))
    for _ in range(draw(st.integers(1, 4))):
        operation = draw(st.sampled_from(["cut", "flip", "splice", "magic", "append"]))
        if operation == "cut" and len(data) > 1:
            start = draw(st.integers(0, len(data) - 1))
            data = data[:start] + data[draw(st.integers(start, len(data))) :]
        elif operation == "flip" and data:
            for position in draw(st.lists(st.integers(0, len(data) - 1), min_size=1, max_size=20)):
                data[position] = draw(st.integers(0, 255))
        elif operation == "splice":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(min_size=1, max_size=256)) + data[at:]
        elif operation == "magic":
            magic = draw(st.sampled_from(MAGIC))
            data = bytearray(magic) + data[len(magic) :]
        else:
            data += draw(st.binary(max_size=128))
    return bytes(data)


@st.composite
def forged_png_headers(draw) -> bytes:
    width, height = draw(st.integers(0, 2**31 - 1)), draw(st.integers(0, 2**31 - 1))
    depth, colour = draw(st.sampled_from([1, 2, 4, 8, 16])), draw(st.sampled_from([0, 2, 3, 4, 6, 7]))
    header = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, 0))
    body = png_chunk(b"IDAT", zlib.compress(draw(st.binary(max_size=512))))
    return b"\x89PNG\r\n\x1a\n" + header + body + png_chunk(b"IEND", b"")


hostile_frames = st.one_of(st.binary(max_size=4096), damaged_frames(), forged_png_headers())


def outcome(call, data: bytes) -> str:
    """'decoded' or the FrameError's code; anything else raised fails the test."""
    try:
        result = call(data)
    except errors.FrameError as error:
        assert error.code in TYPED_CODES, f"untyped code {error.code!r}"
        assert str(error).strip(), "a FrameError without a message"
        return error.code
    return "decoded" if result is not None else "nothing"


def test_the_decoder_answers_every_hostile_frame_with_a_typed_error_or_an_image():
    tried = Counter()

    @settings(max_examples=DECODER_CASES, **FUZZ)
    @given(hostile_frames)
    def decode(data):
        tried[outcome(lambda d: decode_frame(d, **LIMITS), data)] += 1

    decode()
    print(f"\ndecode_frame: {sum(tried.values())} hostile frames tried: {dict(tried.most_common())}")
    assert sum(tried.values()) >= DECODER_CASES
    assert tried["nothing"] == 0
    # The fuzzer reached deep: refusals of several kinds, and damaged frames that still decode.
    assert len(set(tried) & TYPED_CODES) >= 4, tried
    assert tried["decoded"] > 0, tried


def test_the_whole_pipeline_answers_every_damaged_frame_with_a_typed_error_or_an_analysis():
    warm_up()
    tried = Counter()

    def analyse(data):
        analysis = analyse_frame(data)
        assert isinstance(analysis, FrameAnalysis)
        for face in analysis.to_dict()["faces"]:
            assert abs(sum(face["emotions"].values()) - 1.0) < 1e-3
        return analysis

    @settings(max_examples=PIPELINE_CASES, **FUZZ)
    @given(damaged_frames())
    def run(data):
        tried[outcome(analyse, data)] += 1

    run()
    print(f"\nanalyse_frame: {sum(tried.values())} damaged frames tried: {dict(tried.most_common())}")
    assert sum(tried.values()) >= PIPELINE_CASES
    assert tried["decoded"] > 0 and len(set(tried) & TYPED_CODES) >= 2, tried
