"""The load test's clients: each one streams real face frames (or their readings) over the live websocket as the page does.

Kept apart from the load script (`scripts/load_test.py`), which only runs levels of them and
reports, so that what one listener does — and what it counts — reads in one place. A client
sends a 320×240 JPEG of a real face, waits for the answer before sending the next one (as the
page does: one frame in flight), paces itself to the frame rate, and tallies every answer,
drop and error instead of stopping at the first failure. With --on-device a client is a page in
private mode: it sends the readings of real faces, computed once by the server's own pipeline,
instead of their frames.
"""

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field

import cv2
import websockets
from skimage.data import astronaut


def face_frames(count: int = 8) -> list[bytes]:
    image = cv2.cvtColor(astronaut(), cv2.COLOR_RGB2BGR)
    frames = []
    for n in range(count):
        dx, dy = (n % 4) * 6, (n // 4) * 6
        crop = image[dy : dy + 420, 40 + dx : 40 + dx + 420]
        frame = cv2.resize(crop, (320, 240), interpolation=cv2.INTER_AREA)
        ok, encoded = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 70])
        assert ok
        frames.append(encoded.tobytes())
    return frames


def face_readings(frames: list[bytes]) -> list[dict]:
    """What a page in private mode sends for each frame: the server's own analysis of these real faces
    (`vision.pipeline.analyse_frame`, computed once here), as readings without their seq."""
    from vision.pipeline import analyse_frame

    readings = []
    for frame in frames:
        analysis = analyse_frame(frame)
        faces = [
            {
                "box": list(face.box),
                "confidence": round(face.confidence, 4),
                "emotions": {e: round(p, 4) for e, p in face.emotions.items()},
            }
            for face in analysis.faces
        ]
        readings.append({"type": "reading", "width": analysis.width, "height": analysis.height, "faces": faces})
    return readings


@dataclass
class Tally:
    latencies_ms: list = field(default_factory=list)
    vision_ms: list = field(default_factory=list)  # the pipeline's own timings_ms.total of each answer
    # Worker mode: the frame's wait for a worker (Redis included), the worker's time, the way back
    stage_ms: dict = field(default_factory=lambda: {"queue": [], "worker": [], "reply": []})
    first_ms: list = field(default_factory=list)  # each client's first frame: sent → answered
    answered: int = 0
    answered_at: list = field(default_factory=list)  # monotonic time of each answer
    tracked: int = 0  # answers whose faces were found by face tracking
    dropped: int = 0
    drop_reasons: Counter = field(default_factory=Counter)
    errors: int = 0
    error_codes: Counter = field(default_factory=Counter)
    error_samples: list = field(default_factory=list)
    sent: int = 0
    sent_at: list = field(default_factory=list)

    def error(self, text: str, code: str = "client") -> None:
        self.errors += 1
        self.error_codes[code] += 1
        if len(self.error_samples) < 5:
            self.error_samples.append(text)


async def client(
    url: str,
    origin: str,
    frames: list,
    fps: float,
    deadline: float,
    tally: Tally,
    answer_timeout: float,
    start_delay: float = 0.0,
) -> None:
    period = 1.0 / fps
    await asyncio.sleep(start_delay)
    try:
        async with websockets.connect(url, origin=origin, max_size=2**20, open_timeout=10) as ws:
            n = 0
            while time.monotonic() < deadline:
                tick = time.monotonic()
                tally.sent += 1
                tally.sent_at.append(tick)
                frame = frames[n % len(frames)]
                n += 1
                # A JPEG frame, or (--on-device) a reading: the page's private mode sends it as text.
                await ws.send(frame if isinstance(frame, bytes) else json.dumps(dict(frame, seq=n)))
                while True:
                    try:
                        raw = await asyncio.wait_for(ws.recv(), timeout=answer_timeout)
                    except TimeoutError:
                        tally.error(f"no answer within {answer_timeout:.0f}s", "no_answer")
                        break
                    if isinstance(raw, bytes):
                        continue
                    message = json.loads(raw)
                    kind = message.get("type")
                    if kind == "analysis":
                        latency = (time.monotonic() - tick) * 1000
                        tally.answered += 1
                        tally.answered_at.append(time.monotonic())
                        tally.latencies_ms.append(latency)
                        if n == 1:
                            tally.first_ms.append(latency)
                        tally.tracked += message.get("detection") == "tracked"
                        timings = message.get("timings_ms", {})
                        tally.vision_ms.append(float(timings.get("total", float("nan"))))
                        for stage, values in tally.stage_ms.items():
                            if stage in timings:
                                values.append(float(timings[stage]))
                        break
                    if kind == "dropped":
                        tally.dropped += 1
                        tally.drop_reasons[message.get("reason", "?")] += 1
                        break
                    if kind == "error":
                        tally.error(f"{message.get('code')}: {message.get('message')}", message.get("code", "?"))
                        break
                    # hello, mood_changed and other notices are not answers to the frame
                await asyncio.sleep(max(0.0, period - (time.monotonic() - tick)))
    except Exception as exc:  # a load report counts every failure instead of stopping at the first
        tally.error(f"{type(exc).__name__}: {exc}", type(exc).__name__)
