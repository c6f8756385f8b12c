"""The live websocket through a real Daphne (issue #16, items 8 and 10).

- Deeply nested JSON under the 2,000-byte limit (`"[" * 1990` closed the socket with 1011, a
  RecursionError in the consumer) is answered `bad_json`, and the socket stays usable.
- At most LIVE_MAX_CONNECTIONS_PER_ADDRESS sockets per client address: the next is refused at the
  handshake, and a closed one frees its slot.
"""

import asyncio
import json

import pytest
import websockets

from tests.browser import server_env, start_daphne
from tests.fault_support import LiveClient

pytestmark = [pytest.mark.slow]
CAP = 4

NESTED = [
    "[" * 1990,
    "{" * 1990,
    '{"a":' * 390,
    "[" * 1000 + "]" * 990,
    '{"type": "ping", "x": ' + "[" * 900 + "]" * 900 + "}",
    '{"type": "manual_mood", "emotion": ' + '{"a": ' * 300 + "1" + "}" * 300 + "}",
    '["' + "\\" * 1900 + '"]',  # escapes counted as such, not as brackets
]


@pytest.fixture(scope="module")
def daphne(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("ws")
    env = server_env(
        str(tmp_path / "db.sqlite3"),
        VISION_WARM_UP="0",
        LIVE_MAX_CONNECTIONS_PER_ADDRESS=str(CAP),
        LIVE_MAX_TEXTS_PER_SECOND="1000",
    )
    process, url = start_daphne(env, tmp_path)
    yield process, url.replace("http://", "ws://") + "/ws/live/"
    process.stop()


def test_deeply_nested_text_is_bad_json_and_the_socket_stays_open(daphne):
    process, url = daphne

    async def scenario():
        client = await LiveClient(url).connect()
        answers = []
        try:
            for text in NESTED:
                await client.socket.send(text)
                answers.append(await client.next_message(10))
            usable = await client.ping()
        finally:
            await client.close()
        return answers, usable

    answers, usable = asyncio.run(scenario())
    codes = [a.get("code") for a in answers]
    print(f"\n{len(NESTED)} nested texts through Daphne: {codes}; still answers ping: {usable}")
    assert codes[:5] == ["bad_json"] * 5, (answers, process.output())
    assert all(a["type"] == "error" and a["code"] != "internal" for a in answers), answers
    assert usable
    assert "RecursionError" not in process.output()


def test_connections_per_address_are_capped(daphne):
    _, url = daphne
    origin = url.replace("ws://", "http://").split("/ws/")[0]

    async def scenario():
        held = [await LiveClient(url).connect() for _ in range(CAP)]
        refused = []
        for _ in range(3):
            try:
                extra = await websockets.connect(url, origin=origin, open_timeout=30)
                refused.append("accepted")
                await extra.close()
            except websockets.exceptions.InvalidStatus as error:
                refused.append(error.response.status_code)
        await held.pop().close()
        await asyncio.sleep(0.5)
        again = await LiveClient(url).connect()
        held.append(again)
        for client in held:
            await client.close()
        return refused, again.hello

    refused, hello = asyncio.run(scenario())
    print(f"\n{CAP} sockets from one address held; 3 more: {refused}; after closing one, a new one: {hello['type']}")
    assert refused == [403, 403, 403]
    assert hello["type"] == "hello"
    assert json.dumps(hello)
