"""The shipped nginx in front of Daphne (issue #16, item 10; and item 1 through the real servers).

deploy/nginx/emotunes.conf.template, rendered and started by emotunes.localservers.NginxServer as
scripts/distributed.py does, before a Daphne run with --proxy-headers on loopback:

- a client that feeds its request header, or its body, a byte every 5 s is cut off by nginx;
- more connections than the limit from one address are refused (429), and a freed slot is usable;
- pages and the websocket pass through, with the CSP and Permissions-Policy headers;
- the client address Django sees is nginx's $remote_addr: a forged X-Forwarded-For does not
  escape the log-in throttle, which also guards the admin's log-in.
"""

import asyncio
import socket
import threading
import time

import pytest
import requests
import websockets

from emotunes.localservers import NginxServer, ProxyLimits
from tests.base import PASSWORD
from tests.hardening_support import log_in, prepare_database, start_daphne_behind_proxy

pytestmark = [pytest.mark.slow]
MAX_CONNECTIONS = 5
LIMITS = ProxyLimits(max_connections_per_address=MAX_CONNECTIONS)  # the shipped timeouts
TRICKLE_S = 5.0

SETUP = f"""
from django.contrib.auth.models import User
User.objects.create_user("alice", password={PASSWORD!r})
User.objects.create_user("charlie", password={PASSWORD!r}, is_staff=True, is_superuser=True)
"""


@pytest.fixture(scope="module")
def proxied_site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("proxy")
    # The app's own per-address websocket cap above nginx's, so that nginx's is the one met here.
    env = prepare_database(tmp_path, SETUP, LOGIN_MAX_FAILURES="3", LIVE_MAX_CONNECTIONS_PER_ADDRESS="50")
    daphne, daphne_port = start_daphne_behind_proxy(env, tmp_path)
    nginx = NginxServer(upstream=f"127.0.0.1:{daphne_port}", directory=tmp_path / "nginx", limits=LIMITS)
    try:
        nginx.start()
        yield nginx, daphne
    finally:
        nginx.stop()
        daphne.stop()


def trickle(port: int, head: bytes, then: bytes) -> tuple[float, bytes, int]:
    """Send ``head`` at once, then ``then`` a byte every TRICKLE_S seconds until the server hangs up.

    Returns (seconds until the connection was closed, what the server answered, bytes trickled).
    """
    sock = socket.create_connection(("127.0.0.1", port), timeout=60)
    sock.settimeout(TRICKLE_S)
    started = time.monotonic()
    answer = b""
    sent = 0
    try:
        if head:
            sock.sendall(head)
        for byte in then:
            try:
                sock.sendall(bytes([byte]))
                sent += 1
            except OSError:
                break
            try:
                chunk = sock.recv(4096)
                if chunk == b"":
                    break  # closed by the server
                answer += chunk
                break
            except TimeoutError:
                pass
            if time.monotonic() - started > 120:
                raise AssertionError("the slow client was never cut off")
    finally:
        sock.close()
    return time.monotonic() - started, answer, sent


