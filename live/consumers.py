"""The live websocket: webcam frames (or, in private mode, the browser's readings) in, emotions and mood changes out.

Origin and session are checked by the ASGI stack (``core.websocket.SameOriginValidator`` and
``AuthMiddlewareStack`` in ``emotunes/asgi.py``); at most LIVE_MAX_CONNECTIONS_PER_ADDRESS sockets
per client address are accepted (``live.connections``). This consumer only sequences: each message
is checked against the connection's state (``live.state``), a frame goes to the vision
back-end of ``VISION_MODE`` (``live.backends``; the same calls in both modes), the answer
is built by ``live.protocol`` and a mood change is kept by ``live.services``.
"""

import asyncio
import json
import logging

from channels.generic.websocket import AsyncWebsocketConsumer

from live import connections, protocol
from live.backends import open_backend
from live.errors import FRAME_FAILURES, ProtocolError
from live.limits import LiveLimits
from live.services import forget_neutral, load_neutral, record_mood_change, remember_neutral, session_user
from live.state import StreamState

logger = logging.getLogger(__name__)


class LiveConsumer(AsyncWebsocketConsumer):
    stream = None
    slot = None  # the client address whose connection slot this socket holds (live.connections)

    async def connect(self):
        address = connections.client_address(self.scope)
        if not await connections.acquire(address):
            await self.close()  # before accept: the handshake is refused (403)
            return
        self.slot = address
        limits = LiveLimits.from_settings()
        self.stream = StreamState(limits)
        self.vision = open_backend(
            channel_layer=self.channel_layer, reply_to=self.channel_name, timeout=limits.frame_timeout
        )
        user = self.scope.get("user")
        self.user = user if user is not None and user.is_authenticated else None
        session = self.scope.get("session")
        self.session_key = session.session_key if session is not None else None
        await self.accept()
        await self.send_json(protocol.hello(authenticated=self.user is not None, mode=self.vision.mode, limits=limits))
        if self.user is not None:
            # A neutral the listener kept on their account applies from the first frame.
            self.stream.neutral = await load_neutral(self.user)
            if self.stream.neutral is not None:
                await self.send_json(protocol.neutral("done", calibration=self.stream.neutral, remembered=True))

    async def disconnect(self, code):
        if self.stream is not None:
            self.stream.close()
        if self.slot is not None:
            await connections.release(self.slot)
            self.slot = None

    async def send_json(self, content):
        await self.send(text_data=json.dumps(content))

    async def receive(self, text_data=None, bytes_data=None):
        if bytes_data is not None:
            await self.receive_frame(bytes_data)
        else:
            await self.receive_message(text_data or "")

    async def receive_message(self, text):
        try:
            message = protocol.parse_text_message(text, self.stream.limits)
        except ProtocolError as failure:
            # Refused or not, a message counts against its rate (a reading against the frames').
            await self.send_json(protocol.text_failure(self.stream.admit_refused(failure)))
            return
        try:
            self.stream.admit_message(message)
        except ProtocolError as failure:
            await self.send_json(protocol.text_failure(failure))
            return
        if message["type"] == "reading":
            await self.receive_reading(message["seq"], message["analysis"])
        elif message["type"] == "ping":
            await self.send_json(protocol.pong())
        elif message["type"] == "manual_mood":
            self.stream.pick()
            await self.announce_mood(message["emotion"], 1.0, "manual")
        elif message["type"] == "calibrate_neutral":
            self.stream.start_neutral(remember=message["remember"] and self.user is not None)
            await self.send_json(protocol.neutral("collecting", seconds=self.stream.limits.neutral_calibration_s))
        elif message["type"] == "reset_neutral":
            self.stream.reset_neutral()
            if self.user is not None:
                await forget_neutral(self.user)
            await self.send_json(protocol.neutral("reset"))
        elif message["type"] == "follow_camera":
            mood = self.stream.follow_camera()
            if mood is not None:  # otherwise the camera's next stable mood is announced as it comes
                await self.announce_mood(mood["mood"], mood["confidence"], "camera")

    async def receive_frame(self, data):
        seq = self.stream.next_frame()
        try:
            self.stream.admit_frame(data)
        except FRAME_FAILURES as failure:
            await self.send_json(protocol.frame_failure(seq, failure, self.stream.limits))
            return
        # A task of its own: this handler returns, so the consumer goes on reading messages
        # (pings, and in workers mode the worker's reply) while the frame is analysed.
        self.stream.begin(seq, asyncio.create_task(self.analyse(seq, data)))

    async def analyse(self, seq, data):
        try:
            analysis = await self.vision.analyse(data, self.stream.hint)
        except Exception as failure:
            self.stream.finish()
            if not isinstance(failure, FRAME_FAILURES):
                logger.exception("Frame analysis failed")
            await self.send_json(protocol.frame_failure(seq, failure, self.stream.limits))
            return
        analysis, outcome = self.stream.calibrated(analysis)
        mood = self.stream.observe(analysis, self.stream.finish())
        await self.send_json(protocol.analysis(seq, analysis, mood))
        await self.neutral_outcome(outcome)
        if self.stream.announces(mood):
            await self.announce_mood(mood["mood"], mood.get("confidence", 0.0), "camera")

    async def receive_reading(self, seq, analysis):
        """Private mode: the browser's analysis of its own frame, answered once, as a frame's would be."""
        analysis, outcome = self.stream.calibrated(analysis)
        mood = self.stream.observe_reading(analysis)
        await self.send_json(protocol.analysis(seq, analysis, mood))
        await self.neutral_outcome(outcome)
        if self.stream.announces(mood):
            await self.announce_mood(mood["mood"], mood.get("confidence", 0.0), "camera")

    async def neutral_outcome(self, outcome):
        """A calibration that ended with this frame: told to the page, kept on the account if asked."""
        if outcome is None:
            return
        if outcome["status"] == "failed":
            await self.send_json(protocol.neutral("failed", message=outcome["message"]))
            return
        remembered = False
        if outcome["remember"] and self.user is not None:
            self.user = await session_user(self.session_key, self.user)
            remembered = self.user is not None and await remember_neutral(self.user, outcome["calibration"])
        await self.send_json(protocol.neutral("done", calibration=outcome["calibration"], remembered=remembered))

    async def announce_mood(self, emotion, confidence, source):
        await self.send_json(protocol.mood_changed(emotion, confidence, source))
        if self.user is None:
            return
        # The session is read again before each write (a logout, a password change elsewhere or a
        # deleted account ends it); when it is gone, so is this socket: the page reconnects as
        # whoever its cookie now says.
        self.user = await session_user(self.session_key, self.user)
        if self.user is None:
            await self.close(code=protocol.SESSION_ENDED)
            return
        await record_mood_change(user=self.user, emotion=emotion, confidence=confidence, source=source)

    # A vision worker's answer (VISION_MODE=workers) arrives on this consumer's channel.
    async def vision_result(self, event):
        self.vision.resolve(event)

    async def vision_failure(self, event):
        self.vision.resolve(event)
