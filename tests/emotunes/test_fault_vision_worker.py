"""A vision worker killed mid-stream: the client is told, and the stream recovers once a worker is back.

Real processes: Redis, Daphne (VISION_MODE=workers) and `manage.py runworker vision-frames`,
killed with SIGKILL while a frame is in flight.
"""

import pytest

from tests.browser import face_jpeg
from tests.fault_support import DistributedStack, LiveClient, stream_until_analysed

pytestmark = [pytest.mark.redis, pytest.mark.slow]

FRAME_TIMEOUT = 3.0
# Loading TensorFlow and the models in a fresh worker takes seconds, minutes on a loaded 2-core box.
WORKER_START_ATTEMPTS = 60


@pytest.fixture
def stack(tmp_path):
    stack = DistributedStack(tmp_path, frame_timeout=FRAME_TIMEOUT)
    yield stack
    stack.close()


async def test_a_killed_worker_is_reported_and_the_stream_recovers_with_a_new_one(stack):
    frame = face_jpeg()
    stack.start_worker()
    client, first, _ = await stream_until_analysed(
        stack.ws_url, frame, attempts=WORKER_START_ATTEMPTS, answer_timeout=FRAME_TIMEOUT + 30
    )
    assert first["faces"][0]["emotion"] == "happy", first

    # The frame is on its way to the worker when the worker dies.
    await client.socket.send(frame)
    stack.kill_worker(stack.workers[0])
    in_flight = await client.next_message(timeout=FRAME_TIMEOUT + 30)
    while in_flight["type"] not in ("analysis", "dropped", "error"):
        in_flight = await client.next_message(timeout=FRAME_TIMEOUT + 30)
    # The worker may have answered just before it died; otherwise the client is told, never left waiting.
    if in_flight["type"] != "analysis":
        assert (in_flight["type"], in_flight["code"]) == ("error", "vision_timeout"), in_flight

    # With no worker every frame still gets an answer, and the connection is not stuck with a frame in flight.
    for _ in range(2):
        answer = await client.send_frame(frame, timeout=FRAME_TIMEOUT + 30)
        assert (answer["type"], answer.get("code")) == ("error", "vision_timeout"), answer
    assert await client.ping()

    # A new worker (the launcher restarts dead roles) serves the same connection again.
    stack.start_worker()
    client, recovered, on_the_way = await stream_until_analysed(
        stack.ws_url, frame, attempts=WORKER_START_ATTEMPTS, answer_timeout=FRAME_TIMEOUT + 30, client=client
    )
    assert recovered["faces"][0]["emotion"] == "happy", recovered
    assert all(a["type"] == "error" and a["code"] == "vision_timeout" for a in on_the_way), on_the_way
    assert not any(a["type"] == "dropped" and a["reason"] == "busy" for a in on_the_way), "a frame stayed in flight"
    # Frames queued for the dead worker were skipped by the new one, not answered twice.
    seqs = [m["seq"] for m in client.received if m["type"] in ("analysis", "dropped", "error") and "seq" in m]
    assert len(seqs) == len(set(seqs)), f"a frame was answered twice: {seqs}"

    # A new connection is served too: no consumer of the old worker's era is stuck.
    other = await LiveClient(stack.ws_url).connect()
    answer = await other.send_frame(frame, timeout=FRAME_TIMEOUT + 60)
    assert answer["type"] in ("analysis", "error"), answer
    await other.close()
    await client.close()
    assert stack.daphne.process.poll() is None, stack.logs()
    print(
        f"\nframe in flight at the kill: {in_flight['type']} {in_flight.get('code', '')}; "
        f"answers until the new worker served: {len(on_the_way)} vision_timeout, then analysis"
    )
