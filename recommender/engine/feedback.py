"""Engagement feedback: songs shown often for an emotion and rarely played sink in its lists.

The recommender does not read engagement's tables (the arrow is engagement → recommender): the
engagement app registers a source at start-up (engagement.apps), a function of the emotion that
returns the penalised track ids (sorted) and their penalties in 0–1, or None. Penalties are kept
per process for `ttl` seconds, so a recommendation costs no query for them most of the time.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # the index pulls SciPy; every process loads this module at start-up
    from recommender.engine.index import TrackIndex

# A penalty of 1 moves a song this many lists' lengths down its pool: graded, so a song with
# little evidence against it moves a place or two and one shown a hundred times unplayed leaves.
SINK_LISTS = 3.0

_source = None
_ttl_s = 300.0
_cache: dict[str, tuple[float, object]] = {}


def register(source, *, ttl_s: float = 300.0) -> None:
    """Use source(emotion) -> (ids, penalties) | None; None unregisters."""
    global _source, _ttl_s
    _source, _ttl_s = source, ttl_s
    forget()


def forget() -> None:
    _cache.clear()


def penalties(emotion: str):
    """(sorted track ids, penalties) for the emotion, or None (no source, feedback off, no data)."""
    if _source is None:
        return None
    now = time.monotonic()
    hit = _cache.get(emotion)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = _source(emotion)
    _cache[emotion] = (now + _ttl_s, value)
    return value


def sink(index: TrackIndex, rows: np.ndarray, found, limit: int) -> np.ndarray:
    """The ranked pool with penalised songs moved down by SINK_LISTS × limit × penalty places."""
    if found is None or not len(rows):
        return rows
    ids, weights = found
    if not len(ids):
        return rows
    track_ids = index.ids[rows]
    at = np.searchsorted(ids, track_ids).clip(max=len(ids) - 1)
    penalty = np.where(ids[at] == track_ids, weights[at], 0.0)
    if not penalty.any():
        return rows
    score = -np.arange(len(rows), dtype=float) - SINK_LISTS * limit * penalty
    return rows[np.argsort(-score, kind="stable")]
