"""The live stream's protocol: message validation, rate limits and where a frame is analysed.

The websocket consumer stays thin and calls into this module. Every binary message (a JPEG
frame) gets exactly one answer: ``analysis``, ``dropped`` or ``error``. Text messages are small
JSON objects; anything else gets an ``error`` and the connection stays open.
"""

import asyncio
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings

from core.emotions import EMOTIONS
# Imported here, at server start, not on a first frame inside the event loop.
from vision.pipeline import FaceResult, FrameAnalysis, analyse_frame, warm_up
from vision.smoothing import MoodSmoother

TEXT_MESSAGE_TYPES = ("ping", "manual_mood")


class ProtocolError(Exception):
    """A message the server will not act on; sent back as ``{"type": "error", code, message}``."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message

    def payload(self, **extra) -> dict:
        return {"type": "error", "code": self.code, "message": self.message, **extra}


class VisionBusy(Exception):
    """No capacity for another frame right now: the frame is dropped, not queued."""


@dataclass(frozen=True)
class LiveLimits:
    max_frame_bytes: int
    max_text_bytes: int
    max_frames_per_second: float
    max_texts_per_second: float
    frame_timeout: float

    @classmethod
    def from_settings(cls) -> "LiveLimits":
        return cls(
            max_frame_bytes=settings.LIVE_MAX_FRAME_BYTES,
            max_text_bytes=settings.LIVE_MAX_TEXT_BYTES,
            max_frames_per_second=settings.LIVE_MAX_FRAMES_PER_SECOND,
            max_texts_per_second=settings.LIVE_MAX_TEXTS_PER_SECOND,
            frame_timeout=settings.LIVE_FRAME_TIMEOUT,
        )

    def public(self) -> dict:
        """What the page needs to know to stay within the limits."""
        return {
            "max_frame_bytes": self.max_frame_bytes,
            "max_frames_per_second": self.max_frames_per_second,
            "frame_timeout_s": self.frame_timeout,
        }


class TokenBucket:
    """Allows ``rate`` events per second on average with bursts of up to ``rate`` events."""

    def __init__(self, rate: float, clock=time.monotonic):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.clock = clock
        self.updated = clock()

    def allow(self) -> bool:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


def parse_text_message(text: str, limits: LiveLimits) -> dict:
    """A validated text message: ``{"type": "ping"}`` or ``{"type": "manual_mood", "emotion": ...}``."""
    if len(text.encode("utf-8", errors="replace")) > limits.max_text_bytes:
        raise ProtocolError("text_too_large", f"Text messages are limited to {limits.max_text_bytes} bytes.")
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError("bad_json", "Text messages must be JSON objects, e.g. {\"type\": \"ping\"}.") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ProtocolError("bad_message", "A message must be a JSON object with a string \"type\".")
    kind = message["type"]
    if kind not in TEXT_MESSAGE_TYPES:
        raise ProtocolError("unknown_type", f"Unknown message type {kind[:40]!r}; expected one of {', '.join(TEXT_MESSAGE_TYPES)}.")
    if kind == "manual_mood":
        emotion = message.get("emotion")
        if emotion not in EMOTIONS:
            raise ProtocolError("bad_emotion", f"\"emotion\" must be one of {', '.join(EMOTIONS)}.")
        return {"type": "manual_mood", "emotion": emotion}
    return {"type": "ping"}


def check_frame(data: bytes, limits: LiveLimits) -> None:
    if not data:
        raise ProtocolError("empty", "The frame is empty.")
    if len(data) > limits.max_frame_bytes:
        raise ProtocolError(
            "too_large",
            f"The frame has {len(data)} bytes; at most {limits.max_frame_bytes} are accepted (send a ~320×240 JPEG).",
        )


def analysis_message(seq: int, analysis: dict, mood: dict) -> dict:
    return {
        "type": "analysis",
        "seq": seq,
        "width": analysis.get("width"),
        "height": analysis.get("height"),
        "faces": analysis.get("faces", []),
        "mood": mood,
        "timings_ms": analysis.get("timings_ms", {}),
    }


def timeout_payload(seq: int, limits: LiveLimits) -> dict:
    return {
        "type": "error",
        "seq": seq,
        "code": "vision_timeout",
        "message": f"No analysis within {limits.frame_timeout:g} s; send the next frame.",
    }


def frame_error_payload(error) -> tuple[str, str]:
    """(code, message) for a ``vision.errors.FrameError``."""
    return getattr(error, "code", "bad_frame"), str(error) or "The frame could not be read."


class EmbeddedVision:
    """Runs ``analyse_frame`` in a bounded thread pool inside the web process.

    The event loop never waits on the CPU work, and frames beyond ``backlog`` in progress
    across all connections are refused (``VisionBusy``) instead of piling up.
    """

    def __init__(self, threads: int, backlog: int):
        self.executor = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="vision")
        self.backlog = max(1, backlog)
        self.pending = 0
        self.lock = threading.Lock()
        # Loading the models takes seconds: start at once, and do not count it against a frame's timeout.
        self.ready = self.executor.submit(warm_up)

    def _reserve(self) -> None:
        with self.lock:
            if self.pending >= self.backlog:
                raise VisionBusy()
            self.pending += 1

    def _release(self, _future=None) -> None:
        with self.lock:
            self.pending -= 1

    async def analyse(self, data: bytes, timeout: float):
        """The ``FrameAnalysis`` of ``data``.

        Raises ``VisionBusy`` (no room), ``TimeoutError`` (no answer within ``timeout`` seconds)
        or the pipeline's ``FrameError`` (not a usable image).
        """
        await asyncio.wrap_future(self.ready)
        self._reserve()
        try:
            future = self.executor.submit(analyse_frame, data)
        except BaseException:
            self._release()
            raise
        # Released when the thread finishes, even if the caller stopped waiting.
        future.add_done_callback(self._release)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)


_embedded = None
_embedded_lock = threading.Lock()


def embedded_vision() -> EmbeddedVision:
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            _embedded = EmbeddedVision(settings.LIVE_VISION_THREADS, settings.LIVE_VISION_BACKLOG)
        return _embedded


def new_smoother():
    """The per-connection mood smoother; it lives in the consumer so vision workers stay stateless."""
    return MoodSmoother()


def analysis_from_dict(data: dict):
    """A worker's ``FrameAnalysis.to_dict()`` turned back into the object the smoother reads."""
    faces = [
        FaceResult(
            box=tuple(int(v) for v in face["box"]),
            confidence=float(face["confidence"]),
            emotions={emotion: float(p) for emotion, p in face["emotions"].items()},
            primary=bool(face.get("primary", False)),
        )
        for face in data.get("faces", [])
    ]
    return FrameAnalysis(
        width=int(data["width"]), height=int(data["height"]), faces=faces, timings_ms=dict(data.get("timings_ms", {}))
    )
