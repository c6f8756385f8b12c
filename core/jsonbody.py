"""Reading a JSON request body with its size and nesting bounded *before* it is parsed.

Python's json module recurses once per nesting level, so ``[[[[...`` a few thousand deep raises
RecursionError (a 500) long before any size limit: the depth is counted first, in one pass over
the text, and the body is parsed only when both limits hold. The websocket's text messages go
through ``loads_bounded`` too.
"""

import json

DEFAULT_MAX_DEPTH = 20


class JsonBodyError(ValueError):
    """A body that will not be parsed; ``status`` is the HTTP answer (400 or 413)."""

    def __init__(self, message: str, status: int = 400, code: str = "bad_json"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def nesting_depth_exceeds(text: str, max_depth: int) -> bool:
    """Whether arrays/objects in ``text`` nest deeper than ``max_depth`` (strings skipped). O(n)."""
    depth = 0
    in_string = False
    escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > max_depth:
                return True
        elif char in "]}":
            depth -= 1
    return False


def loads_bounded(text: str | bytes, *, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH):
    """``json.loads`` that refuses (JsonBodyError) a text over ``max_bytes`` or ``max_depth``."""
    if len(text) > max_bytes:
        raise JsonBodyError(f"The body is larger than {max_bytes} bytes.", status=413, code="too_large")
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise JsonBodyError("The body must be UTF-8 JSON.") from None
    if nesting_depth_exceeds(text, max_depth):
        raise JsonBodyError(f"JSON may nest at most {max_depth} levels deep.", code="too_deep")
    try:
        return json.loads(text)
    except ValueError:  # JSONDecodeError, and the odd ValueError of a huge number
        raise JsonBodyError("The body must be JSON.") from None


def parse_json_body(request, *, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH, empty=None) -> dict:
    """The request's JSON object. The declared Content-Length is checked before the body is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise JsonBodyError("Content-Length must be a number.") from None
    if declared > max_bytes:
        raise JsonBodyError(f"The body is larger than {max_bytes} bytes.", status=413, code="too_large")
    body = request.body
    if not body and empty is not None:
        return empty
    data = loads_bounded(body, max_bytes=max_bytes, max_depth=max_depth)
    if not isinstance(data, dict):
        raise JsonBodyError("The body must be a JSON object.")
    return data
