"""The vision back-ends behind one interface: chosen from VISION_MODE, the same typed errors, the same answers.

No models are loaded here: the consumer is driven with a stand-in back-end (what a third one,
a Celery queue or a remote service, would look like to it), and the worker-mode back-end with
a stand-in channel layer. tests/live/test_analysis.py and tests/live/test_workers.py run the
real ones.
"""

import asyncio

import pytest
from channels.exceptions import ChannelFull
from django.test import override_settings

from live import backends
from live.errors import VisionBusy, VisionFailed
from tests.live_support import open_live_socket, send_frame_and_wait
from vision.errors import FrameError, NotAnImage
from vision.pipeline import FaceResult, FrameAnalysis

FACE = FaceResult(
    box=(40, 30, 120, 130),
    confidence=0.99,
    emotions={"angry": 0.0, "disgust": 0.0, "fear": 0.0, "happy": 0.94, "sad": 0.02, "surprise": 0.02, "neutral": 0.02},
    primary=True,
)


class ScriptedVision(backends.VisionBackend):
    """Answers each frame with the next outcome of ``script``: an analysis, or an error to raise."""

    mode = "embedded"
    script: list = []
    hints: list = []

    async def analyse(self, frame, hint):
        ScriptedVision.hints.append(hint)
        outcome = ScriptedVision.script.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


@pytest.fixture
def scripted(monkeypatch):
    monkeypatch.setitem(backends.BACKENDS, "embedded", ScriptedVision)
    ScriptedVision.script, ScriptedVision.hints = [], []
    return ScriptedVision


@pytest.mark.parametrize(
    ("mode", "backend"), [("embedded", backends.EmbeddedVision), ("workers", backends.WorkerVision)]
)
def test_vision_mode_picks_the_backend(mode, backend):
    with override_settings(VISION_MODE=mode):
        opened = backends.open_backend(channel_layer=None, reply_to="reply", timeout=1.0)
    assert type(opened) is backend and opened.mode == mode


async def test_every_outcome_of_a_backend_gets_its_answer(scripted):
    scripted.script = [
        FrameAnalysis(width=320, height=240, faces=[FACE], timings_ms={"total": 5.0}),
        VisionBusy(),
        TimeoutError(),
        NotAnImage("The frame is not an image."),
        VisionFailed(),
        RuntimeError("a bug"),
        FrameAnalysis(width=320, height=240),
    ]
    communicator = await open_live_socket()
    answers = [(await send_frame_and_wait(communicator, b"\xff\xd8\xff frame"))[0] for _ in range(7)]
    assert answers[0]["type"] == "analysis" and answers[0]["faces"][0]["box"] == [40, 30, 120, 130]
    assert answers[1] == {"type": "dropped", "seq": 2, "reason": "server_busy"}
    assert (answers[2]["code"], answers[2]["seq"]) == ("vision_timeout", 3)
    assert answers[3] == {"type": "error", "seq": 4, "code": "not_an_image", "message": "The frame is not an image."}
    assert (answers[4]["code"], answers[5]["code"]) == ("internal", "internal")
    assert answers[6]["type"] == "analysis" and answers[6]["seq"] == 7
    # The previous frame's faces travel with the next frame (vision.tracking decides when a full
    # detection is due instead: every VISION_TRACK_REDETECT_FRAMES frames or _S seconds).
    assert scripted.hints[:2] == [None, ((40, 30, 120, 130),)]
    assert scripted.hints[6] == ((40, 30, 120, 130),)  # failures leave the last faces as the hint
    await communicator.disconnect()


class Layer:
    """A stand-in channel layer: records what is sent, or refuses it as full."""

    def __init__(self, full=False):
        self.sent, self.full = [], full

    async def send(self, channel, message):
        if self.full:
            raise ChannelFull()
        self.sent.append((channel, message))


def worker_vision(layer, timeout=5.0):
    return backends.WorkerVision(channel_layer=layer, reply_to="consumer-channel", timeout=timeout)


async def test_worker_backend_sends_frame_and_hint_and_reads_the_reply():
    layer = Layer()
    vision = worker_vision(layer)
    task = asyncio.create_task(vision.analyse(b"frame", ((1, 2, 3, 4), (50, 60, 30, 40))))
    await asyncio.sleep(0)
    [(channel, message)] = layer.sent
    assert channel == "vision-frames" and message["reply_to"] == "consumer-channel"
    assert (message["type"], message["frame"]) == ("vision.analyse", b"frame")
    assert message["hint"] == [[1, 2, 3, 4], [50, 60, 30, 40]]  # plain lists: what msgpack carries
    vision.resolve({"type": "vision.result", "seq": message["seq"] + 1, "analysis": {}})  # another frame's: ignored
    analysis = FrameAnalysis(width=320, height=240, faces=[FACE])
    vision.resolve({"type": "vision.result", "seq": message["seq"], "analysis": analysis.to_dict()})
    assert (await task).to_dict() == analysis.to_dict()


async def failure_from_worker(vision, code, message):
    task = asyncio.create_task(vision.analyse(b"frame", None))
    await asyncio.sleep(0)
    vision.resolve({"type": "vision.failure", "seq": vision.requests, "code": code, "message": message})
    return await task


async def test_worker_backend_raises_the_typed_errors():
    vision = worker_vision(Layer())
    with pytest.raises(FrameError) as raised:
        await failure_from_worker(vision, "truncated", "cut short")
    assert (raised.value.code, str(raised.value)) == ("truncated", "cut short")
    with pytest.raises(VisionFailed):
        await failure_from_worker(vision, "internal", "The frame could not be analysed.")
    with pytest.raises(VisionBusy):
        await worker_vision(Layer(full=True)).analyse(b"frame", None)


async def test_a_late_reply_is_ignored_after_the_timeout():
    vision = worker_vision(Layer(), timeout=0.05)
    with pytest.raises(TimeoutError):
        await vision.analyse(b"frame", None)
    vision.resolve({"type": "vision.result", "seq": 1, "analysis": {}})  # no one waits: nothing happens
    assert vision.waiting is None
