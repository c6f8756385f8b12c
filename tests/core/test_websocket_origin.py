"""Websocket origins are checked with scheme and port (issue #16, item 10): core.websocket.

Through a real Daphne: the page's own origin connects; the same host on another port or scheme,
or a foreign host, is refused at the handshake. With DEBUG off, only a TLS socket is accepted
(here: behind the TLS proxy's X-Forwarded-Proto), from the https origin.
"""

import asyncio

import pytest
import websockets
from channels.testing import WebsocketCommunicator

from emotunes.asgi import application
from tests.browser import server_env, start_daphne

pytestmark = [pytest.mark.slow]


async def open_socket(origin, host=b"localhost:8000"):
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", origin), (b"host", host)])
    connected, _ = await communicator.connect()
    return communicator, connected


async def test_allowed_origin_connects():
    communicator, connected = await open_socket(b"http://localhost:8000")
    assert connected
    hello = await communicator.receive_json_from()
    assert hello["type"] == "hello"
    await communicator.disconnect()


async def test_foreign_origin_is_refused():
    communicator, connected = await open_socket(b"https://evil.example.com")
    assert not connected
    await communicator.disconnect()


def attempt(url, origin, headers=None):
    async def go():
        try:
            ws = await websockets.connect(url, origin=origin, additional_headers=headers or {}, open_timeout=30)
        except websockets.exceptions.InvalidStatus as error:
            return error.response.status_code
        hello = await asyncio.wait_for(ws.recv(), 30)
        await ws.close()
        return "hello" if '"hello"' in hello else hello

    return asyncio.run(go())


@pytest.fixture
def daphne(tmp_path):
    processes = []

    def start(**env):
        process, url = start_daphne(
            server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0", **env),
            tmp_path,
            name=f"daphne-{len(processes)}",
        )
        processes.append(process)
        return url

    yield start
    for process in processes:
        process.stop()


def test_origins_are_checked_with_scheme_and_port_through_daphne(daphne):
    base = daphne()
    port = base.rsplit(":", 1)[1]
    ws_url = base.replace("http://", "ws://") + "/ws/live/"
    outcomes = {
        origin: attempt(ws_url, origin)
        for origin in (
            f"http://127.0.0.1:{port}",  # the page's own origin
            "http://127.0.0.1:9999",  # the probes: another port ...
            "https://127.0.0.1",  # ... another scheme
            f"https://127.0.0.1:{port}",
            f"http://localhost:{port}",  # another allowed host, not the one the socket was opened on
            "http://evil.example.com",
            "null",
        )
    }
    print(f"\norigins tried through Daphne (DEBUG=1): {outcomes}")
    assert outcomes == {
        f"http://127.0.0.1:{port}": "hello",
        "http://127.0.0.1:9999": 403,
        "https://127.0.0.1": 403,
        f"https://127.0.0.1:{port}": 403,
        f"http://localhost:{port}": 403,
        "http://evil.example.com": 403,
        "null": 403,
    }


def test_with_debug_off_only_wss_is_accepted(daphne):
    base = daphne(
        DEBUG="0",
        SECRET_KEY="a-test-secret-key-that-is-long-enough-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        BEHIND_TLS_PROXY="1",
    )
    port = base.rsplit(":", 1)[1]
    ws_url = base.replace("http://", "ws://") + "/ws/live/"
    tls = {"X-Forwarded-Proto": "https"}
    outcomes = {
        "ws, http origin": attempt(ws_url, f"http://127.0.0.1:{port}"),
        "ws, https origin": attempt(ws_url, f"https://127.0.0.1:{port}"),
        "wss (proxy), https origin": attempt(ws_url, f"https://127.0.0.1:{port}", tls),
        "wss (proxy), http origin": attempt(ws_url, f"http://127.0.0.1:{port}", tls),
        "wss (proxy), https origin, another port": attempt(ws_url, "https://127.0.0.1:9999", tls),
    }
    print(f"\nDEBUG=0 behind a TLS proxy: {outcomes}")
    assert outcomes == {
        "ws, http origin": 403,
        "ws, https origin": 403,
        "wss (proxy), https origin": "hello",
        "wss (proxy), http origin": 403,
        "wss (proxy), https origin, another port": 403,
    }
