"""A live socket stops writing a listener's history once their session ends (issue #25, item 3).

The consumer kept the user of its handshake: after a logout over HTTP the same socket still wrote
moods into the history, after a password change that ends other sessions an old socket went on
writing, and after the account was deleted each mood logged an IntegrityError. Now the session is
read again before each write, and the socket is closed (4001) when it no longer logs the user in.
Real Daphne, a real websocket carrying the session cookie, the real log-out, password-change and
account-deletion forms.
"""

import asyncio
import json
import sqlite3

import pytest
import websockets

from live.protocol import SESSION_ENDED
from tests.base import PASSWORD
from tests.hardening_support import Site, csrf_token, log_in

pytestmark = [pytest.mark.slow]
NEW_PASSWORD = "a-new-and-longer-passphrase-77"

SETUP = f"""
from django.contrib.auth.models import User
User.objects.create_user("dora", "dora@example.org", {PASSWORD!r})
"""


@pytest.fixture
def site(tmp_path):
    site = Site(tmp_path, SETUP, MOOD_MIN_INTERVAL_S="0", LOG_LEVEL="WARNING")
    site.database = tmp_path / "site.sqlite3"
    yield site
    site.stop()


def moods_of(site, username="dora") -> int:
    with sqlite3.connect(site.database) as db:
        return db.execute(
            "SELECT COUNT(*) FROM moods_moodentry m JOIN auth_user u ON u.id = m.user_id WHERE u.username = ?",
            (username,),
        ).fetchone()[0]


async def open_socket(site, session):
    url = site.url.replace("http://", "ws://") + "/ws/live/"
    cookie = f"sessionid={session.cookies['sessionid']}"
    socket = await websockets.connect(url, origin=site.url, additional_headers={"Cookie": cookie}, open_timeout=30)
    hello = json.loads(await asyncio.wait_for(socket.recv(), 30))
    assert hello["type"] == "hello" and hello["authenticated"] is True
    return socket


async def pick(socket, emotion: str) -> dict:
    """Pick a mood; the answer is its mood_changed, or the close that ended the socket."""
    await socket.send(json.dumps({"type": "manual_mood", "emotion": emotion}))
    try:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        assert message["type"] == "mood_changed", message
        await asyncio.sleep(1.0)  # the write (or the close) follows the announcement
        await socket.send(json.dumps({"type": "ping"}))
        pong = json.loads(await asyncio.wait_for(socket.recv(), 10))
        return {"open": pong["type"] == "pong"}
    except websockets.ConnectionClosed as closed:
        return {"open": False, "code": closed.rcvd.code if closed.rcvd else None}


def post_form(site, session, path: str, data: dict, expect=(200, 302)):
    token = csrf_token(session, site.url, path)
    response = session.post(
        f"{site.url}{path}",
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{site.url}{path}"},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code in expect, (response.status_code, response.text[:500])


def end_and_pick(site, end_session) -> tuple[int, int, dict]:
    """Moods kept before, after the session's end (a mood picked on the old socket) and that pick's outcome."""
    socket_session, _ = log_in(site.url, "dora", PASSWORD)

    async def scenario():
        socket = await open_socket(site, socket_session)
        try:
            first = await pick(socket, "sad")
            assert first == {"open": True}
            before = moods_of(site)
            await asyncio.to_thread(end_session, socket_session)
            after_end = await pick(socket, "happy")
            return before, moods_of(site), after_end
        finally:
            await socket.close()

    return asyncio.run(scenario())


def test_a_socket_stops_writing_after_its_session_logs_out(site):
    def logout(session):
        post_form(site, session, "/accounts/logout/", {}, expect=(302,))

    before, after, outcome = end_and_pick(site, logout)
    print(f"\nlogout: moods kept before {before}, after a pick on the old socket {after}; socket {outcome}")
    assert before == 1 and after == 1
    assert outcome == {"open": False, "code": SESSION_ENDED}


def test_a_socket_stops_writing_after_a_password_change_elsewhere(site):
    def change_password_elsewhere(_session):
        other, _ = log_in(site.url, "dora", PASSWORD)
        post_form(
            site,
            other,
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
            expect=(302,),
        )

    before, after, outcome = end_and_pick(site, change_password_elsewhere)
    print(f"\npassword changed elsewhere: moods kept before {before}, after {after}; socket {outcome}")
    assert before == 1 and after == 1
    assert outcome == {"open": False, "code": SESSION_ENDED}


def test_a_socket_stops_writing_after_the_account_is_deleted_elsewhere(site):
    def delete_elsewhere(_session):
        other, _ = log_in(site.url, "dora", PASSWORD)
        post_form(site, other, "/accounts/delete/", {"password": PASSWORD}, expect=(302,))

    before, after, outcome = end_and_pick(site, delete_elsewhere)
    print(f"\naccount deleted elsewhere: moods kept before {before}, after {after}; socket {outcome}")
    assert before == 1 and after == 0  # the account and its history are gone, and nothing came back
    assert outcome == {"open": False, "code": SESSION_ENDED}
    assert "IntegrityError" not in site.daphne.output()
    assert "Could not record a mood change" not in site.daphne.output()
