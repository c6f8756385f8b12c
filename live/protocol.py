"""The live stream's messages: text messages parsed, and every payload the server sends built here.

Every binary message (a JPEG frame) gets exactly one answer: ``analysis``, ``dropped`` or
``error``; so does every ``reading`` (private mode: the browser's own analysis in place of a
frame, checked by ``live.readings``), as ``analysis`` or ``error``. Text messages are small JSON objects; anything else gets an ``error`` and the
connection stays open. The consumer (``live.consumers``) only decides *when* to send; what
goes out, error payloads above all, is written once, in this module.
"""

from core.emotions import EMOTIONS
from core.jsonbody import JsonBodyError, loads_bounded
from live.errors import Dropped, ProtocolError
from live.limits import LiveLimits
from live.readings import parse_reading
from vision.errors import FrameError
from vision.pipeline import FrameAnalysis

# The close code when the socket's session has ended (logout, password change, deleted account).
SESSION_ENDED = 4001
TEXT_MAX_DEPTH = 4  # a message is one flat object; a little room for what a client may add
TEXT_MESSAGE_TYPES = ("ping", "manual_mood", "follow_camera", "reading", "calibrate_neutral", "reset_neutral")


def parse_text_message(text: str, limits: LiveLimits) -> dict:
    """A validated text message: ``{"type": "ping"}``, ``{"type": "manual_mood", "emotion": ...}``
    (the listener picks a mood: the camera's changes are no longer announced) or
    ``{"type": "follow_camera"}`` (the camera's stable mood drives the music again) or a reading
    (``live.readings.parse_reading``: ``{"type": "reading", "seq", "analysis"}``), or
    ``{"type": "calibrate_neutral", "remember": bool}`` ("this is my neutral face": the next seconds of
    readings calibrate it; kept on the account only with ``remember`` and a logged-in listener) or
    ``{"type": "reset_neutral"}``."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_text_bytes:
        raise ProtocolError("text_too_large", f"Text messages are limited to {limits.max_text_bytes} bytes.")
    try:
        # Nesting counted before parsing: "[" * 1990 is under the size limit but would be a
        # RecursionError in json.loads, which closed the socket with 1011.
        message = loads_bounded(text, max_bytes=limits.max_text_bytes, max_depth=TEXT_MAX_DEPTH)
    except JsonBodyError:
        raise ProtocolError("bad_json", 'Text messages must be JSON objects, e.g. {"type": "ping"}.') from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("bad_message", 'A message must be a JSON object with a string "type".')
    kind = message["type"]
    if kind not in TEXT_MESSAGE_TYPES:
        raise ProtocolError(
            "unknown_type", f"Unknown message type {kind[:40]!r}; expected one of {', '.join(TEXT_MESSAGE_TYPES)}."
        )
    if kind == "manual_mood":
        emotion = message.get("emotion")
        if emotion not in EMOTIONS:
            raise ProtocolError("bad_emotion", f'"emotion" must be one of {", ".join(EMOTIONS)}.')
        return {"type": "manual_mood", "emotion": emotion}
    if kind == "reading":
        return parse_reading(message, limits)
    if kind == "calibrate_neutral":
        remember = message.get("remember", False)
        if not isinstance(remember, bool):
            raise ProtocolError("bad_message", '"remember" must be true or false.')
        return {"type": kind, "remember": remember}
    return {"type": kind}


def hello(*, authenticated: bool, mode: str, limits: LiveLimits) -> dict:
    return {
        "type": "hello",
        "authenticated": authenticated,
        "mode": mode,
        "emotions": list(EMOTIONS),
        "limits": limits.public(),
    }


def neutral(status: str, *, calibration=None, remembered: bool = False, message: str = "", seconds=None) -> dict:
    """The state of the listener's own neutral: ``collecting`` (for ``seconds``), ``done`` (with
    the fitted numbers and whether they are kept on the account), ``failed`` (why), ``reset``."""
    payload = {"type": "neutral", "status": status}
    if seconds is not None:
        payload["seconds"] = seconds
    if calibration is not None:
        payload["calibration"] = calibration.to_dict()
        payload["remembered"] = remembered
    if message:
        payload["message"] = message
    return payload


def pong() -> dict:
    return {"type": "pong"}


def analysis(seq: int, result: FrameAnalysis, mood: dict) -> dict:
    data = result.to_dict()
    return {
        "type": "analysis",
        "seq": seq,
        "width": data["width"],
        "height": data["height"],
        "faces": data["faces"],
        "mood": mood,
        "timings_ms": data["timings_ms"],
        # "tracked" (found from the previous frame's faces) or "full" (the whole detector)
        "detection": data["detection"],
    }


def mood_changed(emotion: str, confidence: float, source: str) -> dict:
    return {"type": "mood_changed", "mood": emotion, "confidence": confidence, "source": source}


def error(code: str, message: str, seq: int | None = None) -> dict:
    payload = {"type": "error", "code": code, "message": message}
    if seq is not None:
        payload["seq"] = seq
    return payload


def text_failure(failure: ProtocolError) -> dict:
    """The answer to a text message the server will not act on (a refused reading's names its seq)."""
    return error(failure.code, failure.message, failure.seq)


def frame_failure(seq: int, failure: BaseException, limits: LiveLimits) -> dict:
    """The one answer to frame ``seq`` when it gets no analysis, whatever stopped it.

    The errors are those of ``live.errors`` (both vision back-ends raise the same ones); any
    other exception is a fault of the server and is answered as ``internal``.
    """
    if isinstance(failure, Dropped):
        return {"type": "dropped", "seq": seq, "reason": failure.reason}
    if isinstance(failure, ProtocolError):
        return error(failure.code, failure.message, seq)
    if isinstance(failure, FrameError):
        return error(failure.code, str(failure) or "The frame could not be read.", seq)
    if isinstance(failure, TimeoutError):
        return error("vision_timeout", f"No analysis within {limits.frame_timeout:g} s; send the next frame.", seq)
    # VisionFailed, or an exception nobody expected (the consumer logs those).
    return error("internal", "The frame could not be analysed.", seq)