def test_slow_clients_are_cut_off_by_nginx(proxied_site):
    nginx, _ = proxied_site
    header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-loris\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    body_head = (
        b"POST /api/ratings/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        b"Content-Length: 400\r\n\r\n"
    )
    results = {}

    def run(name, head, then):
        results[name] = trickle(nginx.port, head, then)

    threads = [
        threading.Thread(target=run, args=("header", b"", header)),
        threading.Thread(target=run, args=("body", body_head, b"{" + b" " * 398 + b"}")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=150)
    header_s, header_answer, header_sent = results["header"]
    body_s, body_answer, body_sent = results["body"]
    print(
        f"\nheader fed a byte every {TRICKLE_S:g} s: cut off after {header_s:.1f} s, {header_sent} bytes;"
        f" body: cut off after {body_s:.1f} s, {body_sent} bytes, answer {body_answer[:12]!r}"
    )
    # The whole header within client_header_timeout: cut at the first read after it (a few bytes in).
    assert header_s < LIMITS.header_timeout_s + TRICKLE_S + 3
    assert header_sent < len(header)
    # A body pausing longer than client_body_timeout between two bytes: cut after the first pause.
    assert body_s < LIMITS.body_timeout_s + TRICKLE_S + 3
    assert body_sent < 400
    assert body_answer == b"" or body_answer.startswith(b"HTTP/1.1 408")


def test_more_connections_than_the_limit_from_one_address_are_refused(proxied_site):
    nginx, _ = proxied_site
    ws_url = f"ws://127.0.0.1:{nginx.port}/ws/live/"
    origin = nginx.url

    async def scenario():
        open_sockets = []
        try:
            for _ in range(MAX_CONNECTIONS):
                ws = await websockets.connect(ws_url, origin=origin, open_timeout=30)
                assert '"hello"' in await asyncio.wait_for(ws.recv(), 30)
                open_sockets.append(ws)
            refused = []
            for _ in range(3):
                try:
                    extra = await websockets.connect(ws_url, origin=origin, open_timeout=30)
                    await extra.close()
                    refused.append(None)
                except websockets.exceptions.InvalidStatus as error:
                    refused.append(error.response.status_code)
            plain = requests.get(nginx.url + "/healthz", timeout=30).status_code  # a page, too, while full
        finally:
            for ws in open_sockets:
                await ws.close()
        await asyncio.sleep(0.5)
        again = await websockets.connect(ws_url, origin=origin, open_timeout=30)
        hello = await asyncio.wait_for(again.recv(), 30)
        await again.close()
        return refused, plain, hello

    refused, plain, hello = asyncio.run(scenario())
    print(f"\n{MAX_CONNECTIONS} websockets open; 3 more refused with {refused}, a page meanwhile {plain}")
    assert refused == [429, 429, 429]
    assert plain == 429
    assert '"hello"' in hello


def test_pages_pass_through_with_the_security_headers(proxied_site):
    nginx, _ = proxied_site
    page = requests.get(nginx.url + "/", timeout=30)
    assert page.status_code == 200
    assert "frame-src https://open.spotify.com" in page.headers["Content-Security-Policy"]
    assert page.headers["Permissions-Policy"].startswith("camera=(self)")
    assert "Server" not in page.headers or "nginx/" not in page.headers["Server"]
    too_big = requests.post(nginx.url + "/api/ratings/", data=b"x" * (LIMITS.max_body_bytes + 1), timeout=30)
    assert too_big.status_code == 413


def test_a_forged_forwarded_address_does_not_escape_the_throttle(proxied_site):
    # Item 1 through nginx and Daphne: the admin's log-in page, each guess with another forged
    # X-Forwarded-For; nginx overwrites it, so all count for this one address.
    nginx, daphne = proxied_site
    session = requests.Session()
    session.get(nginx.url + "/admin/login/", timeout=30)
    statuses = []
    for n in range(4):
        statuses.append(
            session.post(
                nginx.url + "/admin/login/",
                data={
                    "username": "charlie",
                    "password": "guess",
                    "csrfmiddlewaretoken": session.cookies["csrftoken"],
                    "next": "/admin/",
                },
                headers={"X-Forwarded-For": f"203.0.113.{n}", "Referer": nginx.url + "/admin/login/"},
                allow_redirects=False,
                timeout=30,
            ).status_code
        )
    right = session.post(
        nginx.url + "/admin/login/",
        data={
            "username": "charlie",
            "password": PASSWORD,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "next": "/admin/",
        },
        headers={"X-Forwarded-For": "198.51.100.7", "Referer": nginx.url + "/admin/login/"},
        allow_redirects=False,
        timeout=30,
    )
    print(f"\nadmin log-in through nginx, forged addresses: {statuses}, then the right password: {right.status_code}")
    assert statuses == [200, 200, 429, 429], daphne.output()
    assert right.status_code == 429
    # alice, a listener, logging in through the same proxy is still let in (another username).
    _, response = log_in(nginx.url, "alice", PASSWORD)
    assert response.status_code == 302
