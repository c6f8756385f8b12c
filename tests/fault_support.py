"""Real processes for the fault tests: a distributed stack (Redis, Daphne, vision workers) and a websocket client.

The stack is what `scripts/distributed.py` runs, started with the helpers of `tests/browser.py`;
each part can be killed and started again while a client streams frames.
"""

import asyncio
import json
import signal
import sys
import time
from pathlib import Path

import websockets
from django.conf import settings

from emotunes.localservers import RedisServer
from tests.browser import Process, server_env, start_daphne

FRAME_ANSWERS = ("analysis", "dropped", "error")


class DistributedStack:
    """Redis on a fixed loopback port, one Daphne in ``VISION_MODE=workers`` and any number of vision workers."""

    def __init__(self, tmp_path: Path, *, frame_timeout: float = 3.0):
        self.log_dir = tmp_path
        self.redis = RedisServer(directory=tmp_path / "redis").start()
        self.env = server_env(
            str(tmp_path / "db.sqlite3"),
            REDIS_URL=self.redis.url,
            VISION_MODE="workers",
            LIVE_FRAME_TIMEOUT=str(frame_timeout),
        )
        self.workers: list[Process] = []
        self.daphne, self.base_url = start_daphne(self.env, tmp_path)
        self.ws_url = self.base_url.replace("http://", "ws://") + "/ws/live/"

    def start_worker(self) -> Process:
        # What tests.browser.start_vision_worker runs, with a log per start, so a killed worker's output stays readable.
        worker = Process(
            f"vision-worker-{len(self.workers) + 1}",
            [sys.executable, "manage.py", "runworker", settings.LIVE_VISION_CHANNEL],
            self.env,
            self.log_dir,
        )
        self.workers.append(worker)
        return worker

    def kill_worker(self, worker: Process) -> None:
        """SIGKILL, as the OOM killer or a crashed host would: no clean shutdown, no goodbye to Redis."""
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(timeout=10)

    def logs(self) -> str:
        parts = [f"--- daphne ---\n{self.daphne.output()}"]
        parts += [f"--- worker {n} ---\n{w.output()}" for n, w in enumerate(self.workers, start=1)]
        return "\n".join(parts)

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()
        self.daphne.stop()
        self.redis.close()


class LiveClient:
    """A websocket client that behaves like the page: one frame in flight, every message kept."""

    def __init__(self, url: str):
        self.url = url
        self.origin = url.replace("ws://", "http://").split("/ws/")[0]
        self.socket = None
        self.hello = None
        self.received: list[dict] = []

    async def connect(self, timeout: float = 30.0) -> "LiveClient":
        self.socket = await websockets.connect(self.url, origin=self.origin, open_timeout=timeout, max_size=2**20)
        self.hello = await self.next_message(timeout)
        assert self.hello["type"] == "hello", self.hello
        return self

    async def next_message(self, timeout: float) -> dict:
        raw = await asyncio.wait_for(self.socket.recv(), timeout)
        message = json.loads(raw)
        self.received.append(message)
        return message

    async def send_frame(self, frame: bytes, timeout: float) -> dict:
        """The one answer (analysis, dropped or error) to ``frame``; silence longer than ``timeout`` fails."""
        await self.socket.send(frame)
        deadline = time.monotonic() + timeout
        while True:
            message = await self.next_message(max(0.1, deadline - time.monotonic()))
            if message["type"] in FRAME_ANSWERS:
                return message

    async def ping(self, timeout: float = 10.0) -> bool:
        await self.socket.send(json.dumps({"type": "ping"}))
        deadline = time.monotonic() + timeout
        while True:
            message = await self.next_message(max(0.1, deadline - time.monotonic()))
            if message["type"] == "pong":
                return True

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


async def stream_until_analysed(
    url: str, frame: bytes, *, attempts: int, answer_timeout: float, client: LiveClient | None = None
) -> tuple[LiveClient, dict, list[dict]]:
    """Stream ``frame`` until one is analysed, reconnecting (as the page does) when the server closes the socket.

    Returns the client, the analysis and every other answer or failure seen on the way.
    """
    seen = []
    for _ in range(attempts):
        try:
            if client is None:
                client = await LiveClient(url).connect()
            answer = await client.send_frame(frame, timeout=answer_timeout)
        except (websockets.ConnectionClosed, OSError) as exc:
            seen.append({"type": "closed", "detail": f"{type(exc).__name__}: {exc}"})
            client = None
            await asyncio.sleep(0.5)
            continue
        if answer["type"] == "analysis":
            return client, answer, seen
        seen.append(answer)
        await asyncio.sleep(0.5)
    raise AssertionError(f"no frame analysed in {attempts} attempts; answers: {seen[-10:]}")
