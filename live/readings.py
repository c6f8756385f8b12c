"""A reading: what a page in private mode sends instead of a frame, checked as untrusted input.

In private mode the listener's browser runs the vision pipeline itself (static/js/private/) and
sends only its answer: ``{"type": "reading", "seq", "width", "height", "faces": [{"box",
"emotions"}]}``. Nothing the server computes depends on a reading's honesty beyond that
listener's own mood and music, but everything it stores or answers does depend on its shape, so
a reading is refused whole (a typed ``ProtocolError``, nothing changed) unless every part holds:
known emotions only, each score a finite number in [0, 1], the seven summing to about 1, at most
``VISION_MAX_FACES`` faces, every box inside the frame the reading states, and that frame no
larger than a frame the server would analyse itself. Checks go cheapest first, and each message
says what was wrong, not what the rest of the reading held.
"""

import math

from core.emotions import EMOTIONS
from live.errors import ReadingRefused
from live.limits import MAX_SEQ, LiveLimits
from vision.pipeline import FaceResult, FrameAnalysis

DEVICE = "device"  # FrameAnalysis.detection of a reading: the faces were found in the listener's browser
SUM_TOLERANCE = 0.02  # the browser sends scores rounded to 4 decimals from float32 softmax: ~1e-4 off at most
READING_KEYS = {"type", "seq", "width", "height", "faces"}
FACE_KEYS = {"box", "emotions", "confidence"}


def _is_int(value) -> bool:
    return type(value) is int  # not bool, not float


def _is_number(value) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def read_seq(message: dict) -> int | None:
    """The reading's own ``seq`` when it is usable, so even a refusal can name the reading it answers."""
    seq = message.get("seq")
    return seq if _is_int(seq) and 0 <= seq <= MAX_SEQ else None


def parse_reading(message: dict, limits: LiveLimits) -> dict:
    """``{"type": "reading", "seq", "analysis": FrameAnalysis}``, or ``ReadingRefused`` carrying the seq."""
    seq = read_seq(message)

    def refuse(code: str, text: str):
        raise ReadingRefused(code, text, seq)

    if seq is None:
        refuse("bad_reading", f'"seq" must be an integer from 0 to {MAX_SEQ}.')
    unknown = set(message) - READING_KEYS
    if unknown:
        refuse("bad_reading", f"Unknown field {sorted(unknown)[0][:40]!r} in a reading.")
    width, height = message.get("width"), message.get("height")
    if not (_is_int(width) and _is_int(height) and 0 < width <= limits.max_width and 0 < height <= limits.max_height):
        refuse(
            "bad_reading",
            f'"width" and "height" must be the frame\'s size in pixels, at most {limits.max_width}×{limits.max_height}.',
        )
    faces = message.get("faces")
    if not isinstance(faces, list):
        refuse("bad_reading", '"faces" must be a list (empty when no face is in view).')
    if len(faces) > limits.max_faces:
        refuse("too_many_faces", f"A reading may hold at most {limits.max_faces} faces.")
    results = [_parse_face(face, width, height, refuse) for face in faces]
    # Largest first, as the server's own analysis orders them: the primary face is the nearest.
    results.sort(key=lambda face: face.area, reverse=True)
    for i, face in enumerate(results):
        face.primary = i == 0
    analysis = FrameAnalysis(width=width, height=height, faces=results, detection=DEVICE)
    return {"type": "reading", "seq": seq, "analysis": analysis}


def _parse_face(face, width: int, height: int, refuse) -> FaceResult:
    if not isinstance(face, dict):
        refuse("bad_face", 'Each face must be an object {"box": [x, y, w, h], "emotions": {...}}.')
    unknown = set(face) - FACE_KEYS
    if unknown:
        refuse("bad_face", f"Unknown field {sorted(unknown)[0][:40]!r} in a face.")
    box = face.get("box")
    if not (isinstance(box, list) and len(box) == 4 and all(_is_int(v) for v in box)):
        refuse("bad_box", '"box" must be four integers [x, y, w, h] in frame pixels.')
    x, y, w, h = box
    if not (x >= 0 and y >= 0 and w > 1 and h > 1 and x + w <= width and y + h <= height):
        refuse("bad_box", f"A face's box must lie inside the {width}×{height} frame.")
    confidence = face.get("confidence", 1.0)
    if not (_is_number(confidence) and 0.0 <= confidence <= 1.0):
        refuse("bad_face", '"confidence" must be a number from 0 to 1.')
    emotions = face.get("emotions")
    if not isinstance(emotions, dict):
        refuse("bad_scores", f'"emotions" must be an object of the seven scores: {", ".join(EMOTIONS)}.')
    unknown = set(emotions) - set(EMOTIONS)
    if unknown:
        refuse("unknown_emotion", f"Unknown emotion {str(sorted(unknown)[0])[:40]!r}; expected {', '.join(EMOTIONS)}.")
    if len(emotions) != len(EMOTIONS):
        refuse("bad_scores", f"A face needs all seven scores: {', '.join(EMOTIONS)}.")
    scores = [emotions[e] for e in EMOTIONS]
    if not all(_is_number(p) and 0.0 <= p <= 1.0 for p in scores):
        refuse("bad_scores", "Each score must be a finite number from 0 to 1.")
    if abs(math.fsum(scores) - 1.0) > SUM_TOLERANCE:
        refuse("bad_scores", "The seven scores must sum to 1.")
    return FaceResult(
        box=(x, y, w, h),
        confidence=float(confidence),
        emotions={e: float(p) for e, p in zip(EMOTIONS, scores)},
    )
