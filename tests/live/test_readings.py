"""Private mode's readings over the live websocket: a good one moves the mood like a frame, a hostile one changes nothing.

A reading is the browser's own analysis of its frame (static/js/private/), sent as text in place
of the frame. The server feeds it to the same smoother, mood changes and history, and answers it
once, as ``analysis``. Every hostile variant gets its own typed error, names the reading's seq
when it had a usable one, stores nothing and leaves the connection usable; the smoother is
checked to have seen none of them.
"""

import asyncio
import json
import math

import pytest
from django.conf import settings
from django.test import override_settings

from core.emotions import EMOTIONS
from live.errors import ReadingRefused
from live.limits import LiveLimits
from live.protocol import parse_text_message
from tests.live.test_analysis import login_cookie, mood_count, moods_of
from tests.live_support import open_live_socket, still_usable

pytestmark = pytest.mark.django_db(transaction=True)


def scores(emotion: str, top: float = 0.88) -> dict:
    rest = (1.0 - top) / (len(EMOTIONS) - 1)
    return {e: (top if e == emotion else rest) for e in EMOTIONS}


def reading(seq: int, emotion: str = "happy", box=(100, 50, 120, 140), **changes) -> dict:
    message = {
        "type": "reading",
        "seq": seq,
        "width": 320,
        "height": 240,
        "faces": [{"box": list(box), "emotions": scores(emotion)}],
    }
    message.update(changes)
    return message


async def send_reading(communicator, message) -> tuple[dict, list[dict]]:
    """The one answer to a reading (``analysis`` or ``error``), and what came with it."""
    await communicator.send_to(text_data=message if isinstance(message, str) else json.dumps(message))
    others = []
    while True:
        answer = await communicator.receive_json_from(timeout=10)
        if answer["type"] in ("analysis", "error"):
            return answer, others
        others.append(answer)


async def read_until_mood(communicator, emotion: str, first_seq: int = 1, max_readings: int = 40):
    """Readings of ``emotion`` at the page's pace until the stable mood changes; (the change, answers)."""
    answers = []
    for seq in range(first_seq, first_seq + max_readings):
        answer, others = await send_reading(communicator, reading(seq, emotion))
        assert answer["type"] == "analysis", answer
        answers.append(answer)
        if not any(m["type"] == "mood_changed" for m in others) and not await communicator.receive_nothing(0.05):
            others.append(await communicator.receive_json_from())
        changed = [m for m in others if m["type"] == "mood_changed"]
        if changed:
            return changed[0], answers
        await asyncio.sleep(1.0 / 4)
    raise AssertionError(f"no mood change in {max_readings} readings: {answers[-2:]}")


def test_a_reading_is_parsed_into_the_analysis_the_smoother_reads():
    text = json.dumps(
        {
            "type": "reading",
            "seq": 7,
            "width": 320,
            "height": 240,
            "faces": [
                {"box": [10, 10, 30, 30], "emotions": scores("sad")},
                {"box": [100, 50, 120, 140], "emotions": scores("happy"), "confidence": 0.98},
            ],
        }
    )
    message = parse_text_message(text, LiveLimits.from_settings())
    assert (message["type"], message["seq"]) == ("reading", 7)
    analysis = message["analysis"]
    assert (analysis.width, analysis.height, analysis.detection) == (320, 240, "device")
    # Largest first, as the server orders its own faces: the primary is the nearest face.
    assert [f.box for f in analysis.faces] == [(100, 50, 120, 140), (10, 10, 30, 30)]
    assert analysis.primary.emotion == "happy" and analysis.primary.confidence == 0.98
    assert [f.primary for f in analysis.faces] == [True, False]


async def test_readings_move_the_mood_and_each_gets_one_analysis():
    communicator = await open_live_socket()
    assert communicator.hello["limits"]["max_faces"] == settings.VISION_MAX_FACES
    changed, answers = await read_until_mood(communicator, "happy")
    assert (changed["mood"], changed["source"]) == ("happy", "camera")
    assert [a["seq"] for a in answers] == list(range(1, len(answers) + 1))
    first = answers[0]
    assert first["detection"] == "device" and first["width"] == 320
    (face,) = first["faces"]
    assert face["box"] == [100, 50, 120, 140] and face["emotion"] == "happy" and face["primary"] is True
    assert answers[-1]["mood"]["mood"] == "happy"
    # A reading with no face is a normal answer too.
    answer, _ = await send_reading(communicator, reading(99, faces=[]))
    assert answer["type"] == "analysis" and answer["faces"] == [] and answer["seq"] == 99
    await communicator.disconnect()


