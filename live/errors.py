"""The typed reasons a message gets no normal answer; `live.protocol` turns each into its payload.

A frame can fail in five ways, in both vision modes alike: a protocol rule (`ProtocolError`:
too fast), the frame itself (`vision.errors.FrameError`: empty, too large, not an image ...),
no room (`Dropped`: this connection has a frame in flight, or vision has no capacity), no
answer in time (the built-in `TimeoutError`) and a fault on the server (`VisionFailed`).
"""

from vision.errors import FrameError


class ProtocolError(Exception):
    """A message the server will not act on: ``{"type": "error", code, message}``."""

    def __init__(self, code: str, message: str, seq: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.seq = seq  # a refused reading's own seq, so the page can send its next one


class ReadingRefused(ProtocolError):
    """A reading (private mode) refused for what it holds; it counts against the frame rate, as a frame would."""


class Dropped(Exception):
    """The frame is dropped, not queued: ``{"type": "dropped", reason}``."""

    reason: str


class ConnectionBusy(Dropped):
    """This connection already has a frame in flight (the page sends the next after each answer)."""

    reason = "busy"


class VisionBusy(Dropped):
    """The vision back-end has no room for another frame right now."""

    reason = "server_busy"


class VisionFailed(Exception):
    """The frame could not be analysed for a reason of the server's, not of the frame's."""


FRAME_FAILURES = (ProtocolError, FrameError, Dropped, TimeoutError, VisionFailed)
