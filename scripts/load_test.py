#!/usr/bin/env python
"""Load EmoTunes' live websocket with concurrent clients streaming real face frames.

    .venv/bin/python scripts/load_test.py --url ws://127.0.0.1:8000/ws/live/ --clients 10 20 40 --duration 30

Each client behaves like the page: it sends a 320×240 JPEG of a real face (scikit-image's
astronaut, with small shifts so frames differ), waits for the answer before sending the
next one, and paces itself to --fps frames per second. Loopback only: the URL must point
at this machine. Prints, per client count: frames answered per second, latency p50/p95, the
latency of each client's first frame, frames the server dropped and why, errors by code, the
share of frames answered by face tracking, and the CPU (cores used over the level) and resident
memory of each EmoTunes process — those of the launcher's pids.json with --pids, else every
process whose command line names daphne, runserver, runworker, celery, redis or postgres.
"""

import argparse
import asyncio
import ipaddress
import json
import os
import random
import socket
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import cv2
import numpy as np
import websockets
from skimage.data import astronaut

PROCESS_MARKERS = {
    "daphne": "daphne",
    "runserver": "runserver",
    "runworker": "vision-worker",
    "celery": "celery",
    "redis-server": "redis",
    "postgres": "postgres",
    "vision-pool": "vision-pool",
}


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
    frames: list[bytes],
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
                await ws.send(frames[n % len(frames)])
                n += 1
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


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0) / 1024


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def role_pids(pids_file: Path | None) -> dict[str, list[int]]:
    """Each role's process ids (its own child processes included) from the launcher's pids.json."""
    if pids_file is None or not pids_file.exists():
        return {}
    found: dict[str, list[int]] = {}
    for role, pid in json.loads(pids_file.read_text()).items():
        label = "vision-worker" if role.startswith("vision-") else role
        todo = [pid]
        while todo:
            current = todo.pop()
            found.setdefault(label, []).append(current)
            try:
                todo += _children(current)
            except OSError:
                continue
    return found


def matching_pids(only: list[int] | None = None) -> dict[str, list[int]]:
    """EmoTunes processes by the markers of their command lines (the load script excepted): those of
    ``only`` and their children, else every one on this machine."""
    found: dict[str, list[int]] = {}
    candidates = list(filter(str.isdigit, os.listdir("/proc")))
    if only:
        candidates, todo = [], list(only)
        while todo:
            current = todo.pop()
            candidates.append(str(current))
            try:
                todo += _children(current)
            except OSError:
                continue
    for pid in candidates:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "load_test.py" in cmdline or str(os.getpid()) == pid:
            continue
        for marker, label in PROCESS_MARKERS.items():
            if marker in cmdline:
                found.setdefault(label, []).append(int(pid))
                break
    return found


def process_cpu(pids: dict[str, list[int]]) -> dict[tuple[str, int], float]:
    """User + system CPU seconds each process has used so far, by (role, pid)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for label, ids in pids.items():
        for pid in ids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[label, pid] = (int(fields[11]) + int(fields[12])) / ticks
    return used


def process_rss(pids: dict[str, list[int]]) -> dict[tuple[str, int], float]:
    rss = {}
    for label, ids in pids.items():
        for pid in ids:
            try:
                rss[label, pid] = _rss_mb(pid)
            except OSError:
                continue
    return rss


def cpu_seconds(pids: dict[str, list[int]]) -> dict[str, float]:
    """User + system CPU seconds each role has used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    used = {}
    for label, ids in pids.items():
        total = 0.0
        for pid in ids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        used[label] = total
    return used


def role_memory(pids_file: Path) -> dict[str, list[float]]:
    """RSS of each role the launcher wrote to ``pids_file``, the role's own child processes included."""
    memory: dict[str, list[float]] = {}
    for role, pid in json.loads(pids_file.read_text()).items():
        label = "vision-worker" if role.startswith("vision-") else role
        todo = [pid]
        while todo:
            current = todo.pop()
            try:
                memory.setdefault(label, []).append(_rss_mb(current))
                todo += _children(current)
            except OSError:
                continue
    return memory