async def recorded(user, expected, timeout=5.0):
    """The listener's history once it holds ``expected``: the change is written just after it is announced."""
    for _ in range(int(timeout / 0.05)):
        moods = await moods_of(user)
        if moods == expected:
            return moods
        await asyncio.sleep(0.05)
    return await moods_of(user)


async def test_a_logged_in_listeners_reading_moods_are_kept():
    alice, cookie = await login_cookie("alice")
    communicator = await open_live_socket(cookie)
    changed, _ = await read_until_mood(communicator, "sad")
    assert changed["mood"] == "sad"
    await communicator.disconnect()
    assert await recorded(alice, [("sad", "camera")]) == [("sad", "camera")]


# A million (empty) faces, 3 MB: refused by its size before it is parsed.
MILLION_FACES = (
    '{"type": "reading", "seq": 1, "width": 320, "height": 240, "faces": [' + ",".join(["{}"] * 10**6) + "]}"
)


def hostile_readings():
    """(name, message, expected code, whether the answer can name the seq)."""
    big_face = {"box": [0, 0, 10, 10], "emotions": scores("happy")}
    nan = json.dumps(reading(1)).replace('"happy": 0.88', '"happy": NaN')
    infinite = json.dumps(reading(1)).replace('"happy": 0.88', '"happy": Infinity')
    return [
        ("seq is text", reading("1"), "bad_reading", False),
        ("seq negative", reading(-1), "bad_reading", False),
        ("seq a float", reading(1.5), "bad_reading", False),
        ("seq too large", reading(2**60), "bad_reading", False),
        ("width missing", {k: v for k, v in reading(1).items() if k != "width"}, "bad_reading", True),
        ("width a bool", reading(1, width=True), "bad_reading", True),
        ("frame too large", reading(1, width=100_000, height=240), "bad_reading", True),
        ("faces an object", reading(1, faces={"box": [1, 2, 3, 4]}), "bad_reading", True),
        ("unknown field", reading(1, frame="AAAA"), "bad_reading", True),
        ("too many faces", reading(1, faces=[big_face] * (settings.VISION_MAX_FACES + 1)), "too_many_faces", True),
        ("a million faces", MILLION_FACES, "text_too_large", False),
        ("face a list", reading(1, faces=[[1, 2, 3]]), "bad_face", True),
        ("face with a frame", reading(1, faces=[{**big_face, "jpeg": "..."}]), "bad_face", True),
        ("confidence 2", reading(1, faces=[{**big_face, "confidence": 2}]), "bad_face", True),
        ("box of text", reading(1, box=("a", 0, 10, 10)), "bad_box", True),
        ("box of floats", reading(1, box=(1.5, 0, 10, 10)), "bad_box", True),
        ("box of three", reading(1, faces=[{**big_face, "box": [0, 0, 10]}]), "bad_box", True),
        ("box off the right", reading(1, box=(300, 50, 40, 40)), "bad_box", True),
        ("box above the top", reading(1, box=(10, -5, 40, 40)), "bad_box", True),
        ("box of no size", reading(1, box=(10, 10, 0, 0)), "bad_box", True),
        (
            "unknown emotion",
            reading(1, faces=[{**big_face, "emotions": {**scores("sad"), "ecstatic": 0.0}}]),
            "unknown_emotion",
            True,
        ),
        (
            "a score missing",
            reading(1, faces=[{**big_face, "emotions": {e: 1 / 6 for e in EMOTIONS[:6]}}]),
            "bad_scores",
            True,
        ),
        ("emotions a list", reading(1, faces=[{**big_face, "emotions": [0.1] * 7}]), "bad_scores", True),
        (
            "a score of text",
            reading(1, faces=[{**big_face, "emotions": {**scores("sad"), "sad": "0.88"}}]),
            "bad_scores",
            True,
        ),
        ("NaN", nan, "bad_scores", True),
        ("Infinity", infinite, "bad_scores", True),
        (
            "a negative score",
            reading(1, faces=[{**big_face, "emotions": {**scores("sad"), "happy": -0.5, "sad": 1.38}}]),
            "bad_scores",
            True,
        ),
        (
            "scores sum to 7",
            reading(1, faces=[{**big_face, "emotions": dict.fromkeys(EMOTIONS, 1.0)}]),
            "bad_scores",
            True,
        ),
        (
            "scores sum to 0",
            reading(1, faces=[{**big_face, "emotions": dict.fromkeys(EMOTIONS, 0.0)}]),
            "bad_scores",
            True,
        ),
    ]


