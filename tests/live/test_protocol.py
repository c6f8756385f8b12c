"""Protocol errors on the live websocket get an error message, and the connection stays usable."""

import pytest
from django.test import override_settings

from tests.browser import face_jpeg
from tests.live_support import FRAME_ANSWERS, open_live_socket, receive_until, still_usable


async def expect_error(communicator, code):
    message, _ = await receive_until(communicator, "error", timeout=30)
    assert message["code"] == code, message
    assert message["message"]
    return message


async def test_hello_tells_the_page_the_limits():
    communicator = await open_live_socket()
    assert communicator.hello["authenticated"] is False
    assert communicator.hello["mode"] == "embedded"
    assert communicator.hello["limits"]["max_frame_bytes"] > 0
    assert communicator.hello["emotions"] == ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
    await communicator.disconnect()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("hello there, this is not JSON", "bad_json"),
        ("\x00\x01\x02garbage\xff", "bad_json"),
        ("[1, 2, 3]", "bad_message"),
        ('{"no_type": true}', "bad_message"),
        ('{"type": 42}', "bad_message"),
        ('{"type": "launch_missiles"}', "unknown_type"),
        ('{"type": "manual_mood", "emotion": "ecstatic"}', "bad_emotion"),
        ('{"type": "manual_mood"}', "bad_emotion"),
    ],
)
async def test_bad_text_messages_get_an_error(text, code):
    communicator = await open_live_socket()
    await communicator.send_to(text_data=text)
    await expect_error(communicator, code)
    assert await still_usable(communicator)
    await communicator.disconnect()


@override_settings(LIVE_MAX_TEXT_BYTES=100)
async def test_oversized_text_message_is_refused():
    communicator = await open_live_socket()
    await communicator.send_json_to({"type": "ping", "padding": "x" * 200})
    await expect_error(communicator, "text_too_large")
    assert await still_usable(communicator)
    await communicator.disconnect()


async def test_empty_frame_is_refused():
    communicator = await open_live_socket()
    # What Daphne hands over for a zero-length binary message (send_to() refuses to make one).
    await communicator.send_input({"type": "websocket.receive", "bytes": b""})
    message = await expect_error(communicator, "empty")
    assert message["seq"] == 1
    assert await still_usable(communicator)
    await communicator.disconnect()


@override_settings(VISION_MAX_FRAME_BYTES=50_000)
async def test_oversized_frame_is_refused_before_decoding():
    communicator = await open_live_socket()
    await communicator.send_to(bytes_data=b"\xff\xd8" + b"\x00" * 60_000)
    message = await expect_error(communicator, "too_large")
    assert message["seq"] == 1
    assert "50,000" in message["message"]
    assert await still_usable(communicator)
    await communicator.disconnect()


async def test_garbage_bytes_are_not_an_image():
    communicator = await open_live_socket()
    await communicator.send_to(bytes_data=b"this is certainly not a JPEG" * 10)
    message = await expect_error(communicator, "not_an_image")
    assert message["seq"] == 1
    assert await still_usable(communicator)
    await communicator.disconnect()


