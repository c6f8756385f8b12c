"""What one connection may send, read from settings once per connection."""

import json
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.emotions import EMOTIONS

MAX_SEQ = 2**53 - 1  # a frame's or reading's seq: the largest integer a JavaScript number holds exactly


@dataclass(frozen=True)
class LiveLimits:
    max_frame_bytes: int
    max_text_bytes: int
    max_frames_per_second: float
    max_texts_per_second: float
    frame_timeout: float
    max_faces: int = 5  # faces in one reading (VISION_MAX_FACES, as the server's own analysis keeps)
    max_width: int = 1920  # the frame a reading describes (VISION_MAX_WIDTH / _HEIGHT)
    max_height: int = 1080
    neutral_calibration_s: float = 3.0  # LIVE_NEUTRAL_CALIBRATION_S
    neutral_calibration_max_s: float = 10.0

    @classmethod
    def from_settings(cls) -> "LiveLimits":
        return cls(
            # The vision library's own limit: a frame too large for it is not worth sending anywhere.
            max_frame_bytes=settings.VISION_MAX_FRAME_BYTES,
            max_text_bytes=settings.LIVE_MAX_TEXT_BYTES,
            max_frames_per_second=settings.LIVE_MAX_FRAMES_PER_SECOND,
            max_texts_per_second=settings.LIVE_MAX_TEXTS_PER_SECOND,
            frame_timeout=settings.LIVE_FRAME_TIMEOUT,
            max_faces=settings.VISION_MAX_FACES,
            max_width=settings.VISION_MAX_WIDTH,
            max_height=settings.VISION_MAX_HEIGHT,
            neutral_calibration_s=settings.LIVE_NEUTRAL_CALIBRATION_S,
            neutral_calibration_max_s=settings.LIVE_NEUTRAL_CALIBRATION_MAX_S,
        )

    def public(self) -> dict:
        """What the page needs to know to stay within the limits."""
        return {
            "max_frame_bytes": self.max_frame_bytes,
            "max_frames_per_second": self.max_frames_per_second,
            "frame_timeout_s": self.frame_timeout,
            "max_faces": self.max_faces,
        }


def longest_reading_bytes(limits: LiveLimits) -> int:
    """An upper bound on the bytes of an honest private-mode reading under these limits, as the
    browser writes it (``JSON.stringify``, compact; confidence and scores rounded to 4 decimals,
    static/js/private/private.js): ``max_faces`` faces, every number at its longest."""
    face = {"box": [limits.max_width, limits.max_height] * 2, "confidence": 0.1234}
    face["emotions"] = dict.fromkeys(EMOTIONS, 0.1234)
    reading = {"type": "reading", "seq": MAX_SEQ, "width": limits.max_width, "height": limits.max_height}
    reading["faces"] = [face] * limits.max_faces
    return len(json.dumps(reading, separators=(",", ":")).encode())


def check_reading_fits(limits: LiveLimits) -> None:
    """Fail at start-up rather than on a listener's page: with VISION_MAX_FACES raised and
    LIVE_MAX_TEXT_BYTES not, a private-mode page facing a full room would have every reading
    refused as ``text_too_large``."""
    needed = longest_reading_bytes(limits)
    if needed > limits.max_text_bytes:
        raise ImproperlyConfigured(
            f"LIVE_MAX_TEXT_BYTES ({limits.max_text_bytes}) is below the longest private-mode reading of "
            f"VISION_MAX_FACES ({limits.max_faces}) faces, {needed} bytes: raise it or lower VISION_MAX_FACES."
        )


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
