"""A real face over the live websocket: emotions per frame, a stable mood, and mood history for logged-in users."""

import asyncio

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.base import PASSWORD
from tests.browser import face_jpeg
from tests.live_support import open_live_socket, receive_until, send_frame_and_wait

pytestmark = pytest.mark.django_db(transaction=True)


async def stream_until_mood(communicator, max_frames=60):
    """Send face frames, one in flight and within the frame rate, until the stable mood changes;
    the frame answers seen. (A tracked frame is answered in a few milliseconds, so an unpaced
    sender would be told `too_fast`, as the protocol says.)"""
    answers = []
    for i in range(max_frames):
        if i:
            await asyncio.sleep(1.0 / settings.LIVE_MAX_FRAMES_PER_SECOND)
        answer, others = await send_frame_and_wait(communicator, face_jpeg(shift=i % 5))
        answers.append(answer)
        changed = [m for m in others if m["type"] == "mood_changed"]
        if changed:
            return changed[0], answers
        # mood_changed follows its frame's analysis. (A timed-out receive would stop the consumer.)
        if await communicator.receive_nothing(timeout=0.05):
            continue
        message = await communicator.receive_json_from()
        if message["type"] == "mood_changed":
            return message, answers
    raise AssertionError(f"no mood change in {max_frames} frames; last answers: {answers[-3:]}")


async def test_a_smiling_face_is_analysed_as_happy():
    communicator = await open_live_socket()
    answer, _ = await send_frame_and_wait(communicator, face_jpeg())
    assert answer["type"] == "analysis", answer
    assert answer["seq"] == 1
    assert (answer["width"], answer["height"]) == (320, 240)
    (face,) = answer["faces"]
    x, y, w, h = face["box"]
    assert 0 <= x < 320 and 0 <= y < 240 and w > 20 and h > 20
    assert face["primary"] is True
    assert face["emotion"] == "happy"
    assert face["emotions"]["happy"] == max(face["emotions"].values())
    assert set(face["emotions"]) == set(communicator.hello["emotions"])
    assert answer["mood"]["status"] in ("face", "uncertain")
    assert answer["timings_ms"]["total"] > 0
    await communicator.disconnect()


async def test_a_stream_of_smiling_frames_settles_on_happy():
    communicator = await open_live_socket()
    changed, answers = await stream_until_mood(communicator)
    assert changed == {"type": "mood_changed", "mood": "happy", "confidence": changed["confidence"], "source": "camera"}
    assert 0.4 <= changed["confidence"] <= 1.0
    assert all(a["type"] == "analysis" for a in answers)
    assert answers[-1]["mood"]["mood"] == "happy"
    # The first frames are not yet a stable mood: it needs a moment of agreement.
    assert answers[0]["mood"]["mood"] is None
    await communicator.disconnect()


async def test_a_frame_without_a_face_is_a_normal_answer():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 160)).save(buffer, "JPEG")
    communicator = await open_live_socket()
    answer, _ = await send_frame_and_wait(communicator, buffer.getvalue())
    assert answer["type"] == "analysis"
    assert answer["faces"] == []
    assert answer["mood"]["status"] == "no_face"
    await communicator.disconnect()


@database_sync_to_async
def login_cookie(username):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    client = Client()
    client.force_login(user)
    return user, f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@database_sync_to_async
def moods_of(user):
    from moods.models import MoodEntry

    return list(MoodEntry.objects.filter(user=user).values_list("emotion", "source"))


@database_sync_to_async
def mood_count():
    from moods.models import MoodEntry

    return MoodEntry.objects.count()


async def test_camera_mood_changes_are_kept_for_a_logged_in_listener():
    alice, cookie = await login_cookie("alice")
    communicator = await open_live_socket(cookie)
    assert communicator.hello["authenticated"] is True
    changed, _ = await stream_until_mood(communicator)
    assert changed["mood"] == "happy"
    await communicator.disconnect()
    assert await moods_of(alice) == [("happy", "camera")]


async def test_a_manual_mood_is_announced_and_kept_for_a_logged_in_listener():
    alice, cookie = await login_cookie("alice")
    bob, _ = await login_cookie("bob")
    communicator = await open_live_socket(cookie)
    await communicator.send_json_to({"type": "manual_mood", "emotion": "sad"})
    changed, _ = await receive_until(communicator, "mood_changed", timeout=5)
    assert changed == {"type": "mood_changed", "mood": "sad", "confidence": 1.0, "source": "manual"}
    await communicator.disconnect()
    assert await moods_of(alice) == [("sad", "manual")]
    assert await moods_of(bob) == []


async def test_an_anonymous_visitors_moods_are_not_kept():
    communicator = await open_live_socket()
    await communicator.send_json_to({"type": "manual_mood", "emotion": "fear"})
    changed, _ = await receive_until(communicator, "mood_changed", timeout=5)
    assert changed["mood"] == "fear"
    # A picked mood holds until the listener follows the camera again (tests/live/test_protocol.py).
    await communicator.send_json_to({"type": "follow_camera"})
    changed, _ = await stream_until_mood(communicator)
    assert changed["mood"] == "happy"
    await communicator.disconnect()
    assert await mood_count() == 0
