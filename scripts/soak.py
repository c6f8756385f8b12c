#!/usr/bin/env python
"""Soak EmoTunes: N listeners streaming real face frames for D minutes, and what it cost each process.

    .venv/bin/python scripts/soak.py --mode embedded --listeners 40 --fps 2 --minutes 20
    .venv/bin/python scripts/soak.py --mode distributed --vision-workers 2 --listeners 40 --fps 2 --minutes 20

Starts its own set-up in a temporary directory on free loopback ports and stops it at the end:
``embedded`` is one Daphne (``python -m emotunes.serve``) on a fresh SQLite database, vision in
its thread pool; ``distributed`` is ``scripts/distributed.py`` (nginx in front, Daphne, Redis
channel layer, PostgreSQL, --vision-workers vision workers, the Celery worker and beat).
``--url ws://…/ws/live/`` soaks a set-up that is already running instead (its processes found
by their command lines). The listeners are the load test's clients (scripts/load_clients.py: one
frame in flight, paced to --fps, every answer, drop and error tallied), started spread over the
first second. A line of progress every --every seconds; at the end, per process, its resident
memory (RSS) once the set-up was warm and at the end, and frames answered per second, dropped
(by reason) and errors (by code), latency p50/p95. --json FILE writes the same as JSON.

A benchmark, not a test: its figures go to docs/benchmarks.md with the command that made them.
"""

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from load_clients import Tally, client, face_frames  # noqa: E402  (beside this script)
from load_processes import matching_pids, process_rss, role_pids  # noqa: E402

from emotunes.localservers import free_port, wait_for_port  # noqa: E402

PYTHON = sys.executable


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("embedded", "distributed"), default="embedded")
    parser.add_argument("--url", help="soak a running set-up at this ws:// URL instead of starting one")
    parser.add_argument("--listeners", type=int, default=40)
    parser.add_argument("--fps", type=float, default=2.0)
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--vision-workers", type=int, default=2, help="distributed mode")
    parser.add_argument("--every", type=float, default=60.0, help="seconds between progress lines")
    parser.add_argument("--answer-timeout", type=float, default=15.0)
    parser.add_argument("--json", type=Path, help="also write the report here")
    return parser.parse_args()


