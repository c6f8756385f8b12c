"""Where a frame is analysed: one interface, one class per ``VISION_MODE``.

The consumer opens one back-end per connection (``open_backend``) and only ever calls
``await backend.analyse(frame, hint)``. Every back-end returns a
``vision.pipeline.FrameAnalysis`` or raises one of the same typed errors, which
``live.protocol.frame_failure`` turns into the answer:

* ``VisionBusy`` — no room for another frame now (dropped, not queued);
* ``TimeoutError`` — no analysis within ``LIVE_FRAME_TIMEOUT`` seconds;
* ``vision.errors.FrameError`` — the frame is not a usable image (its ``code`` goes out as is);
* ``VisionFailed`` — the server's fault.

``analyse`` must run in a task of its own, not in the consumer's message handler: a worker's
reply reaches the consumer as a message of its own (see ``WorkerVision``). A third back-end
(a Celery queue, a remote inference service) is one more subclass and one entry in
``BACKENDS``; the consumer does not change.
"""

import asyncio
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from channels.exceptions import ChannelFull
from django.conf import settings

from live.errors import ConnectionBusy, VisionBusy, VisionFailed
from vision.errors import FrameError, frame_error

# Imported here, at server start, not on a first frame inside the event loop.
from vision.pipeline import FrameAnalysis, Hint, analyse_frame, warming_up

logger = logging.getLogger(__name__)


class VisionBackend:
    """What a connection needs of vision. Subclasses set ``mode`` (a ``VISION_MODE`` value)."""

    mode: str

    def __init__(self, *, channel_layer, reply_to: str, timeout: float):
        self.channel_layer = channel_layer
        self.reply_to = reply_to  # the consumer's channel, for back-ends that answer through the layer
        self.timeout = timeout

    async def analyse(self, frame: bytes, hint: Hint | None) -> FrameAnalysis:
        raise NotImplementedError

    def resolve(self, reply: dict) -> None:
        """A reply that came back through the channel layer (only ``WorkerVision`` expects any)."""


class FramePool:
    """The web process's threads for vision, shared by all its connections.

    The event loop never waits on the CPU work, and frames beyond ``backlog`` in progress
    across all connections are refused (``VisionBusy``) instead of piling up.

    A thread cannot be stopped, so a frame whose answer timed out goes on running; without
    more, a few such frames (a decode bomb the scan check missed) would hold every thread and
    starve every other listener. So ``threads`` frames compute at once (a slot each), the
    executor has as many threads again, and a frame that overruns its timeout gives its slot
    up (``overdue``): up to ``threads`` overdue frames run on the spare threads while the
    slots serve fresh frames. A connection sends its next frame only once its last one has
    finished (``EmbeddedVision``), so one connection holds at most one thread.
    """

    def __init__(self, threads: int, backlog: int):
        self.threads = max(1, threads)
        self.executor = ThreadPoolExecutor(max_workers=2 * self.threads, thread_name_prefix="vision")
        self.slots = threading.BoundedSemaphore(self.threads)
        self.backlog = max(1, backlog)
        self.pending = 0
        self.lock = threading.Lock()

    def submit(self, frame: bytes, hint: Hint | None) -> "PoolJob":
        with self.lock:
            if self.pending >= self.backlog:
                raise VisionBusy()
            self.pending += 1
        job = PoolJob(self)
        try:
            job.future = self.executor.submit(job.run, frame, hint)
        except BaseException:
            self._release()
            raise
        # Released when the thread finishes, even if the caller stopped waiting.
        job.future.add_done_callback(self._release)
        return job

    def _release(self, _future=None) -> None:
        with self.lock:
            self.pending -= 1


class PoolJob:
    """One frame in a ``FramePool``: it holds a slot while it computes, until it ends or is ``overdue``."""

    def __init__(self, pool: FramePool):
        self.pool = pool
        self.future = None
        self.lock = threading.Lock()
        self.holding = False
        self.abandoned = False

    def run(self, frame: bytes, hint: Hint | None) -> FrameAnalysis:
        self.pool.slots.acquire()
        with self.lock:
            if self.abandoned:  # timed out while it waited for a slot: nobody wants the answer
                self.pool.slots.release()
                raise TimeoutError()
            self.holding = True
        try:
            return analyse_frame(frame, hint)
        finally:
            self._give_slot_back()

    def overdue(self) -> None:
        """The caller stopped waiting: the slot goes to fresh frames; the thread finishes on its own."""
        with self.lock:
            self.abandoned = True
        self.future.cancel()  # not started yet: it never will be
        self._give_slot_back()

    def _give_slot_back(self) -> None:
        with self.lock:
            holding, self.holding = self.holding, False
        if holding:
            self.pool.slots.release()

    def running(self) -> bool:
        return not self.future.done()


