"""Redis restarted under a running stream: the web process and the vision workers reconnect, frames are answered again.

Real processes, started the way production starts them: `scripts/distributed.py` (Daphne and a
vision worker under supervisord) against a Redis that the test stops and starts again on the same port,
losing everything it held (no persistence).

What happens (see README, "Distributed set-up, load and faults"): Daphne stays up; a websocket
whose consumer was talking to Redis at that moment is closed (1011) and the client reconnects, as
the page does; Channels' `runworker` exits on the lost connection and supervisord starts it again
(with a back-off should it fail at start). The test asserts that end to end: frames are analysed again, on a connection
the client had to re-open at most a few times, with the same Daphne process.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from emotunes.localservers import RedisServer, free_port, wait_for_port
from tests.browser import face_jpeg, server_env
from tests.fault_support import stream_until_analysed

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.redis, pytest.mark.slow]

FRAME_TIMEOUT = 3.0
# Loading TensorFlow and the models in a fresh worker takes seconds, minutes on a loaded 2-core box.
WORKER_START_ATTEMPTS = 60


class Launcher:
    def __init__(self, tmp_path: Path, redis: RedisServer):
        self.port = free_port()
        self.state = tmp_path / "distributed"
        self.log_path = tmp_path / "launcher.log"
        env = server_env(
            str(tmp_path / "db.sqlite3"),
            REDIS_URL=redis.url,
            LIVE_FRAME_TIMEOUT=str(FRAME_TIMEOUT),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        )
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "scripts/distributed.py",
                    "--vision-workers",
                    "1",
                    "--no-celery",
                    "--port",
                    str(self.port),
                    "--state-dir",
                    str(self.state),
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_for_port(self.port, timeout=180)
        except TimeoutError:
            self.stop()
            raise AssertionError(f"the launcher did not start Daphne:\n{self.output()}") from None
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws/live/"

    def pids(self) -> dict:
        return json.loads((self.state / "pids.json").read_text())

    def output(self) -> str:
        text = self.log_path.read_text(errors="replace")[-3000:]
        for role_log in sorted((self.state / "logs").glob("*.log")):
            text += f"\n--- {role_log.name} ---\n" + role_log.read_text(errors="replace")[-3000:]
        return text

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def redis(tmp_path):
    server = RedisServer(directory=tmp_path / "redis").start()
    yield server
    server.close()


@pytest.fixture
def launcher(tmp_path, redis):
    launcher = Launcher(tmp_path, redis)
    yield launcher
    launcher.stop()


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_after_a_redis_restart_frames_are_answered_again(launcher, redis):
    frame = face_jpeg()
    client, _, _ = await stream_until_analysed(
        launcher.ws_url, frame, attempts=WORKER_START_ATTEMPTS, answer_timeout=FRAME_TIMEOUT + 30
    )
    daphne_pid = launcher.pids()["daphne"]
    worker_pids = [launcher.pids()["vision-1"]]

    for restart in (1, 2):
        redis.stop()
        await asyncio.sleep(1.0)
        redis.start()
        # The client keeps streaming; where the server closes the socket it reconnects, as the page does.
        client, answer, on_the_way = await stream_until_analysed(
            launcher.ws_url, frame, attempts=WORKER_START_ATTEMPTS, answer_timeout=FRAME_TIMEOUT + 30, client=client
        )
        assert answer["faces"][0]["emotion"] == "happy", answer
        # While Redis or the worker was away the client was told: an error per frame, or a closed socket it re-opened.
        assert all(a["type"] in ("error", "closed") for a in on_the_way), on_the_way
        assert sum(a["type"] == "closed" for a in on_the_way) <= 3, on_the_way
        # The same web process served before and after: it reconnected to the new Redis by itself.
        assert launcher.pids()["daphne"] == daphne_pid and process_alive(daphne_pid), launcher.output()
        worker_pids.append(launcher.pids()["vision-1"])
        print(
            f"\nrestart {restart}: {len(on_the_way)} frames unanswered or sockets closed before the next analysis: "
            f"{[a.get('code') or a['type'] for a in on_the_way]}; vision worker pids so far {worker_pids}"
        )
    assert launcher.process.poll() is None, launcher.output()
    await client.close()
