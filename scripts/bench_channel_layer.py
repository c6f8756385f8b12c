#!/usr/bin/env python
"""The channel layer's share of a worker-mode frame: round trips through Redis, stock layer against ours.

    .venv/bin/python scripts/bench_channel_layer.py            # starts its own Redis on a free port

A "consumer" process sends messages shaped like the live stream's frames (a 320×240 JPEG of
~18 kB, a hint, a reply channel) to a channel that an "echo worker" process reads, and the
worker answers each on the consumer's reply channel with a message the size of an analysis —
the path of a frame in `VISION_MODE=workers`, without the vision work. For each layer class
(channels_redis' `RedisChannelLayer`, `emotunes.channel_layer.FastRedisChannelLayer`), with
1 and with 40 frames in flight (40 streams waiting on one web process), it prints the round
trip p50/p95, frames per second through the one echo worker, and the CPU each process spent per
frame (the worker's includes its start-up, a few ms in all).
"""

import argparse
import asyncio
import multiprocessing
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LAYERS = {
    "stock": "channels_redis.core.RedisChannelLayer",
    "fast": "emotunes.channel_layer.FastRedisChannelLayer",
}
ANSWER = {
    "width": 320,
    "height": 240,
    "faces": [
        {
            "box": [100, 40, 60, 70],
            "confidence": 0.999,
            "emotions": {e: 0.1428 for e in "abcdefg"},
            "emotion": "a",
            "primary": True,
        }
    ],
    "timings_ms": {"decode": 0.4, "detect": 1.7, "align": 0.1, "classify": 0.4, "total": 2.6},
    "detection": "tracked",
    "fallback": None,
}


def make_layer(path: str, url: str):
    module, name = path.rsplit(".", 1)
    cls = getattr(__import__(module, fromlist=[name]), name)
    return cls(hosts=[{"address": url, "socket_timeout": 15}], capacity=1000)


def echo_worker(path: str, url: str, ready, cpu_out) -> None:
    async def serve():
        layer = make_layer(path, url)
        ready.set()
        while True:
            message = await layer.receive("bench-frames")
            if message["type"] == "stop":
                break
            await layer.send(message["reply_to"], {"type": "bench.result", "seq": message["seq"], "analysis": ANSWER})

    asyncio.run(serve())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_out.put(usage.ru_utime + usage.ru_stime)


async def consumer(path: str, url: str, frame: bytes, count: int, in_flight: int) -> tuple[list[float], float]:
    layer = make_layer(path, url)
    waiting: dict[int, asyncio.Future] = {}
    channels = [await layer.new_channel() for _ in range(in_flight)]

    async def listen(channel):
        while True:
            reply = await layer.receive(channel)
            waiting.pop(reply["seq"]).set_result(time.perf_counter())

    listeners = [asyncio.ensure_future(listen(c)) for c in channels]
    times: list[float] = []
    seq = 0

    async def stream(channel):
        nonlocal seq
        while seq < count:
            seq += 1
            mine = seq
            future = asyncio.get_running_loop().create_future()
            waiting[mine] = future
            started = time.perf_counter()
            await layer.send(
                "bench-frames",
                {
                    "type": "bench.analyse",
                    "seq": mine,
                    "frame": frame,
                    "hint": [[100, 40, 60, 70]],
                    "reply_to": channel,
                    "sent_at": time.time(),
                    "expires_at": time.time() + 10,
                },
            )
            times.append((await future - started) * 1000)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(stream(c) for c in channels))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    await layer.send("bench-frames", {"type": "stop"})
    for listener in listeners:
        listener.cancel()
    return times, cpu, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=1000, help="frames per layer and level")
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 40], help="frames in flight")
    parser.add_argument("--redis-url", default=None, help="an existing Redis (default: start one on a free port)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotunes.settings")
    from emotunes.localservers import RedisServer, free_port
    from tests.vision_fixtures import astronaut_frame  # noqa: E402  (the same frame as the other benchmarks)

    server = None
    url = args.redis_url
    if url is None:
        import tempfile

        server = RedisServer(port=free_port(), directory=Path(tempfile.mkdtemp())).start()
        url = server.url
    frame = astronaut_frame()
    print(f"{len(frame):,}-byte frames through Redis at {url}, {args.frames} per row")
    print(
        f"  {'layer':<6}{'in flight':>10}{'p50 ms':>9}{'p95 ms':>9}{'frames/s':>11}{'consumer CPU/frame':>20}"
        f"{'worker CPU/frame':>18}"
    )
    try:
        for level in args.levels:
            for name, path in LAYERS.items():
                # Each row from an empty Redis: the stock layer redelivers what a stopped worker left in its backup queue.
                asyncio.run(make_layer(path, url).flush())
                context = multiprocessing.get_context("spawn")
                ready, cpu_out = context.Event(), context.Queue()
                worker = context.Process(target=echo_worker, args=(path, url, ready, cpu_out))
                worker.start()
                ready.wait(30)
                times, consumer_cpu, wall = asyncio.run(consumer(path, url, frame, args.frames, level))
                worker.join(30)
                worker_cpu = cpu_out.get(timeout=30)  # the whole process: start-up included, a little over
                p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
                print(
                    f"  {name:<6}{level:>10}{p50:>9.2f}{p95:>9.2f}{len(times) / wall:>11.0f}"
                    f"{consumer_cpu / len(times) * 1000:>17.2f} ms{worker_cpu / len(times) * 1000:>15.2f} ms"
                )
    finally:
        if server is not None:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