class SetUp:
    """The servers under test, started in a directory of their own; ``pids()`` finds their processes."""

    def __init__(self, args, directory: Path):
        self.dir = directory
        self.port = free_port()
        self.url = f"ws://127.0.0.1:{self.port}/ws/live/"
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL", "VISION_MODE")}
        env.update(PYTHONUNBUFFERED="1", LOG_LEVEL="WARNING", EMOTUNES_VAR_DIR=str(ROOT / "var"))
        cap = str(args.listeners + 10)
        self.log = open(directory / f"{args.mode}.log", "wb")  # noqa: SIM115 - held for the servers
        if args.mode == "embedded":
            env.update(SQLITE_PATH=str(directory / "db.sqlite3"), LIVE_MAX_CONNECTIONS_PER_ADDRESS=cap)
            subprocess.run(
                [PYTHON, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
            )
            argv = [
                PYTHON,
                "-m",
                "emotunes.serve",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "emotunes.asgi:application",
            ]
            self.pids_file = None
        else:
            argv = [
                PYTHON,
                "scripts/distributed.py",
                "--port",
                str(self.port),
                "--vision-workers",
                str(args.vision_workers),
                "--redis-port",
                str(free_port()),
                "--postgres-port",
                str(free_port()),
                "--state-dir",
                str(directory / "distributed"),
                "--max-connections-per-address",
                cap,
            ]
            self.pids_file = directory / "distributed" / "pids.json"
        self.process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 600
        while True:
            if self.process.poll() is not None:
                self.log.flush()
                tail = (directory / f"{args.mode}.log").read_text(errors="replace")[-3000:]
                raise SystemExit(f"the {args.mode} set-up stopped before it listened:\n{tail}")
            try:
                wait_for_port(self.port, timeout=2)
                break
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise

    def pids(self) -> dict[str, list[int]]:
        if not self.pids_file:
            return matching_pids([self.process.pid])
        found = role_pids(self.pids_file)
        # supervisord's children are the other roles' processes: each is counted once, under its role.
        owned = {pid for role, ids in found.items() if role != "supervisord" for pid in ids}
        if "supervisord" in found:
            found["supervisord"] = [pid for pid in found["supervisord"] if pid not in owned]
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def by_role(rss: dict[tuple[str, int], float]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for (role, _), mb in rss.items():
        totals[role] = totals.get(role, 0.0) + mb
    return totals


def percentile(values, q):
    return round(float(np.percentile(values, q)), 1) if values else None


async def warm_up(url: str, origin: str, frames: list[bytes]) -> float:
    """Until one frame is analysed (the models loaded): seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < 600:
        tally = Tally()
        await client(url, origin, frames, 1.0, time.monotonic() + 3, tally, answer_timeout=120)
        if tally.answered:
            return time.monotonic() - started
        await asyncio.sleep(1.0)
    raise SystemExit("no frame was analysed within 10 minutes: " + "; ".join(tally.error_samples))


async def soak(args, url: str, pids_of) -> dict:
    origin = url.replace("ws://", "http://").split("/ws/")[0]
    frames = face_frames()
    warm_s = await warm_up(url, origin, frames)
    rss_start = process_rss(pids_of())
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.minutes * 60
    listeners = [
        asyncio.create_task(
            client(
                url,
                origin,
                frames,
                args.fps,
                deadline,
                tally,
                args.answer_timeout,
                start_delay=n / max(1, args.listeners),
            )
        )
        for n in range(args.listeners)
    ]
    while not all(task.done() for task in listeners):
        await asyncio.wait(listeners, timeout=args.every)
        elapsed = time.monotonic() - started
        rss = process_rss(pids_of())
        print(
            f"{elapsed:6.0f} s  answered {tally.answered:7d} ({tally.answered / max(elapsed, 1e-9):6.1f}/s)  "
            f"dropped {tally.dropped:5d}  errors {tally.errors:4d}  RSS MiB "
            + ", ".join(f"{role} {total:.0f}" for role, total in sorted(by_role(rss).items())),
            flush=True,
        )
    seconds = time.monotonic() - started
    rss_end = process_rss(pids_of())
    processes = [
        {
            "role": role,
            "pid": pid,
            "rss_start_mib": round(rss_start.get((role, pid), float("nan")), 1),
            "rss_end_mib": round(rss_end[role, pid], 1) if (role, pid) in rss_end else None,
        }
        for role, pid in sorted(set(rss_start) | set(rss_end))
    ]
    return {
        "mode": "running set-up" if args.url else args.mode,
        "listeners": args.listeners,
        "fps": args.fps,
        "seconds": round(seconds, 1),
        "warm_up_s": round(warm_s, 1),
        "sent": tally.sent,
        "answered": tally.answered,
        "answered_per_s": round(tally.answered / seconds, 2),
        "offered_per_s": args.listeners * args.fps,
        "dropped": dict(tally.drop_reasons),
        "errors": dict(tally.error_codes),
        "error_samples": tally.error_samples,
        "latency_ms_p50": percentile(tally.latencies_ms, 50),
        "latency_ms_p95": percentile(tally.latencies_ms, 95),
        "processes": processes,
    }


def print_report(report: dict) -> None:
    print(
        f"\n{report['mode']}: {report['listeners']} listeners × {report['fps']:g} fps for {report['seconds']:.0f} s "
        f"(warm-up {report['warm_up_s']:.0f} s)"
    )
    print(
        f"answered {report['answered']} of {report['sent']} sent: {report['answered_per_s']:.2f}/s "
        f"(offered {report['offered_per_s']:g}/s); latency p50 {report['latency_ms_p50']} ms, "
        f"p95 {report['latency_ms_p95']} ms"
    )
    print(f"dropped {report['dropped'] or 0}; errors {report['errors'] or 0}")
    for sample in report["error_samples"]:
        print(f"  e.g. {sample}")
    print("RSS per process (MiB), warm start → end:")
    for p in report["processes"]:
        end = "gone" if p["rss_end_mib"] is None else f"{p['rss_end_mib']:.0f}"
        change = "" if p["rss_end_mib"] is None else f" ({p['rss_end_mib'] - p['rss_start_mib']:+.0f})"
        print(f"  {p['role']:<14} {p['pid']:>7}  {p['rss_start_mib']:6.0f} → {end}{change}")


def main() -> None:
    args = parse_args()
    directory = Path(tempfile.mkdtemp(prefix="emotunes-soak-"))
    directory.chmod(0o755)  # PostgreSQL's initdb runs as the postgres user when this runs as root
    setup = None
    try:
        if args.url:
            url = args.url
            report = asyncio.run(soak(args, url, lambda: matching_pids()))
        else:
            print(f"starting the {args.mode} set-up in {directory} ...", flush=True)
            setup = SetUp(args, directory)
            report = asyncio.run(soak(args, setup.url, setup.pids))
    finally:
        if setup is not None:
            setup.stop()
    print_report(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