@pytest.mark.parametrize(
    ("name", "message", "code", "names_seq"), hostile_readings(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_a_hostile_reading_is_refused_with_its_code(name, message, code, names_seq):
    text = message if isinstance(message, str) else json.dumps(message)
    with pytest.raises(Exception) as refused:
        parse_text_message(text, LiveLimits.from_settings())
    assert refused.value.code == code, (name, refused.value.message)
    if code not in ("text_too_large",):
        assert isinstance(refused.value, ReadingRefused)
        assert (refused.value.seq == 1) is names_seq


@override_settings(LIVE_MAX_FRAMES_PER_SECOND=1000.0, LIVE_MAX_TEXTS_PER_SECOND=1000.0)
async def test_hostile_readings_change_nothing_and_the_connection_survives():
    alice, cookie = await login_cookie("alice")
    communicator = await open_live_socket(cookie)
    # A settled "sad" first, so a hostile "happy" that got through would show in the mood.
    await read_until_mood(communicator, "sad")
    before = await recorded(alice, [("sad", "camera")])
    for name, message, code, names_seq in hostile_readings():
        answer, others = await send_reading(communicator, message)
        assert answer["type"] == "error" and answer["code"] == code, (name, answer)
        assert ("seq" in answer) is names_seq, (name, answer)
        assert others == [], (name, others)
        assert await still_usable(communicator), name
    # The smoother saw none of them: a good reading still reads "sad" at full weight.
    answer, others = await send_reading(communicator, reading(500, "sad"))
    assert answer["mood"]["mood"] == "sad" and answer["mood"]["confidence"] > 0.8
    assert [m for m in others if m["type"] == "mood_changed"] == []
    await communicator.disconnect()
    assert await moods_of(alice) == before == [("sad", "camera")]


async def test_a_flood_of_readings_is_refused_at_the_frame_rate_and_pings_still_answer():
    communicator = await open_live_socket()
    count = int(settings.LIVE_MAX_FRAMES_PER_SECOND * 4)
    for seq in range(1, count + 1):
        await communicator.send_to(text_data=json.dumps(reading(seq)))
    answers = []
    while len(answers) < count:
        message = await communicator.receive_json_from(timeout=10)
        if message["type"] in ("analysis", "error"):
            answers.append(message)
    # Exactly one answer each, in order; beyond the frames' burst, too_fast naming the reading.
    assert [a["seq"] for a in answers] == list(range(1, count + 1))
    refused = [a for a in answers if a["type"] == "error"]
    assert refused and all(a["code"] == "too_fast" for a in refused)
    assert len(answers) - len(refused) <= settings.LIVE_MAX_FRAMES_PER_SECOND + 2
    # Readings count against the frames' rate, not the texts': a ping still answers at once.
    assert await still_usable(communicator)
    await communicator.disconnect()
    assert await mood_count() == 0


async def test_a_flood_of_malformed_readings_is_told_to_slow_down():
    communicator = await open_live_socket()
    count = int(settings.LIVE_MAX_FRAMES_PER_SECOND * 4)
    for seq in range(1, count + 1):
        await communicator.send_to(text_data=json.dumps(reading(seq, box=(400, 0, 10, 10))))
    codes = []
    while len(codes) < count:
        message = await communicator.receive_json_from(timeout=10)
        assert message["type"] == "error"
        codes.append(message["code"])
    assert set(codes) == {"bad_box", "too_fast"} and codes[0] == "bad_box"
    assert await still_usable(communicator)
    await communicator.disconnect()


def test_rounding_in_the_browser_is_within_the_sum_tolerance():
    # What the page sends: float32 softmax rounded to 4 decimals, which may sum to 0.9997 or 1.0003.
    rounded = {e: round(p, 4) for e, p in zip(EMOTIONS, [0.00004, 0.00004, 0.00004, 0.99984, 0.00004, 0.0, 0.0])}
    assert not math.isclose(sum(rounded.values()), 1.0, abs_tol=1e-6)
    message = reading(3, faces=[{"box": [1, 1, 50, 50], "emotions": rounded}])
    assert parse_text_message(json.dumps(message), LiveLimits.from_settings())["analysis"].primary.emotion == "happy"
