"""End-to-end latency of the live stream: frame sent → analysis received, as the page sees it.

Streams real face frames (scikit-image's astronaut, as a 320×240 JPEG at quality 0.7 like
the page sends, or your own pictures with --image) to a running server's websocket, one
frame in flight at a time, and prints p50/p95 of the round trip. Start the server first
(and the vision workers, for the distributed set-up); see README, "Live stream".
"""

import asyncio
import io
import statistics
import time
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = (len(ordered) - 1) * p / 100
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def face_frames(images: list[str]) -> list[bytes]:
    from PIL import Image

    pictures = []
    if images:
        for path in images:
            try:
                pictures.append(Image.open(path).convert("RGB"))
            except OSError as error:
                raise CommandError(f"cannot read {path}: {error}") from None
        crops = [(picture, None) for picture in pictures]
    else:
        from skimage import data

        astronaut = Image.fromarray(data.astronaut())
        # A head moving a little, as in front of a webcam.
        crops = [(astronaut, (64 + dx, dy, 448 + dx, 288 + dy)) for dx, dy in ((0, 0), (4, 2), (8, 0), (4, -2))]
    frames = []
    for picture, box in crops:
        image = (picture.crop((box[0], max(0, box[1]), box[2], box[3])) if box else picture).resize((320, 240))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=70)
        frames.append(buffer.getvalue())
    return frames


class Stream:
    """One websocket connection behaving like the page: a frame, wait for its answer, the next."""

    def __init__(self, url, origin, frames, interval):
        self.url, self.origin, self.frames, self.interval = url, origin, frames, interval
        self.latencies_ms, self.server_ms = [], []
        self.counts = {"sent": 0, "analysis": 0, "dropped": 0, "error": 0}
        self.errors = {}

    async def run(self, seconds, warm_up, progress):
        from websockets.asyncio.client import connect

        async with connect(self.url, origin=self.origin, max_size=2**20, compression=None) as socket:
            await self._loop(socket, seconds, warm_up, progress)

    async def _loop(self, socket, seconds, warm_up, progress):
        import json

        measuring_from = None
        end = None
        index = 0
        warmed = 0
        next_report = None
        while end is None or time.perf_counter() < end:
            frame = self.frames[index % len(self.frames)]
            index += 1
            sent = time.perf_counter()
            await socket.send(frame)
            while True:
                text = await asyncio.wait_for(socket.recv(), 60)
                received = time.perf_counter()
                if not isinstance(text, str):
                    continue
                message = json.loads(text)
                if message["type"] in ("analysis", "dropped", "error"):
                    break
            if measuring_from is None:
                if message["type"] == "analysis":
                    warmed += 1
                if warmed >= warm_up:
                    measuring_from = time.perf_counter()
                    end = measuring_from + seconds
                    next_report = measuring_from + 10
            else:
                self.counts["sent"] += 1
                self.counts[message["type"]] += 1
                if message["type"] == "analysis":
                    self.latencies_ms.append((received - sent) * 1000)
                    self.server_ms.append(message["timings_ms"].get("total", float("nan")))
                elif message["type"] == "error":
                    self.errors[message["code"]] = self.errors.get(message["code"], 0) + 1
                if progress and time.perf_counter() >= next_report:
                    next_report += 10
                    progress(self)
            # The page's pace: at most one frame per interval, and never before the answer.
            await asyncio.sleep(max(0.0, self.interval - (time.perf_counter() - sent)))


class Command(BaseCommand):
    help = "Stream face frames to a running server's live websocket and print the p50/p95 latency."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/live/", help="the live websocket")
        parser.add_argument("--origin", help="Origin header (default: http://HOST:PORT of --url)")
        parser.add_argument("--seconds", type=float, default=60.0, help="how long to measure (default 60)")
        parser.add_argument(
            "--fps", type=float, default=4.0, help="frames per second per stream at most, like the page (default 4)"
        )
        parser.add_argument("--streams", type=int, default=1, help="concurrent connections (default 1)")
        parser.add_argument(
            "--warm-up", type=int, default=3, help="analysed frames before measuring starts (default 3)"
        )
        parser.add_argument(
            "--image", action="append", default=[], help="a face picture to send instead of the astronaut (repeatable)"
        )

    def handle(self, *args, **options):
        parts = urlsplit(options["url"])
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise CommandError("--url must be ws://HOST:PORT/ws/live/ or wss://...")
        origin = options["origin"] or f"{'https' if parts.scheme == 'wss' else 'http'}://{parts.netloc}"
        frames = face_frames(options["image"])
        interval = 1.0 / options["fps"] if options["fps"] > 0 else 0.0
        streams = [Stream(options["url"], origin, frames, interval) for _ in range(max(1, options["streams"]))]
        self.stdout.write(
            f"Streaming {len(frames)} face frame(s) of ~{statistics.mean(map(len, frames)) / 1000:.1f} kB "
            f"to {options['url']} on {len(streams)} connection(s), at most {options['fps']:g} fps each, "
            f"for {options['seconds']:g} s after {options['warm_up']} warm-up frame(s)…"
        )
        started = time.perf_counter()

        def progress(stream):
            if stream is streams[0]:
                done = sum(len(s.latencies_ms) for s in streams)
                recent = stream.latencies_ms[-20:]
                self.stdout.write(
                    f"  {time.perf_counter() - started:5.0f} s: {done} frames analysed, "
                    f"recent p50 {percentile(recent, 50):.0f} ms"
                )

        async def run_all():
            await asyncio.gather(*(s.run(options["seconds"], options["warm_up"], progress) for s in streams))

        from websockets.exceptions import ConnectionClosed, InvalidHandshake

        try:
            asyncio.run(run_all())
        except (ConnectionError, OSError, InvalidHandshake, ConnectionClosed) as error:
            raise CommandError(f"cannot stream to {options['url']}: {error}") from None
        except TimeoutError:
            raise CommandError("no answer from the server within 60 s") from None

        latencies = [ms for s in streams for ms in s.latencies_ms]
        server = [ms for s in streams for ms in s.server_ms]
        counts = {k: sum(s.counts[k] for s in streams) for k in streams[0].counts}
        errors = {}
        for s in streams:
            for code, n in s.errors.items():
                errors[code] = errors.get(code, 0) + n
        if not latencies:
            raise CommandError(f"no frame was analysed: {counts}, errors {errors}")
        elapsed = options["seconds"]
        self.stdout.write(
            f"frames sent {counts['sent']}, analysed {counts['analysis']}, dropped {counts['dropped']}, "
            f"errors {counts['error']}{' ' + str(errors) if errors else ''}; "
            f"{counts['analysis'] / elapsed:.1f} analysed/s in all"
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"latency frame sent → analysis received: p50 {percentile(latencies, 50):.1f} ms, "
                f"p95 {percentile(latencies, 95):.1f} ms, max {max(latencies):.1f} ms "
                f"(vision itself p50 {percentile(server, 50):.1f} ms)"
            )
        )
        # What the stream adds to the vision work: websocket, consumer, thread pool or Redis and worker.
        overhead = [total - vision for s in streams for total, vision in zip(s.latencies_ms, s.server_ms)]
        self.stdout.write(
            f"transport and queueing beyond the vision work: p50 {percentile(overhead, 50):.1f} ms, "
            f"p95 {percentile(overhead, 95):.1f} ms"
        )
