"""A frame a little over the limit is answered ``too_large``; only a much larger message closes the
socket (issue #25, item 6).

Daphne's default websocket message limit (1 MiB) equalled VISION_MAX_FRAME_BYTES, so a frame one
byte over closed the connection before the consumer could answer, against the protocol ("none of
them closes the connection"). Daphne now reads up to LIVE_MAX_MESSAGE_BYTES (the frame limit and
64 KiB), started by ``emotunes.serve`` or by ``manage.py runserver``, directly and behind nginx;
a message above that still closes the connection, so memory per connection stays bounded.
"""

import asyncio
import json
import subprocess
import sys

import pytest
import websockets

from emotunes.localservers import NginxServer
from tests.browser import ROOT, Process, server_env, start_daphne
from tests.fault_support import LiveClient
from tests.hardening_support import start_daphne_behind_proxy
from tests.servers import free_port, wait_for_port

pytestmark = [pytest.mark.slow]
FRAME_LIMIT = 1024 * 1024  # VISION_MAX_FRAME_BYTES's default
MESSAGE_LIMIT = FRAME_LIMIT + 64 * 1024  # LIVE_MAX_MESSAGE_BYTES's default


async def probe(url: str) -> dict:
    """The answers to a frame one byte over the limit and to one at the message limit, and then
    what a message above the message limit does."""
    client = await LiveClient(url).connect()
    try:
        over = await client.send_frame(b"\xff" * (FRAME_LIMIT + 1), timeout=30)
        at_message_limit = await client.send_frame(b"\xff" * MESSAGE_LIMIT, timeout=30)
        usable = await client.ping()
        try:
            await client.socket.send(b"\xff" * (MESSAGE_LIMIT + 1))
            await asyncio.wait_for(client.socket.recv(), 30)
            beyond = "answered"
        except websockets.ConnectionClosed as closed:
            beyond = closed.rcvd.code if closed.rcvd else "closed without a code"
    finally:
        try:
            await client.close()
        except (websockets.ConnectionClosed, OSError):
            pass
    return {"over": over, "at_message_limit": at_message_limit, "usable": usable, "beyond": beyond}


def check(found: dict, where: str) -> None:
    print(f"\n{where}: {json.dumps(found)[:400]}")
    for answer in (found["over"], found["at_message_limit"]):
        assert answer["type"] == "error" and answer["code"] == "too_large", (where, answer)
    assert found["usable"]
    # Above the message limit the server reads no further and closes (Daphne's autobahn drops the
    # connection, with or without a 1009 frame first): the bound on what one connection makes it hold.
    assert found["beyond"] in (1009, "closed without a code"), (where, found["beyond"])


def ws(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws/live/"


def test_daphne_answers_a_frame_over_the_limit_with_too_large(tmp_path):
    process, url = start_daphne(server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0"), tmp_path)
    try:
        found = asyncio.run(probe(ws(url)))
    finally:
        process.stop()
    check(found, "Daphne")


def test_behind_nginx_too(tmp_path):
    env = server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0")
    daphne, port = start_daphne_behind_proxy(env, tmp_path)
    nginx = NginxServer(upstream=f"127.0.0.1:{port}", directory=tmp_path / "nginx")
    try:
        nginx.start()
        found = asyncio.run(probe(ws(nginx.url)))
    finally:
        nginx.stop()
        daphne.stop()
    check(found, "nginx in front of Daphne")


def test_manage_py_runserver_too(tmp_path):
    env = server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    port = free_port()
    server = Process(
        "runserver", [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env, tmp_path
    )
    try:
        wait_for_port(port, timeout=60)
        found = asyncio.run(probe(f"ws://127.0.0.1:{port}/ws/live/"))
    finally:
        server.stop()
    check(found, "manage.py runserver")
