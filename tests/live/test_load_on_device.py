"""scripts/load_test.py --on-device at a small scale against a real Daphne: private listeners' readings all answered.

Each client is a page in private mode: it sends the readings of real face frames (computed once by
the server's own pipeline in the load script) as text, never a frame. Twenty clients at 2 readings a
second: every reading answered as an analysis from the device, none dropped, no errors, and
Daphne runs no vision for them (no vision warm-up, no frames).
"""

import pytest

from tests.browser import server_env, start_daphne
from tests.live.test_load import FPS, SECONDS, load

pytestmark = pytest.mark.slow

CLIENTS = 20


def test_embedded_daphne_answers_every_reading_of_private_listeners(tmp_path):
    env = server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0", LIVE_MAX_CONNECTIONS_PER_ADDRESS="100")
    daphne, base_url = start_daphne(env, tmp_path)
    try:
        ws_url = base_url.replace("http://", "ws://") + "/ws/live/"
        report = load(
            ws_url, "--on-device", "--clients", str(CLIENTS), "--label", "on-device", "--pid", str(daphne.process.pid)
        )
    finally:
        daphne.stop()
    assert report["errors"] == 0, report["error_samples"]
    assert report["dropped"] == 0
    assert report["answered"] == report["sent"] >= CLIENTS * FPS * SECONDS * 0.8
    assert report["tracked_share"] == 0  # answered from the device's own reading, not tracked here
    assert report["p95_ms"] < 5000 and report["first_frame_max_ms"] < 5000
    assert {p["role"] for p in report["processes"]} == {"daphne"}