_pool = None
_pool_lock = threading.Lock()


def frame_pool() -> FramePool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = FramePool(settings.LIVE_VISION_THREADS, settings.LIVE_VISION_BACKLOG)
        return _pool


class EmbeddedVision(VisionBackend):
    """``VISION_MODE=embedded``: ``analyse_frame`` in this process's ``FramePool``."""

    mode = "embedded"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.last: PoolJob | None = None  # this connection's last frame, which may outlive its timeout

    async def analyse(self, frame: bytes, hint: Hint | None) -> FrameAnalysis:
        if self.last is not None and self.last.running():
            raise ConnectionBusy()  # its frame before timed out and still holds a thread
        try:
            # Loading the models takes seconds: it does not count against the frame's timeout.
            await asyncio.wrap_future(warming_up())
            self.last = frame_pool().submit(frame, hint)
            try:
                return await asyncio.wait_for(asyncio.wrap_future(self.last.future), self.timeout)
            except (TimeoutError, asyncio.CancelledError):
                self.last.overdue()
                raise
        except (VisionBusy, TimeoutError, FrameError):
            raise
        except Exception as error:
            logger.exception("Frame analysis failed")
            raise VisionFailed() from error


class WorkerVision(VisionBackend):
    """``VISION_MODE=workers``: frames over the channel layer to ``runworker`` processes (``vision.worker``).

    The worker replies to the consumer's own channel (``reply_to``); the consumer hands each
    reply to ``resolve``, which completes the future ``analyse`` awaits. Why this design and
    not a reply channel per web process with its own receive loop: a connection has at most
    one frame in flight, so its state is one (request, future) pair that lives and dies with
    the connection; Channels already routes to consumer channels and cleans them up, and a
    receive loop shared by a process would have to be bound to an event loop and a channel
    layer that tests and reloads replace. A reply that comes late (the frame timed out) or
    to another request does not match the pair and is ignored.
    """

    mode = "workers"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.requests = 0
        self.waiting: tuple[int, asyncio.Future] | None = None

    async def analyse(self, frame: bytes, hint: Hint | None) -> FrameAnalysis:
        self.requests += 1
        request, reply = self.requests, asyncio.get_running_loop().create_future()
        self.waiting = (request, reply)  # before the send: the reply may overtake its return
        try:
            await self.channel_layer.send(
                settings.LIVE_VISION_CHANNEL,
                {
                    "type": "vision.analyse",
                    "seq": request,
                    "frame": frame,
                    "hint": [list(box) for box in hint] if hint else None,
                    "reply_to": self.reply_to,
                    # Wall-clock, as worker processes do not share this process's monotonic clock.
                    "sent_at": time.time(),
                    "expires_at": time.time() + self.timeout,
                },
            )
            answer = await asyncio.wait_for(reply, self.timeout)
        except ChannelFull:
            raise VisionBusy() from None
        finally:
            self.waiting = None
        if answer["type"] == "vision.result":
            analysis = FrameAnalysis.from_dict(answer["analysis"])
            if "replied_at" in answer:  # the way back through the channel layer
                analysis.timings_ms["reply"] = max(0.0, (answer["received_at"] - answer["replied_at"]) * 1000)
            return analysis
        if answer.get("code") == "internal":
            raise VisionFailed(answer.get("message", ""))
        raise frame_error(answer.get("code", "bad_frame"), answer.get("message") or "The frame could not be read.")

    def resolve(self, reply: dict) -> None:
        if self.waiting and self.waiting[0] == reply.get("seq") and not self.waiting[1].done():
            self.waiting[1].set_result(dict(reply, received_at=time.time()))


BACKENDS: dict[str, type[VisionBackend]] = {backend.mode: backend for backend in (EmbeddedVision, WorkerVision)}


def open_backend(*, channel_layer, reply_to: str, timeout: float) -> VisionBackend:
    """The back-end ``VISION_MODE`` names, for one connection."""
    return BACKENDS[settings.VISION_MODE](channel_layer=channel_layer, reply_to=reply_to, timeout=timeout)
