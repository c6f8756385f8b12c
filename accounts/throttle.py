"""Counting failed attempts per key in the cache, to slow down password guessing.

The cache is Redis in the distributed set-up, so every web process sees the same counts.
"""

from dataclasses import dataclass

from django.core.cache import cache


@dataclass(frozen=True)
class AttemptThrottle:
    scope: str
    limit: int
    window_s: int

    def _key(self, key: str) -> str:
        return f"throttle:{self.scope}:{key}"

    def is_blocked(self, *keys: str) -> bool:
        return any((cache.get(self._key(k)) or 0) >= self.limit for k in keys)

    def record(self, *keys: str) -> None:
        for k in keys:
            cache_key = self._key(k)
            # add() starts the window only for the first attempt; incr() never extends it.
            if not cache.add(cache_key, 1, timeout=self.window_s):
                try:
                    cache.incr(cache_key)
                except ValueError:  # expired between add() and incr()
                    cache.add(cache_key, 1, timeout=self.window_s)

    def reset(self, *keys: str) -> None:
        cache.delete_many([self._key(k) for k in keys])


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")