def process_memory(pids_file: Path | None = None) -> dict[str, list[float]]:
    """Memory per process: of the launcher's roles when ``pids_file`` is given, else of every matching process."""
    if pids_file is not None and pids_file.exists():
        return role_memory(pids_file)
    memory: dict[str, list[float]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for marker, label in PROCESS_MARKERS.items():
            if marker in cmdline and "load_test.py" not in cmdline:
                rss_kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS")), 0)
                memory.setdefault(label, []).append(rss_kb / 1024)
                break
    return memory


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return float(np.percentile(values, q))


async def run_level(args, clients: int, frames: list[bytes]) -> dict:
    tally = Tally()
    pids = role_pids(args.pids) or matching_pids(args.pid)
    cpu_before = cpu_seconds(pids)
    per_process_before = process_cpu(pids)
    own_before = os.times()
    started = time.monotonic()
    deadline = started + args.duration
    # Listeners open the page at different moments: each client starts at its own point of the first
    # frame period (--start-spread 0 starts all at once, so every frame of a period arrives in one burst).
    spread = random.Random(clients)
    await asyncio.gather(
        *(
            client(
                args.url,
                args.origin,
                frames,
                args.fps,
                deadline,
                tally,
                args.answer_timeout,
                spread.uniform(0, args.start_spread),
            )
            for _ in range(clients)
        )
    )
    elapsed = time.monotonic() - started
    warm = min(args.warm_up, args.duration / 2)
    window = deadline - started - warm
    cpu_after = cpu_seconds(pids)
    per_process = process_cpu(pids)
    rss = process_rss(pids)
    own = os.times()
    processes = [
        {
            "role": role,
            "pid": pid,
            "cores": round((used - per_process_before.get((role, pid), 0.0)) / elapsed, 2),
            "rss_mb": round(rss.get((role, pid), 0.0)),
        }
        for (role, pid), used in sorted(per_process.items())
    ]
    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "sent": tally.sent,
        "answered": tally.answered,
        # Rates in the steady state: from --warm-up seconds after the start (connections open, the
        # clients' start spread over) to the deadline; the counts cover the whole level.
        "answered_per_s": round(sum(started + warm <= t <= deadline for t in tally.answered_at) / window, 2),
        "sent_per_s": round(sum(started + warm <= t <= deadline for t in tally.sent_at) / window, 2),
        "offered_per_s": round(clients * args.fps, 1),
        "p50_ms": round(percentile(tally.latencies_ms, 50), 1),
        "p95_ms": round(percentile(tally.latencies_ms, 95), 1),
        "vision_p50_ms": round(percentile(tally.vision_ms, 50), 1),
        "worker_stages_p50_ms": {k: round(percentile(v, 50), 1) for k, v in tally.stage_ms.items() if v},
        "first_frame_p50_ms": round(percentile(tally.first_ms, 50), 1),
        "first_frame_max_ms": round(max(tally.first_ms), 1) if tally.first_ms else float("nan"),
        "tracked_share": round(tally.tracked / tally.answered, 3) if tally.answered else 0.0,
        # Share of one core each role used during the level (1.0 = a whole core); 2 cores in all here.
        "cpu_cores": {k: round((cpu_after[k] - cpu_before.get(k, 0.0)) / elapsed, 2) for k in cpu_after},
        "cpu_cores_load_test": round((own.user + own.system - own_before.user - own_before.system) / elapsed, 2),
        "dropped": tally.dropped,
        "dropped_share": round(tally.dropped / tally.sent, 4) if tally.sent else 0.0,
        "drop_reasons": dict(tally.drop_reasons),
        "errors": tally.errors,
        "error_codes": dict(tally.error_codes),
        "error_samples": tally.error_samples,
        "processes": processes,
        "memory_mb": {k: [round(v) for v in vs] for k, vs in process_memory(args.pids).items()},
        "load_average": [round(v, 2) for v in os.getloadavg()],
    }


def ensure_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        sys.exit(f"refusing to load {host} ({address}): this script only targets loopback addresses")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="ws://127.0.0.1:8000/ws/live/")
    parser.add_argument("--origin", default=None, help="Origin header (default: http://<host>:<port>)")
    parser.add_argument("--clients", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per client count (bounded)")
    parser.add_argument("--answer-timeout", type=float, default=10.0)
    parser.add_argument(
        "--warm-up",
        type=float,
        default=2.0,
        help="seconds at the start of each level left out of the rates (connecting, the start spread)",
    )
    parser.add_argument(
        "--start-spread",
        type=float,
        default=None,
        help="seconds over which the clients start (default: one frame period; 0: all at once)",
    )
    parser.add_argument(
        "--pids",
        type=Path,
        default=None,
        help="the launcher's pids.json (var/distributed/pids.json): memory of its processes only",
    )
    parser.add_argument(
        "--pid",
        type=int,
        action="append",
        default=None,
        help="without --pids: report these server processes (and their children) only",
    )
    parser.add_argument("--label", default="", help="a name for this run in the output")
    parser.add_argument("--json", action="store_true", help="print one JSON line per level")
    args = parser.parse_args()
    ensure_loopback(args.url)
    parsed = urlparse(args.url)
    args.origin = args.origin or f"http://{parsed.hostname}:{parsed.port or 80}"
    args.duration = min(args.duration, 600.0)
    if args.start_spread is None:
        args.start_spread = 1.0 / args.fps
    frames = face_frames()
    print(
        f"{args.label} load: {args.clients} clients × {args.fps} fps × {args.duration:.0f}s against {args.url}, "
        f"clients starting over {args.start_spread:g} s"
    )
    for clients in args.clients:
        result = asyncio.run(run_level(args, clients, frames))
        if args.json:
            print(json.dumps(dict(result, label=args.label)), flush=True)
        else:
            print(
                f"{clients:>3} clients: {result['answered_per_s']:6.2f} answered/s of {result['offered_per_s']} offered "
                f"({result['sent_per_s']} sent/s), "
                f"p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms (vision p50 {result['vision_p50_ms']} ms"
                f"{''.join(f', {k} {v}' for k, v in result['worker_stages_p50_ms'].items())}), "
                f"first frame p50 {result['first_frame_p50_ms']} ms max {result['first_frame_max_ms']} ms, "
                f"tracked {result['tracked_share']:.0%}, dropped {result['dropped']} ({result['dropped_share']:.2%}) "
                f"{result['drop_reasons'] or ''}, errors {result['errors']} {result['error_codes'] or ''}, "
                f"load script {result['cpu_cores_load_test']} cores | load average {result['load_average']}",
                flush=True,
            )
            for process in result["processes"]:
                print(
                    f"      {process['role']:<14} pid {process['pid']:<8} {process['cores']:5.2f} cores  "
                    f"{process['rss_mb']:5d} MB"
                )
            for sample in result["error_samples"]:
                print(f"      error: {sample}")
        time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
