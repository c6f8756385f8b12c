"""The vision worker of the distributed set-up (``VISION_MODE=workers``).

Started as ``REDIS_URL=... VISION_MODE=workers python manage.py runworker --skip-checks vision-frames``
(see docs/live.md; without --skip-checks Django's system checks load ~120 MB of libraries a
worker never uses). It listens on the channel named by ``LIVE_VISION_CHANNEL``,
analyses each frame and sends the result to the ``reply_to`` channel of the websocket
consumer that asked. It keeps no per-stream state (the stream's smoother and face-tracking
hint live with the consumer, in ``live``; the hint comes with each frame), so any number of
these processes can serve any number of web processes.

The messages, as ``live.backends.WorkerVision`` sends and reads them:

* in: ``{"type": "vision.analyse", "seq", "frame": bytes, "hint": [[x, y, w, h], ...] | None,
  "reply_to", "expires_at": wall-clock seconds}`` — the hint is the face boxes of the stream's
  previous frame (primary first), or None when the stream wants the full detector
  (`vision.tracking`); a malformed hint is no hint (`vision.pipeline.read_hint`)
* out: ``{"type": "vision.result", "seq", "analysis": FrameAnalysis.to_dict(), "replied_at"}`` or
  ``{"type": "vision.failure", "seq", "code", "message"}`` (a ``FrameError``'s code, or
  ``internal``).

Each process analyses one frame at a time. Channels' worker pulls messages from Redis as
they come, so a frame whose ``expires_at`` has passed (its consumer already told the
browser it timed out) is skipped unanalysed: a backlog drains at once instead of delaying
every later frame. (A worker that took the next frame only when free was tried against this
prefetch, with 40 streams sending in lockstep to two workers: the same p95 within the noise,
docs/benchmarks.md; so the stock worker stays.)
"""

import asyncio
import logging
import time

from asgiref.sync import sync_to_async
from channels.consumer import AsyncConsumer

from vision.errors import FrameError
from vision.pipeline import analyse_frame, warming_up

logger = logging.getLogger(__name__)


class VisionFrameWorker(AsyncConsumer):
    async def vision_analyse(self, message):
        # Started when the process started (vision.apps); the first frame waits for the same load.
        await asyncio.wrap_future(warming_up())

        reply_to, seq = message.get("reply_to"), message.get("seq")
        if not isinstance(reply_to, str) or not isinstance(message.get("frame"), bytes):
            logger.warning("Ignoring a malformed vision.analyse message")
            return
        if time.time() > message.get("expires_at", float("inf")):
            logger.debug("Skipping frame %s: it expired while queued", seq)
            return
        started = time.time()
        try:
            analysis = await sync_to_async(analyse_frame, thread_sensitive=False)(message["frame"], message.get("hint"))
            sent_at = message.get("sent_at")
            if isinstance(sent_at, float):  # how long the frame waited for this worker, Redis included
                analysis.timings_ms["queue"] = max(0.0, (started - sent_at) * 1000)
            analysis.timings_ms["worker"] = (time.time() - started) * 1000  # the analysis and its thread hops
            reply = {"type": "vision.result", "seq": seq, "analysis": analysis.to_dict()}
        except FrameError as error:
            reply = {"type": "vision.failure", "seq": seq, "code": error.code, "message": str(error)}
        except Exception:
            logger.exception("Frame analysis failed")
            reply = {
                "type": "vision.failure",
                "seq": seq,
                "code": "internal",
                "message": "The frame could not be analysed.",
            }
        reply["replied_at"] = time.time()
        await self.channel_layer.send(reply_to, reply)
