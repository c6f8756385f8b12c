"""scripts/load_test.py at a small scale against real servers: below capacity, no frame is dropped.

A real Daphne (embedded mode; and worker mode, with Redis and one `runworker vision-frames`), the
load script as a user runs it, its JSON report read back: every frame answered, none dropped, no
errors, the per-process CPU and memory and the first-frame latency reported. Four clients at 2
frames/s offer 8 frames/s, a tenth of what one machine serves (docs/benchmarks.md).
"""

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import face_jpeg, server_env, start_daphne
from tests.fault_support import DistributedStack, stream_until_analysed

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CLIENTS, FPS, SECONDS = 4, 2.0, 6


def load(ws_url: str, *extra: str) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "scripts/load_test.py",
            "--url",
            ws_url,
            "--clients",
            str(CLIENTS),
            "--fps",
            str(FPS),
            "--duration",
            str(SECONDS),
            "--json",
            *extra,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def first_answer(ws_url: str, attempts: int) -> None:
    """Stream until a frame is analysed (the models are loaded), as the page would, then hang up."""

    async def stream():
        client, answer, _ = await stream_until_analysed(ws_url, face_jpeg(), attempts=attempts, answer_timeout=60)
        await client.close()
        assert answer["type"] == "analysis"

    asyncio.run(stream())


def assert_nothing_is_lost_below_capacity(report: dict, roles: set[str]):
    assert report["errors"] == 0, report["error_samples"]
    assert report["dropped"] == 0 and report["drop_reasons"] == {}, report
    # Every frame sent got its analysis: one in flight per client, answered before the next.
    assert report["answered"] == report["sent"] and report["answered_per_s"] >= report["sent_per_s"] - 0.5
    assert report["sent"] >= CLIENTS * FPS * SECONDS * 0.8
    assert 0 < report["first_frame_max_ms"] < 30_000 and report["p95_ms"] < 5000
    assert report["tracked_share"] > 0.3  # each stream's frames after the first are tracked
    assert roles <= {p["role"] for p in report["processes"]}, report["processes"]
    assert all(p["rss_mb"] > 0 and p["cores"] >= 0 for p in report["processes"])


def test_embedded_daphne_answers_every_frame_below_capacity(tmp_path):
    daphne, base_url = start_daphne(server_env(str(tmp_path / "db.sqlite3")), tmp_path)
    try:
        ws_url = base_url.replace("http://", "ws://") + "/ws/live/"
        first_answer(ws_url, attempts=30)
        report = load(ws_url, "--label", "embedded", "--pid", str(daphne.process.pid))
    finally:
        daphne.stop()
    assert_nothing_is_lost_below_capacity(report, {"daphne"})


@pytest.mark.redis
def test_worker_mode_answers_every_frame_below_capacity(tmp_path):
    stack = DistributedStack(tmp_path, frame_timeout=10.0)
    try:
        worker = stack.start_worker()
        first_answer(stack.ws_url, attempts=60)
        report = load(
            stack.ws_url, "--label", "workers", "--pid", str(stack.daphne.process.pid), "--pid", str(worker.process.pid)
        )
        assert worker.process.poll() is None
    finally:
        stack.close()
    assert_nothing_is_lost_below_capacity(report, {"daphne", "vision-worker"})
    assert {"queue", "worker", "reply"} <= set(report["worker_stages_p50_ms"])
