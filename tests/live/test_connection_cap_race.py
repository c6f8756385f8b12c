"""The per-address connection cap holds under simultaneous handshakes and closes (issue #25, item 2).

Counted with Django's ``cache.aincr``/``adecr`` (a read, then a write) 30 simultaneous handshakes
from one address were all accepted under a cap of 10, and when 10 sockets closed at once only
some decrements stuck, so the address stayed locked out. Through real Daphne processes, in
embedded mode (one process, a local count) and with Redis (two processes sharing the count).
"""

import asyncio

import pytest
import redis
import websockets

from tests.browser import server_env, start_daphne
from tests.servers import RedisServer

pytestmark = [pytest.mark.slow]
CAP = 10
ROUNDS = 3


async def handshake(url: str):
    origin = url.replace("ws://", "http://").split("/ws/")[0]
    try:
        return await websockets.connect(url, origin=origin, open_timeout=60)
    except websockets.exceptions.InvalidStatus as refused:
        assert refused.response.status_code == 403
        return None


async def storm(urls: list[str], attempts: int) -> list[list[int]]:
    """Rounds of ``attempts`` simultaneous handshakes (spread over ``urls``), each followed by
    every accepted socket closing at once: how many each round accepted, and after the closes
    how many of CAP more were accepted one after another."""
    rounds = []
    for _ in range(ROUNDS):
        sockets = await asyncio.gather(*(handshake(urls[n % len(urls)]) for n in range(attempts)))
        accepted = [s for s in sockets if s is not None]
        await asyncio.gather(*(s.close() for s in accepted))
        await asyncio.sleep(1.0)  # each server's disconnect() ran
        again = [await handshake(urls[n % len(urls)]) for n in range(CAP)]
        await asyncio.gather(*(s.close() for s in again if s is not None))
        await asyncio.sleep(1.0)
        rounds.append([len(accepted), sum(s is not None for s in again)])
    return rounds


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/ws/live/"


@pytest.mark.parametrize("attempts", [30, 200])
def test_simultaneous_handshakes_and_closes_keep_the_count_embedded(tmp_path, attempts):
    env = server_env(str(tmp_path / "db.sqlite3"), VISION_WARM_UP="0", LIVE_MAX_CONNECTIONS_PER_ADDRESS=str(CAP))
    process, url = start_daphne(env, tmp_path)
    try:
        rounds = asyncio.run(storm([ws_url(url)], attempts))
    finally:
        process.stop()
    print(f"\nembedded, {attempts} simultaneous handshakes a round, cap {CAP}: [accepted, then after closes] {rounds}")
    assert rounds == [[CAP, CAP]] * ROUNDS, process.output()


def test_simultaneous_handshakes_and_closes_keep_the_count_across_processes_with_redis(tmp_path):
    server = RedisServer(directory=tmp_path / "redis").start()
    env = server_env(
        str(tmp_path / "db.sqlite3"),
        VISION_WARM_UP="0",
        REDIS_URL=server.url,
        LIVE_MAX_CONNECTIONS_PER_ADDRESS=str(CAP),
    )
    first, first_url = start_daphne(env, tmp_path, name="daphne-1")
    second, second_url = start_daphne(env, tmp_path, name="daphne-2")
    try:
        rounds = asyncio.run(storm([ws_url(first_url), ws_url(second_url)], 60))
        keys = redis.Redis.from_url(server.url).keys("live:connections:*")
    finally:
        first.stop()
        second.stop()
        server.close()
    print(f"\nRedis, two Daphne processes, 60 simultaneous handshakes a round, cap {CAP}: {rounds}; keys left {keys}")
    assert rounds == [[CAP, CAP]] * ROUNDS, (first.output(), second.output())
    assert keys == []  # every close counted: nothing left to lock the address out
