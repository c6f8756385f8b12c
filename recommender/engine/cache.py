"""A process-wide value rebuilt when its key changes: how each index follows the catalogue."""

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class Rebuilt(Generic[T]):
    """Holds one value for one key and rebuilds it, under a lock, when asked for another key.

    The key is whatever says the value is out of date (the catalogue version, the active
    clustering). Readers of the current value never take the lock; a rebuild happens once even
    when several threads ask at the same time, and the value it replaces is never modified, so a
    request that still holds the old one finishes with a consistent answer.
    """

    def __init__(self, build: Callable[[Hashable], T]):
        self._build = build
        self._lock = threading.Lock()
        self._entry: tuple[Hashable, T] | None = None

    def get(self, key: Hashable) -> T:
        entry = self._entry
        if entry is not None and entry[0] == key:
            return entry[1]
        with self._lock:
            if self._entry is None or self._entry[0] != key:
                self._entry = (key, self._build(key))
            return self._entry[1]

    def clear(self) -> None:
        with self._lock:
            self._entry = None
