#!/usr/bin/env python
"""Load EmoTunes' live websocket with concurrent clients streaming real face frames.

    .venv/bin/python scripts/load_test.py --url ws://127.0.0.1:8000/ws/live/ --clients 10 20 40 --duration 30

Each client behaves like the page: it sends a 320×240 JPEG of a real face (scikit-image's
astronaut, with small shifts so frames differ), waits for the answer before sending the
next one, and paces itself to --fps frames per second. With --on-device each client is a page in
private mode: it sends those frames' readings (their faces and seven scores, computed once by the
server's own pipeline before the run) as text instead. Loopback only: the URL must point
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
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

# This file runs the levels and reports them; the clients are load_clients.py and the per-process
# CPU and memory sampling load_processes.py, beside it (run as a script, its folder is sys.path[0]).
from load_clients import Tally, client, face_frames, face_readings
from load_processes import cpu_seconds, matching_pids, process_cpu, process_memory, process_rss, role_pids


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


def readings_of(frames: list[bytes]) -> list[dict]:
    """The readings a private-mode page would send for these frames, from the server's own pipeline."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "emotunes.settings")
    import django

    django.setup()
    readings = face_readings(frames)
    if not all(reading["faces"] for reading in readings):
        sys.exit("the face frames were not all read as faces: no readings to send")
    return readings


def ensure_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        sys.exit(f"refusing to load {host} ({address}): this script only targets loopback addresses")


def print_level(clients: int, result: dict) -> None:
    """One level as text: the totals on one line, then each server process and the first errors."""
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
    parser.add_argument(
        "--on-device",
        action="store_true",
        help="clients in private mode: each sends readings (the real faces' scores) instead of frames",
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
    if args.on_device:
        frames = readings_of(frames)
    print(
        f"{args.label} load{' (on-device readings)' if args.on_device else ''}: {args.clients} clients × {args.fps} fps × {args.duration:.0f}s against {args.url}, "
        f"clients starting over {args.start_spread:g} s"
    )
    for clients in args.clients:
        result = asyncio.run(run_level(args, clients, frames))
        if args.json:
            print(json.dumps(dict(result, label=args.label)), flush=True)
        else:
            print_level(clients, result)
        time.sleep(2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
