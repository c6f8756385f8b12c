"""Typed errors for frames that cannot be analysed.

Each carries a machine-readable ``code`` (sent to the browser as is) and a message a
person can read. None of them is a server fault: a worker answers them and goes on.
"""


class FrameError(ValueError):
    code = "bad_frame"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class EmptyFrame(FrameError):
    code = "empty"


class TruncatedFrame(FrameError):
    code = "truncated"


class NotAnImage(FrameError):
    code = "not_an_image"


class UnsupportedFormat(FrameError):
    code = "unsupported_format"


class FrameTooLarge(FrameError):
    code = "too_large"


class TooManyPixels(FrameError):
    code = "too_many_pixels"


class TooManyScans(FrameError):
    """A JPEG of more scans than any camera writes: each scan is a pass over the whole picture, so
    thousands of tiny ones cost seconds of decoding in a frame of a few hundred kB."""

    code = "too_many_scans"


def frame_error(code: str, message: str) -> FrameError:
    """The typed error named by ``code``, e.g. one that `vision.worker` reported by code and message."""
    kinds = {kind.code: kind for kind in (FrameError, *FrameError.__subclasses__())}
    return kinds.get(code, FrameError)(message)