async def test_truncated_jpeg_is_refused():
    communicator = await open_live_socket()
    frame = face_jpeg()
    await communicator.send_to(bytes_data=frame[: len(frame) // 3])
    message, _ = await receive_until(communicator, "error", timeout=30)
    assert message["code"] in ("truncated", "not_an_image"), message
    assert await still_usable(communicator)
    await communicator.disconnect()


@override_settings(LIVE_MAX_FRAMES_PER_SECOND=3)
async def test_too_many_frames_are_refused_and_each_frame_gets_one_answer():
    communicator = await open_live_socket()
    frame = face_jpeg()
    burst = 12
    for _ in range(burst):
        await communicator.send_to(bytes_data=frame)
    answers = {}
    while len(answers) < burst:
        message = await communicator.receive_json_from(timeout=30)
        if message["type"] in FRAME_ANSWERS:
            assert message["seq"] not in answers, "a frame was answered twice"
            answers[message["seq"]] = message
    assert sorted(answers) == list(range(1, burst + 1))
    kinds = [(m["type"], m.get("code") or m.get("reason")) for m in answers.values()]
    # The first frame is analysed; while it is, the next few fit the rate but find the
    # connection busy; the rest of the burst is over the rate.
    assert answers[1]["type"] == "analysis"
    assert ("dropped", "busy") in kinds
    assert ("error", "too_fast") in kinds
    assert await still_usable(communicator)
    await communicator.disconnect()


@override_settings(LIVE_MAX_TEXTS_PER_SECOND=2)
async def test_too_many_text_messages_are_refused():
    communicator = await open_live_socket()
    for _ in range(6):
        await communicator.send_json_to({"type": "ping"})
    replies = [await communicator.receive_json_from(timeout=5) for _ in range(6)]
    assert {"type": "pong"} in replies
    assert any(r["type"] == "error" and r["code"] == "too_fast" for r in replies)
    await communicator.disconnect()


# --- Camera and picker: a picked mood holds until the listener follows the camera again ------------


def test_follow_camera_is_a_text_message():
    from live.limits import LiveLimits
    from live.protocol import parse_text_message

    assert parse_text_message('{"type": "follow_camera"}', LiveLimits.from_settings()) == {"type": "follow_camera"}


def scripted_face(emotion):
    from core.emotions import EMOTIONS
    from vision.pipeline import FaceResult, FrameAnalysis

    emotions = {e: (0.94 if e == emotion else 0.01) for e in EMOTIONS}
    return FrameAnalysis(width=320, height=240, faces=[FaceResult((40, 30, 120, 130), 0.99, emotions, primary=True)])


@pytest.fixture
def scripted_camera(monkeypatch):
    """The consumer with a stand-in vision back-end answering each frame with the next face of
    ``faces``, and a smoother without memory or hold time, so each clear frame is the stable mood."""
    import functools

    from live import backends, state
    from vision.smoothing import MoodSmoother

    faces = []

    class Scripted(backends.VisionBackend):
        mode = "embedded"

        async def analyse(self, frame, hint):
            return faces.pop(0)

    monkeypatch.setitem(backends.BACKENDS, "embedded", Scripted)
    monkeypatch.setattr(state, "MoodSmoother", functools.partial(MoodSmoother, hold=0.0, half_life=0.0))
    return faces


async def show(communicator, faces, emotion):
    """One frame of ``emotion``'s face: its analysis, and the mood changes announced with it."""
    from tests.live_support import send_frame_and_wait

    faces.append(scripted_face(emotion))
    answer, others = await send_frame_and_wait(communicator, face_jpeg())
    assert answer["type"] == "analysis", answer
    if not await communicator.receive_nothing(timeout=0.1):
        others.append(await communicator.receive_json_from())
    return answer, [m for m in others if m["type"] == "mood_changed"]


async def test_a_picked_mood_holds_until_the_listener_follows_the_camera(scripted_camera):
    communicator = await open_live_socket()
    _, changes = await show(communicator, scripted_camera, "happy")
    assert [(m["mood"], m["source"]) for m in changes] == [("happy", "camera")]

    await communicator.send_json_to({"type": "manual_mood", "emotion": "sad"})
    changed, _ = await receive_until(communicator, "mood_changed", timeout=5)
    assert (changed["mood"], changed["source"]) == ("sad", "manual")

    # The camera goes on reading (the page shows what it sees) but no longer moves the music.
    answer, changes = await show(communicator, scripted_camera, "neutral")
    assert answer["mood"]["mood"] == "neutral" and answer["mood"]["changed"] is True
    assert changes == []
    _, changes = await show(communicator, scripted_camera, "neutral")
    assert changes == []

    # "Follow my camera": the camera's stable mood at once, not the next change of it.
    await communicator.send_json_to({"type": "follow_camera"})
    changed, _ = await receive_until(communicator, "mood_changed", timeout=5)
    assert (changed["mood"], changed["source"]) == ("neutral", "camera")
    assert changed["confidence"] > 0.5
    _, changes = await show(communicator, scripted_camera, "angry")
    assert [(m["mood"], m["source"]) for m in changes] == [("angry", "camera")]
    await communicator.disconnect()


async def test_following_a_camera_with_no_mood_yet_waits_for_one(scripted_camera):
    communicator = await open_live_socket()
    await communicator.send_json_to({"type": "manual_mood", "emotion": "fear"})
    await receive_until(communicator, "mood_changed", timeout=5)
    await communicator.send_json_to({"type": "follow_camera"})
    assert await still_usable(communicator)  # nothing announced: the camera has no mood yet
    _, changes = await show(communicator, scripted_camera, "happy")
    assert [(m["mood"], m["source"]) for m in changes] == [("happy", "camera")]
    await communicator.disconnect()


def test_an_old_camera_mood_is_not_announced_when_the_camera_starts_again():
    from live.limits import LiveLimits
    from live.state import StreamState

    now = [100.0]
    stream = StreamState(LiveLimits.from_settings(), clock=lambda: now[0])
    stream.smoother.hold = stream.smoother.half_life = 0.0
    assert stream.announces(stream.observe(scripted_face("happy"), now[0]))
    stream.pick()
    assert not stream.announces(stream.observe(scripted_face("sad"), now[0] + 0.5))
    now[0] += 1.0
    assert stream.follow_camera()["mood"] == "sad"  # a face a second ago: that is the mood now

    stream.pick()
    now[0] += 60  # the camera was stopped for a minute, then started again
    assert stream.follow_camera() is None
    assert stream.smoother.mood is None  # afresh: the next face's mood, not the one of a minute ago
