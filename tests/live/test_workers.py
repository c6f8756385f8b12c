"""VISION_MODE=workers: frames go through real Redis to a vision worker; a full or silent worker channel is survived."""

import asyncio
import contextlib
import logging

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.worker import Worker
from django.conf import settings
from django.test import override_settings

from emotunes.asgi import application
from tests.browser import face_jpeg
from tests.live_support import open_live_socket, send_frame_and_wait, still_usable
from vision.pipeline import warm_up

pytestmark = pytest.mark.redis


@contextlib.contextmanager
def workers_mode(redis, **limits):
    layer = {
        "BACKEND": "emotunes.channel_layer.FastRedisChannelLayer",  # what the settings use with REDIS_URL
        "CONFIG": {
            "hosts": [{"address": redis.url, "socket_timeout": 15}],
            "capacity": limits.pop("capacity", 100),
            "expiry": 10,
        },
    }
    with override_settings(VISION_MODE="workers", CHANNEL_LAYERS={"default": layer}, **limits):
        yield


async def fresh_layer():
    layer = get_channel_layer()
    await layer.flush()
    return layer


@contextlib.asynccontextmanager
async def vision_worker():
    """The worker `manage.py runworker vision-frames` runs, inside this test's event loop.

    Its models are loaded first, as `runworker` does at start (vision.apps), so that a busy
    machine's slow model loading does not time out the first frame.
    """
    await sync_to_async(warm_up, thread_sensitive=False)()
    worker = Worker(application=application, channels=[settings.LIVE_VISION_CHANNEL], channel_layer=get_channel_layer())
    task = asyncio.ensure_future(worker.handle())
    try:
        yield worker
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for details in worker.application_instances.values():
            details["future"].cancel()


async def test_frames_are_analysed_by_a_vision_worker(running_redis):
    with workers_mode(running_redis):
        await fresh_layer()
        async with vision_worker():
            communicator = await open_live_socket()
            assert communicator.hello["mode"] == "workers"
            answer, _ = await send_frame_and_wait(communicator, face_jpeg(), timeout=60)
            assert answer["type"] == "analysis", answer
            assert answer["seq"] == 1
            assert answer["faces"][0]["emotion"] == "happy"
            assert answer["mood"]["status"] in ("face", "uncertain")
            # Bad frames come back as the worker's error, and the stream goes on.
            answer, _ = await send_frame_and_wait(communicator, b"not a picture at all")
            assert (answer["type"], answer["code"], answer["seq"]) == ("error", "not_an_image", 2)
            answer, _ = await send_frame_and_wait(communicator, face_jpeg(shift=2))
            assert answer["type"] == "analysis" and answer["seq"] == 3
            await communicator.disconnect()


async def test_the_face_tracking_hint_travels_with_the_frame_to_the_worker(running_redis):
    with workers_mode(running_redis):
        await fresh_layer()
        async with vision_worker():
            communicator = await open_live_socket()
            answers = []
            for shift in range(3):
                answer, _ = await send_frame_and_wait(communicator, face_jpeg(shift=shift), timeout=60)
                assert answer["type"] == "analysis", answer
                answers.append(answer)
            # The first frame has no hint (full detector); the next ones carry the face before, and the
            # stateless worker tracks it from there.
            assert [a["detection"] for a in answers] == ["full", "tracked", "tracked"]
            assert all(a["faces"][0]["emotion"] == "happy" for a in answers)
            # The answer says where the frame's time went on the way (vision.worker, live.backends).
            assert {"queue", "worker", "reply"} <= set(answers[1]["timings_ms"])
            await communicator.disconnect()


async def test_without_an_answer_the_client_is_told_and_the_stream_recovers(running_redis, caplog):
    caplog.set_level(logging.DEBUG, logger="vision.worker")
    with workers_mode(running_redis, LIVE_FRAME_TIMEOUT=1.5):
        await fresh_layer()
        communicator = await open_live_socket()
        answer, _ = await send_frame_and_wait(communicator, face_jpeg())
        assert (answer["type"], answer["code"], answer["seq"]) == ("error", "vision_timeout", 1)
        assert await still_usable(communicator)
        # The frame is no longer in flight: the next one is sent to the workers, not dropped as busy.
        answer, _ = await send_frame_and_wait(communicator, face_jpeg())
        assert (answer["type"], answer["code"], answer["seq"]) == ("error", "vision_timeout", 2)
        # A worker that starts late skips the expired frames and serves the next one.
        async with vision_worker():
            for _ in range(20):  # on a busy machine one analysis may itself take longer than the timeout
                answer, _ = await send_frame_and_wait(communicator, face_jpeg(), timeout=60)
                if answer["type"] == "analysis":
                    break
                assert answer["code"] == "vision_timeout", answer
            assert answer["type"] == "analysis", answer
        # The two frames nobody answered in time were skipped, not analysed late.
        skipped = [r.getMessage() for r in caplog.records if r.name == "vision.worker" and "expired" in r.getMessage()]
        assert skipped[:2] == ["Skipping frame 1: it expired while queued", "Skipping frame 2: it expired while queued"]
        await communicator.disconnect()


async def test_a_full_worker_channel_drops_frames(running_redis):
    with workers_mode(running_redis, capacity=1, LIVE_FRAME_TIMEOUT=30):
        await fresh_layer()
        first, second = await open_live_socket(), await open_live_socket()
        await first.send_to(bytes_data=face_jpeg())
        assert await first.receive_nothing(timeout=0.3)  # queued for a worker, which is not there
        answer, _ = await send_frame_and_wait(second, face_jpeg())
        assert answer == {"type": "dropped", "seq": 1, "reason": "server_busy"}
        assert await still_usable(second)
        await first.disconnect()
        await second.disconnect()
