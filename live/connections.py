"""At most LIVE_MAX_CONNECTIONS_PER_ADDRESS open live websockets per client address.

The address is ``scope["client"]``: behind the shipped nginx, Daphne runs with --proxy-headers
and that is the X-Forwarded-For nginx overwrites with the real peer. nginx's limit_conn bounds
connections per address in front of every process too.

The count must be atomic both ways: Django's ``cache.aincr``/``adecr`` are a read then a write
(for the local-memory and the Redis cache alike), so 30 simultaneous handshakes were all
accepted under a cap of 10, and of 10 sockets closing at once only one decrement might stick,
locking the address out. Hence two counters with one interface:

* with REDIS_URL (every Daphne process sees the same count), one Lua script per handshake and
  per close, each a single atomic step in Redis: INCR, and DECR back when over the cap; DECR,
  and the key deleted at zero. The expiry is set when the count is created and renewed by an
  accepted connection only, never by a refused one, so a process that died without closing its
  sockets locks an address out for at most LIVE_CONNECTION_COUNT_TTL_S after its last accepted
  connection (the price: sockets older than that, from an address that opens no new one, are no
  longer counted);
* without it (embedded mode: one process), a dict under a lock.
"""

import threading
from functools import cache

import redis
from asgiref.sync import sync_to_async
from django.conf import settings

KEY = "live:connections:{address}"

_ACQUIRE = """
local count = redis.call('INCR', KEYS[1])
if count > tonumber(ARGV[2]) then
    if redis.call('DECR', KEYS[1]) <= 0 then redis.call('DEL', KEYS[1]) end
    return 0
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return count
"""
_RELEASE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local count = redis.call('DECR', KEYS[1])
if count <= 0 then redis.call('DEL', KEYS[1]) end
return count
"""


def client_address(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class LocalCounts:
    """Embedded mode: this process holds every socket, so its own counts are the whole truth."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}

    def acquire(self, address: str, cap: int) -> bool:
        with self.lock:
            if self.counts.get(address, 0) >= cap:
                return False
            self.counts[address] = self.counts.get(address, 0) + 1
            return True

    def release(self, address: str) -> None:
        with self.lock:
            left = self.counts.get(address, 0) - 1
            if left > 0:
                self.counts[address] = left
            else:
                self.counts.pop(address, None)


class RedisCounts:
    """Every Daphne process's sockets, counted in Redis by atomic scripts."""

    def __init__(self, url: str):
        client = redis.Redis.from_url(url, socket_timeout=5)
        self.acquire_script = client.register_script(_ACQUIRE)
        self.release_script = client.register_script(_RELEASE)

    def acquire(self, address: str, cap: int) -> bool:
        key = KEY.format(address=address)
        return bool(self.acquire_script(keys=[key], args=[settings.LIVE_CONNECTION_COUNT_TTL_S, cap]))

    def release(self, address: str) -> None:
        self.release_script(keys=[KEY.format(address=address)])


@cache
def _counts(redis_url: str) -> LocalCounts | RedisCounts:
    return RedisCounts(redis_url) if redis_url else LocalCounts()


def counts() -> LocalCounts | RedisCounts:
    return _counts(settings.REDIS_URL)


async def acquire(address: str) -> bool:
    """Take one of the address's slots; False (and nothing taken) when all are in use."""
    cap = settings.LIVE_MAX_CONNECTIONS_PER_ADDRESS
    counter = counts()
    if isinstance(counter, LocalCounts):
        return counter.acquire(address, cap)
    return await sync_to_async(counter.acquire, thread_sensitive=False)(address, cap)


async def release(address: str) -> None:
    counter = counts()
    if isinstance(counter, LocalCounts):
        counter.release(address)
    else:
        await sync_to_async(counter.release, thread_sensitive=False)(address)
