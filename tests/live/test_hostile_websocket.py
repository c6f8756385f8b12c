"""Hundreds of hostile websocket messages: each gets exactly one answer and the connection stays usable.

`tests/live/test_protocol.py` checks each protocol error once; this sends volume: 500 random
messages as fast as they can go (mostly refused as too fast), then 500 more one at a time with the
rate limits lifted so every one reaches the parser or the decoder. Text: garbage, JSON of every
shape, unknown types, bad emotions, oversized. Binary: random bytes, cut-off and oversized frames,
empty frames. The counts by answer are printed (`-s`) and asserted.
"""

import json
import random
from collections import Counter

import pytest
from django.test import override_settings

from tests.browser import face_jpeg
from tests.live_support import FRAME_ANSWERS, open_live_socket, still_usable

pytestmark = pytest.mark.slow

MESSAGES = 500
MAX_TEXT_BYTES = 2000
MAX_FRAME_BYTES = 200_000
TEXT_CODES = {"bad_json", "bad_message", "unknown_type", "bad_emotion", "text_too_large", "too_fast"}
FRAME_CODES = {
    "empty",
    "too_large",
    "too_fast",
    "truncated",
    "not_an_image",
    "unsupported_format",
    "too_many_pixels",
    "vision_timeout",
}


def hostile_text(rng: random.Random) -> str:
    kind = rng.randrange(9)
    if kind == 0:
        return "".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(rng.randrange(1, 200)))
    if kind == 1:
        return json.dumps(rng.choice([None, 1, 2.5, "ping", [], [1, {"type": "ping"}], True]))
    if kind == 2:
        return json.dumps({"type": rng.choice([None, 7, [], {}, "", "PING", "frame", "x" * 300, "manual_mood "])})
    if kind == 3:
        return json.dumps(
            {"type": "manual_mood", "emotion": rng.choice(["", "HAPPY", "joy", None, 3, ["sad"], "sad "])}
        )
    if kind == 4:
        return json.dumps({"type": "ping", "padding": "x" * rng.randrange(MAX_TEXT_BYTES, 3 * MAX_TEXT_BYTES)})
    if kind == 5:
        return '{"type": "ping"' + "}" * rng.randrange(0, 3) + "," * rng.randrange(0, 2)
    if kind == 6:
        return json.dumps({"type": "ping"})
    if kind == 7:
        return json.dumps({"type": "manual_mood", "emotion": rng.choice(["happy", "sad", "angry"])})
    return "[" * rng.randrange(1, 50)


def hostile_frame(rng: random.Random, real: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randbytes(rng.randrange(1, 3000))
    if kind == 1:
        return real[: rng.randrange(1, len(real))]
    if kind == 2:
        return b"\xff\xd8\xff" + rng.randbytes(rng.randrange(MAX_FRAME_BYTES, MAX_FRAME_BYTES + 5000))
    if kind == 3:
        return b""
    damaged = bytearray(real)
    for _ in range(20):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    return bytes(damaged)


async def send(communicator, message) -> None:
    if isinstance(message, bytes):
        # send_to() refuses a zero-length binary message; Daphne hands it over like this.
        await communicator.send_input({"type": "websocket.receive", "bytes": message})
    else:
        await communicator.send_to(text_data=message)


def messages(rng: random.Random, count: int) -> list:
    real = face_jpeg()
    return [hostile_frame(rng, real) if rng.random() < 0.4 else hostile_text(rng) for _ in range(count)]


def tally(answer: dict, tried: Counter) -> None:
    kind = answer["type"]
    if kind == "error":
        assert answer["message"].strip(), answer
        tried[f"error:{answer['code']}"] += 1
    elif kind == "dropped":
        tried[f"dropped:{answer['reason']}"] += 1
    else:
        tried[kind] += 1


@override_settings(LIVE_MAX_TEXT_BYTES=MAX_TEXT_BYTES, VISION_MAX_FRAME_BYTES=MAX_FRAME_BYTES)
async def test_a_flood_of_hostile_messages_gets_one_answer_each():
    communicator = await open_live_socket()
    flood = messages(random.Random(8), MESSAGES)
    for message in flood:
        await send(communicator, message)
    frames = sum(isinstance(m, bytes) for m in flood)
    texts = len(flood) - frames
    answered_frames, text_replies, tried = set(), 0, Counter()
    while len(answered_frames) < frames or text_replies < texts:
        answer = await communicator.receive_json_from(timeout=120)
        tally(answer, tried)
        if answer["type"] == "mood_changed" and answer["source"] == "camera":
            continue  # a damaged face frame that still decoded moved the mood: not a reply to a text
        if answer["type"] in FRAME_ANSWERS and "seq" in answer:
            assert answer["seq"] not in answered_frames, f"frame {answer['seq']} answered twice"
            answered_frames.add(answer["seq"])
            if answer["type"] == "error":
                assert answer["code"] in FRAME_CODES, answer
        else:
            text_replies += 1
            assert answer["type"] in ("pong", "mood_changed", "error"), answer
            if answer["type"] == "error":
                assert answer["code"] in TEXT_CODES, answer
    assert answered_frames == set(range(1, frames + 1))
    assert await communicator.receive_nothing(timeout=0.5), "more answers than messages"
    print(f"\nflood: {len(flood)} messages ({frames} binary, {texts} text): {dict(tried.most_common())}")
    assert tried["error:too_fast"] > 0
    assert await still_usable(communicator)
    await communicator.disconnect()


@override_settings(
    LIVE_MAX_TEXT_BYTES=MAX_TEXT_BYTES,
    VISION_MAX_FRAME_BYTES=MAX_FRAME_BYTES,
    LIVE_MAX_FRAMES_PER_SECOND=1e6,
    LIVE_MAX_TEXTS_PER_SECOND=1e6,
)
async def test_hostile_messages_one_at_a_time_each_get_a_clear_answer():
    communicator = await open_live_socket()
    tried = Counter()
    for message in messages(random.Random(9), MESSAGES):
        await send(communicator, message)
        answer = await communicator.receive_json_from(timeout=120)
        tally(answer, tried)
        if isinstance(message, bytes):
            assert answer["type"] in FRAME_ANSWERS, answer
            if answer["type"] == "error":
                assert answer["code"] in FRAME_CODES - {"too_fast"}, answer
            elif answer["type"] == "dropped":
                raise AssertionError(f"a frame sent after the previous answer was dropped: {answer}")
            while answer["type"] == "analysis" and not await communicator.receive_nothing(timeout=0.05):
                tally(await communicator.receive_json_from(), tried)  # a mood_changed after a decodable frame
        else:
            assert answer["type"] in ("pong", "mood_changed", "error"), answer
            if answer["type"] == "error":
                assert answer["code"] in TEXT_CODES - {"too_fast"}, answer
    print(f"\none at a time: {MESSAGES} messages: {dict(tried.most_common())}")
    # Every kind of refusal was reached, and damaged frames that still decode were analysed.
    assert {
        "error:bad_json",
        "error:bad_message",
        "error:unknown_type",
        "error:bad_emotion",
        "error:text_too_large",
        "error:empty",
        "error:too_large",
        "pong",
    } <= set(tried), tried
    assert await still_usable(communicator)
    await communicator.disconnect()
