"""At most LIVE_MAX_CONNECTIONS_PER_ADDRESS open live websockets per client address.

Counted in the cache (Redis when REDIS_URL is set), so every Daphne process sees the same count.
The address is ``scope["client"]``: behind the shipped nginx, Daphne runs with --proxy-headers
and that is the X-Forwarded-For nginx overwrites with the real peer. A count is refreshed with
each new connection and expires LIVE_CONNECTION_COUNT_TTL_S after the last one, so a process
that died without closing its sockets cannot lock an address out for longer than that (the
price: connections older than that, from an address that opens no new one, are no longer
counted). nginx's limit_conn bounds connections per address in front of every process too.
"""

from django.conf import settings
from django.core.cache import cache

KEY = "live:connections:{address}"


def client_address(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def acquire(address: str) -> bool:
    """Take one of the address's slots; False (and nothing taken) when all are in use."""
    key, ttl = KEY.format(address=address), settings.LIVE_CONNECTION_COUNT_TTL_S
    if await cache.aadd(key, 1, timeout=ttl):
        count = 1
    else:
        try:
            count = await cache.aincr(key)
        except ValueError:  # expired between add and incr
            await cache.aadd(key, 1, timeout=ttl)
            count = 1
        await cache.atouch(key, ttl)
    if count > settings.LIVE_MAX_CONNECTIONS_PER_ADDRESS:
        await release(address)
        return False
    return True


async def release(address: str) -> None:
    key = KEY.format(address=address)
    try:
        if await cache.adecr(key) <= 0:
            await cache.adelete(key)
    except ValueError:  # expired meanwhile: nothing to give back
        pass
