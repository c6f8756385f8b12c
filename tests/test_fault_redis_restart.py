"""Redis restarted under a running stream: Daphne and the vision worker reconnect, frames are answered again.

Real processes: Redis (stopped and started again on the same port, losing everything it held,
as it has no persistence), Daphne (VISION_MODE=workers) and `manage.py runworker vision-frames`.
"""

import asyncio

import pytest

from tests.browser import face_jpeg
from tests.fault_support import DistributedStack, stream_until_analysed

pytestmark = [pytest.mark.redis, pytest.mark.slow]

FRAME_TIMEOUT = 3.0
WORKER_START_ATTEMPTS = 60


@pytest.fixture
def stack(tmp_path):
    stack = DistributedStack(tmp_path, frame_timeout=FRAME_TIMEOUT)
    yield stack
    stack.close()


async def test_after_a_redis_restart_frames_are_answered_again(stack):
    frame = face_jpeg()
    worker = stack.start_worker()
    client, _, _ = await stream_until_analysed(stack.ws_url, frame, attempts=WORKER_START_ATTEMPTS,
                                               answer_timeout=FRAME_TIMEOUT + 30)

    stack.redis.stop()
    await asyncio.sleep(1.0)
    stack.redis.start()

    # The same client keeps streaming; where the server closes the socket it reconnects, as the page does.
    client, answer, on_the_way = await stream_until_analysed(stack.ws_url, frame, attempts=20,
                                                             answer_timeout=FRAME_TIMEOUT + 30, client=client)
    assert answer["faces"][0]["emotion"] == "happy", answer
    # Neither server process died: both reconnected to the new Redis by themselves.
    assert stack.daphne.process.poll() is None, stack.logs()
    assert worker.process.poll() is None, stack.logs()
    # While Redis was away the client was told (an error or a closed socket it could reconnect after), not left hanging.
    assert all(a["type"] in ("error", "dropped", "closed") for a in on_the_way), on_the_way

    # A second restart is survived the same way: the reconnection is not a one-off.
    stack.redis.stop()
    stack.redis.start()
    client, answer, _ = await stream_until_analysed(stack.ws_url, frame, attempts=20,
                                                    answer_timeout=FRAME_TIMEOUT + 30, client=client)
    assert answer["type"] == "analysis"
    assert worker.process.poll() is None, stack.logs()
    await client.close()
