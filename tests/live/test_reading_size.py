"""A private-mode reading of a full room fits the text limit, and settings under which it would not
stop the start (live.limits.check_reading_fits, run by LiveConfig.ready).

A reading grows with its faces (~170 bytes each). With VISION_MAX_FACES raised and
LIVE_MAX_TEXT_BYTES left alone, every reading of a page facing that many people would be refused
`text_too_large` — the listener's music would stop following them and nothing would say why.
"""

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from core.emotions import EMOTIONS
from live.limits import MAX_SEQ, LiveLimits, longest_reading_bytes
from live.protocol import ProtocolError, parse_text_message

ROOT = Path(settings.BASE_DIR)


def full_room(faces: int) -> str:
    """A real reading as the browser writes it: `faces` faces in a 1920×1080 frame, boxes with the
    longest numbers that still lie inside it, scores rounded to 4 decimals and summing to 1."""
    rest = round((1 - 0.8764) / 6, 4)
    emotions = {e: rest for e in EMOTIONS} | {"happy": round(1 - 6 * rest, 4)}
    face = {"box": [1000, 100, 918, 979], "confidence": 0.9987, "emotions": emotions}
    message = {"type": "reading", "seq": MAX_SEQ, "width": 1920, "height": 1080, "faces": [face] * faces}
    return json.dumps(message, separators=(",", ":"))


def test_the_fullest_honest_reading_fits_the_default_limit_and_is_read():
    limits = LiveLimits.from_settings()
    text = full_room(limits.max_faces)
    assert len(text.encode()) <= longest_reading_bytes(limits) <= limits.max_text_bytes
    message = parse_text_message(text, limits)
    assert message["type"] == "reading" and len(message["analysis"].faces) == limits.max_faces


def test_more_faces_than_the_limit_holds_would_be_refused_whole():
    # What the start-up check prevents: 12 faces under the default 2,000 bytes.
    limits = dataclasses.replace(LiveLimits.from_settings(), max_faces=12)
    assert longest_reading_bytes(limits) > limits.max_text_bytes
    try:
        parse_text_message(full_room(12), limits)
    except ProtocolError as refused:
        assert refused.code == "text_too_large"
    else:
        raise AssertionError("a 12-face reading over the text limit was read")


def manage_check(**env) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "emotunes.settings", **env}
    command = [sys.executable, "manage.py", "check"]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_settings_under_which_a_full_room_would_not_fit_stop_the_start():
    refused = manage_check(VISION_MAX_FACES="12")
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr
    assert "LIVE_MAX_TEXT_BYTES (2000)" in refused.stderr and "VISION_MAX_FACES (12)" in refused.stderr
    # Raising the text limit with it is all it takes.
    assert manage_check(VISION_MAX_FACES="12", LIVE_MAX_TEXT_BYTES="3000").returncode == 0
