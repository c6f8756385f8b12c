"""'This is my neutral face' over the live websocket (live.calibration, live.state).

The face is a real one: a FER2013 face labelled neutral that the served model reads as sad
through the pipeline (`tests.vision_fixtures.resting_sad_face`). Its frames are streamed as a
camera would send them; the listener says "this is my neutral face"; the next seconds of
readings calibrate it, and from then on the same face reads neutral, while a smile still
reads happy. It lives on the connection; a logged-in listener who asks keeps it on their
account (three numbers, shown in their export, gone with their history or their account),
and a new connection starts with it. No frame is kept anywhere.
"""

import asyncio
import io
import zipfile

import pytest
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from tests.base import PASSWORD
from tests.live_support import open_live_socket, receive_until, send_frame_and_wait
from tests.vision_fixtures import astronaut_frame, coffee_frame, fer_faces, resting_sad_face, still_face_frames

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def quick_calibration(settings):
    settings.LIVE_NEUTRAL_CALIBRATION_S = 0.6


def resting_frames() -> list[bytes]:
    return still_face_frames(fer_faces("neutral", 200)[resting_sad_face()], count=12)


async def primary_emotion(communicator, frame: bytes) -> str | None:
    await asyncio.sleep(1.0 / settings.LIVE_MAX_FRAMES_PER_SECOND)
    answer, _ = await send_frame_and_wait(communicator, frame)
    assert answer["type"] == "analysis", answer
    primary = [f for f in answer["faces"] if f["primary"]]
    return primary[0]["emotion"] if primary else None


async def calibrate(communicator, frames: list[bytes], remember: bool = False) -> dict:
    """Ask for a calibration and stream `frames` (round and round) until it ends; its outcome."""
    await communicator.send_json_to({"type": "calibrate_neutral", "remember": remember})
    started, _ = await receive_until(communicator, "neutral")
    assert started == {"type": "neutral", "status": "collecting", "seconds": 0.6}
    for i in range(60):
        await asyncio.sleep(1.0 / settings.LIVE_MAX_FRAMES_PER_SECOND)
        await communicator.send_to(bytes_data=frames[i % len(frames)])
        while True:
            message = await communicator.receive_json_from(timeout=30)
            if message["type"] == "neutral":
                return message
            if message["type"] in ("analysis", "dropped", "error"):
                break
        if not await communicator.receive_nothing(timeout=0.05):
            message = await communicator.receive_json_from()
            if message["type"] == "neutral":
                return message
    raise AssertionError("the calibration never ended")


@database_sync_to_async
def login_cookie(username):
    user = get_user_model().objects.create_user(username, f"{username}@example.org", PASSWORD)
    client = Client()
    client.force_login(user)
    return user, client, f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@database_sync_to_async
def kept_neutral(user):
    from moods.models import NeutralFace

    return NeutralFace.objects.filter(user=user).values("neutral_factor", "bias", "bias_divisor").first()


@database_sync_to_async
def neutral_faces():
    from moods.models import NeutralFace

    return NeutralFace.objects.count()


async def test_a_face_that_reads_sad_at_rest_reads_neutral_after_calibrating_and_a_smile_stays_happy():
    frames = resting_frames()
    communicator = await open_live_socket()
    assert await primary_emotion(communicator, frames[0]) == "sad"
    outcome = await calibrate(communicator, frames[:6])
    assert outcome["status"] == "done" and outcome["remembered"] is False
    assert outcome["calibration"]["bias"] == "sad" and outcome["calibration"]["neutral_factor"] > 1
    assert set(outcome["calibration"]) == {"neutral_factor", "bias", "bias_divisor", "readings"}  # numbers only
    # Frames the calibration did not see, and a smile.
    assert [await primary_emotion(communicator, f) for f in frames[6:]] == ["neutral"] * 6
    assert await primary_emotion(communicator, astronaut_frame()) == "happy"
    # Reset: back to the classifier's own reading.
    await communicator.send_json_to({"type": "reset_neutral"})
    reset, _ = await receive_until(communicator, "neutral")
    assert reset == {"type": "neutral", "status": "reset"}
    assert await primary_emotion(communicator, frames[7]) == "sad"
    await communicator.disconnect()
    assert await neutral_faces() == 0  # an anonymous listener's calibration lived on the connection only


async def test_the_calibration_is_per_connection():
    frames = resting_frames()
    first = await open_live_socket()
    assert (await calibrate(first, frames[:6]))["status"] == "done"
    second = await open_live_socket()
    assert await primary_emotion(second, frames[8]) == "sad"
    assert await primary_emotion(first, frames[8]) == "neutral"
    await first.disconnect()
    await second.disconnect()


async def test_without_a_face_the_calibration_fails_and_changes_nothing(settings):
    settings.LIVE_NEUTRAL_CALIBRATION_MAX_S = 1.5
    communicator = await open_live_socket()
    outcome = await calibrate(communicator, [coffee_frame()])
    assert outcome["status"] == "failed" and "longer" in outcome["message"]
    assert await primary_emotion(communicator, resting_frames()[0]) == "sad"
    await communicator.disconnect()


async def test_a_logged_in_listener_who_asks_keeps_it_sees_it_in_the_export_and_loses_it_with_the_account():
    frames = resting_frames()
    alice, client, cookie = await login_cookie("alice")
    communicator = await open_live_socket(cookie)
    outcome = await calibrate(communicator, frames[:6], remember=True)
    assert outcome["status"] == "done" and outcome["remembered"] is True
    kept = await kept_neutral(alice)
    assert kept["bias"] == "sad" and kept["neutral_factor"] == pytest.approx(outcome["calibration"]["neutral_factor"])
    await communicator.disconnect()

    # A new connection starts with it: the first frame already reads neutral.
    again = await open_live_socket(cookie)
    told, _ = await receive_until(again, "neutral")
    assert told["status"] == "done" and told["remembered"] is True
    assert await primary_emotion(again, frames[9]) == "neutral"
    await again.disconnect()

    # It is in the listener's export: numbers, no picture.
    response = await database_sync_to_async(client.get)("/history/export/emotunes-data.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        rows = archive.read("neutral_face.csv").decode().splitlines()
    assert rows[0] == "created_at,neutral_factor,bias,bias_divisor,readings" and ",sad," in rows[1]

    # Gone with the account.
    await database_sync_to_async(alice.delete)()
    assert await neutral_faces() == 0


async def test_reset_forgets_the_kept_one_and_an_anonymous_remember_keeps_nothing():
    frames = resting_frames()
    bob, _, cookie = await login_cookie("bob")
    communicator = await open_live_socket(cookie)
    assert (await calibrate(communicator, frames[:6], remember=True))["remembered"] is True
    await communicator.send_json_to({"type": "reset_neutral"})
    await receive_until(communicator, "neutral")
    assert await kept_neutral(bob) is None
    await communicator.disconnect()

    anonymous = await open_live_socket()
    outcome = await calibrate(anonymous, frames[:6], remember=True)
    assert outcome["status"] == "done" and outcome["remembered"] is False
    assert await neutral_faces() == 0
    await anonymous.disconnect()


async def test_a_malformed_request_is_a_typed_error():
    communicator = await open_live_socket()
    await communicator.send_json_to({"type": "calibrate_neutral", "remember": "yes"})
    error, _ = await receive_until(communicator, "error")
    assert error["code"] == "bad_message"
    await communicator.disconnect()
