"""The live websocket: webcam frames in, emotions and mood changes out.

Origin and session are checked by the ASGI stack (``AllowedHostsOriginValidator`` and
``AuthMiddlewareStack`` in ``emotunes/asgi.py``). This consumer validates each message,
keeps at most one frame per connection in flight and relays the answer; the protocol rules
live in ``vision.live`` and the vision work in ``vision.pipeline`` (in this process's thread
pool, or in ``vision.worker`` processes behind the channel layer with ``VISION_MODE=workers``).
"""

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.exceptions import ChannelFull
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from core.emotions import EMOTIONS
from vision import live
from vision.errors import FrameError

logger = logging.getLogger(__name__)


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        self.limits = live.LiveLimits.from_settings()
        self.mode = settings.VISION_MODE
        self.frame_bucket = live.TokenBucket(self.limits.max_frames_per_second)
        self.text_bucket = live.TokenBucket(self.limits.max_texts_per_second)
        self.seq = 0
        self.in_flight = None  # (seq, monotonic time it arrived) of the frame being analysed
        self.in_flight_task = None
        self.smoother = live.new_smoother()
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        await self.accept()
        if self.mode == "embedded":
            live.embedded_vision()  # starts loading the models while the camera warms up
        await self.send_json({
            "type": "hello",
            "authenticated": self.user is not None,
            "mode": self.mode,
            "emotions": list(EMOTIONS),
            "limits": self.limits.public(),
        })

    async def disconnect(self, code):
        if self.in_flight_task is not None:
            self.in_flight_task.cancel()
        self.in_flight = None

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content))

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.receive_frame(bytes_data)
        else:
            await self.receive_message(text_data or "")

    # --- text messages -----------------------------------------------------------------
    async def receive_message(self, text):
        try:
            if not self.text_bucket.allow():
                raise live.ProtocolError("too_fast", "Too many messages; slow down.")
            message = live.parse_text_message(text, self.limits)
        except live.ProtocolError as error:
            await self.send_json(error.payload())
            return
        if message["type"] == "ping":
            await self.send_json({"type": "pong"})
        elif message["type"] == "manual_mood":
            await self.announce_mood(message["emotion"], 1.0, "manual")

    # --- frames --------------------------------------------------------------------------
    async def receive_frame(self, data):
        self.seq += 1
        seq = self.seq
        try:
            live.check_frame(data, self.limits)
            if not self.frame_bucket.allow():
                raise live.ProtocolError(
                    "too_fast",
                    f"More than {self.limits.max_frames_per_second:g} frames per second; wait for each answer.",
                )
        except live.ProtocolError as error:
            await self.send_json(error.payload(seq=seq))
            return
        if self.in_flight is not None:
            await self.send_json({"type": "dropped", "seq": seq, "reason": "busy"})
            return
        if self.mode == "workers":
            await self.send_to_worker(seq, data)
        else:
            self.in_flight = (seq, time.monotonic())
            self.in_flight_task = asyncio.create_task(self.analyse_embedded(seq, data))

    async def analyse_embedded(self, seq, data):
        try:
            analysis = await live.embedded_vision().analyse(data, timeout=self.limits.frame_timeout)
        except live.VisionBusy:
            self.in_flight = None
            await self.send_json({"type": "dropped", "seq": seq, "reason": "server_busy"})
        except TimeoutError:
            self.in_flight = None
            await self.send_json(live.timeout_payload(seq, self.limits))
        except FrameError as error:
            self.in_flight = None
            code, message = live.frame_error_payload(error)
            await self.send_json({"type": "error", "seq": seq, "code": code, "message": message})
        except Exception:
            self.in_flight = None
            logger.exception("Frame analysis failed")
            await self.send_json({"type": "error", "seq": seq, "code": "internal", "message": "The frame could not be analysed."})
        else:
            arrived = self.claim(seq)
            if arrived is not None:
                await self.deliver(seq, analysis, arrived)

    async def send_to_worker(self, seq, data):
        try:
            await self.channel_layer.send(settings.LIVE_VISION_CHANNEL, {
                "type": "vision.analyse",
                "seq": seq,
                "frame": data,
                "reply_to": self.channel_name,
                # Wall-clock, as worker processes do not share this process's monotonic clock.
                "expires_at": time.time() + self.limits.frame_timeout,
            })
        except ChannelFull:
            await self.send_json({"type": "dropped", "seq": seq, "reason": "server_busy"})
            return
        self.in_flight = (seq, time.monotonic())
        self.in_flight_task = asyncio.create_task(self.expire(seq))

    async def expire(self, seq):
        await asyncio.sleep(self.limits.frame_timeout)
        if self.in_flight and self.in_flight[0] == seq:
            self.in_flight = None
            await self.send_json(live.timeout_payload(seq, self.limits))

    async def vision_result(self, event):
        """A worker's answer (``vision.worker``); late answers to timed-out frames are ignored."""
        arrived = self.claim(event.get("seq"))
        if arrived is None:
            return
        await self.deliver(event["seq"], live.analysis_from_dict(event["analysis"]), arrived)

    async def vision_failure(self, event):
        if self.claim(event.get("seq")) is None:
            return
        await self.send_json({"type": "error", "seq": event["seq"], "code": event["code"], "message": event["message"]})

    def claim(self, seq):
        """When the frame ``seq`` arrived, if it is the one in flight; it no longer is afterwards."""
        if not self.in_flight or self.in_flight[0] != seq:
            return None
        arrived = self.in_flight[1]
        self.in_flight = None
        if self.mode == "workers" and self.in_flight_task is not None:
            self.in_flight_task.cancel()  # the timeout watch; in embedded mode it is this very task
        self.in_flight_task = None
        return arrived

    async def deliver(self, seq, analysis, arrived):
        mood = self.smoother.update(analysis, arrived)
        await self.send_json(live.analysis_message(seq, analysis.to_dict(), mood))
        if mood.get("changed") and mood.get("mood"):
            await self.announce_mood(mood["mood"], mood.get("confidence", 0.0), "camera")

    async def announce_mood(self, emotion, confidence, source):
        await self.send_json({"type": "mood_changed", "mood": emotion, "confidence": confidence, "source": source})
        if self.user is not None:
            try:
                await record_mood(user=self.user, emotion=emotion, confidence=confidence, source=source)
            except Exception:
                # The history is a nicety; the stream must go on without it.
                logger.exception("Could not record a mood change")


@database_sync_to_async
def record_mood(**kwargs):
    from moods.services import record_mood as record

    return record(**kwargs)
