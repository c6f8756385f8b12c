"""Ranking: the songs nearest each target, re-ranked by the listener's taste, capped per artist.

For each target only the RECOMMENDER_POOL songs nearest it are candidates (shared out between
iso's steps, so that taste cannot turn the walk into a jump), and taste only reorders that pool:
taste never overrides mood. "match" keeps to the emotion's own cluster(s); it reaches outside
them only when the clusters hold fewer unrated songs than the list needs, and then the outside
songs join the pool behind all the inside ones.

Everything here works on the small pool (a k-d tree query, then numpy on at most a few thousand
rows), so the cost does not grow with the catalogue; and it only reads the index and the taste.
"""

from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.conf import settings

from recommender.engine import feedback
from recommender.engine.index import TrackIndex
from recommender.engine.taste import Taste

# How far taste moves a song, as a share of the pool: 0.6 lifts a liked artist's song from 60% of
# the way down the pool to the top.
ARTIST_BOOST, GENRE_BOOST, ARTIST_PENALTY, NEIGHBOUR_BOOST = 0.6, 0.25, 0.4, 0.5


@dataclass(frozen=True)
class Pick:
    row: int  # in the index
    track_id: int
    position: int  # in the list


def pick_tracks(
    index: TrackIndex,
    steps: list[tuple],
    emotion: str,
    strategy: str,
    taste: Taste | None,
    limit: int,
    shown: frozenset = frozenset(),
) -> list[Pick]:
    """One song per step (fewer if the catalogue runs out), no song twice, at most ARTIST_CAP per artist.

    `shown` holds the song keys (index.song) of the pages before this one ("More songs"): they are
    passed over, and the pool is made large enough to reach past them.
    """
    if not len(index):
        return []
    distinct = list(dict.fromkeys(steps))  # match and lift have one target, iso one per position
    pool_size = min(len(index), max((limit + len(shown)) * 5, settings.RECOMMENDER_POOL // len(distinct)))
    region = index.regions.get(emotion) if strategy == "match" else None
    pools = nearest_pools(index, index.standardise(distinct), pool_size, limit, region, taste)
    ranked = {}
    sunk = feedback.penalties(emotion)  # engagement: shown often, rarely played (engine/feedback.py)
    for target, pool in zip(distinct, pools):
        rows = feedback.sink(index, _by_taste(index, pool, taste), sunk, limit)
        ranked[target] = list(
            zip(rows.tolist(), index.ids[rows].tolist(), index.artist[rows].tolist(), index.song[rows].tolist())
        )
    cap = settings.RECOMMENDER_ARTIST_CAP
    per_artist: Counter = Counter()
    seen_songs: set = set(shown)
    chosen: list[Pick] = []
    for position, target in enumerate(steps):
        for row, track_id, artist, song in ranked[target]:
            if song in seen_songs or per_artist[artist] >= cap:
                continue  # the song itself was picked already, or the same song from another source
            per_artist[artist] += 1
            seen_songs.add(song)
            chosen.append(Pick(row=row, track_id=track_id, position=position))
            break
        if len(chosen) <= position:
            break  # the catalogue ran out
    return chosen


def nearest_pools(
    index: TrackIndex, points: np.ndarray, pool_size: int, limit: int, region=None, taste: Taste | None = None
) -> list[np.ndarray]:
    """Per standardised point, the rows of the pool_size nearest songs not yet rated, nearest first.

    With a region (match), the pool is the region's nearest songs; only when it has fewer than
    `limit` of them does the pool go on with the nearest songs outside it.
    """
    unrated = _unrated(index, taste)
    if region is None:
        return _nearest(index.tree, None, points, pool_size, unrated)
    inside = _nearest(region.tree, region.rows, points, pool_size, unrated)
    pools = []
    for point, pool in zip(points, inside):
        if len(pool) < limit:
            outside = _nearest(
                index.tree,
                None,
                point[None, :],
                pool_size - len(pool),
                lambda rows: _outside(region, rows) & (unrated(rows) if unrated else True),
            )[0]
            pool = np.concatenate([pool, outside])
        pools.append(pool)
    return pools


def _nearest(tree, rows_of_tree, points: np.ndarray, k: int, keep) -> list[np.ndarray]:
    """Per point, up to k index rows nearest it that `keep` accepts, nearest first.

    The tree is asked for a few more than k; if the listener has rated so many songs near a point
    that too few remain, it is asked again for twice as many, up to the whole tree.
    """
    if tree is None or k <= 0:
        return [np.zeros(0, dtype=np.intp) for _ in points]
    ask = min(tree.n, k + 16)
    distances, found = tree.query(points, k=ask)
    distances, found = np.asarray(distances).reshape(len(points), -1), np.asarray(found).reshape(len(points), -1)
    pools = []
    for point, distance, local in zip(points, distances, found):
        while True:
            rows = local if rows_of_tree is None else rows_of_tree[local]
            kept = keep(rows) if keep else slice(None)
            pool, distance_kept = rows[kept], distance[kept]
            if len(pool) >= k or len(local) >= tree.n:
                break
            distance, local = (np.asarray(x).reshape(-1) for x in tree.query(point, k=min(tree.n, 2 * len(local))))
        # Songs often share a point (one last.fm tag gives the tag's own VAD): then the older track first.
        # Rounded, because the tree's float arithmetic can part two equal distances in the last bit.
        pools.append(pool[np.lexsort((pool, distance_kept.round(9)))][:k])
    return pools


def _outside(region, rows: np.ndarray) -> np.ndarray:
    """Which rows lie outside the region."""
    return ~_member(rows, region.rows)


def _member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """np.isin for a small sorted key array, without isin's set-up cost (which dominates at pool sizes)."""
    if not len(sorted_keys):
        return np.zeros(len(values), bool)
    return sorted_keys[np.searchsorted(sorted_keys, values).clip(max=len(sorted_keys) - 1)] == values


def _unrated(index: TrackIndex, taste: Taste | None):
    """A filter of rows: False for songs the listener rated (from any source)."""
    if taste is None or not taste.n_ratings:
        return None

    def keep(rows: np.ndarray) -> np.ndarray:
        return ~(_member(index.ids[rows], taste.rated_track_ids) | _member(index.song[rows], taste.rated_song_keys))

    return keep


def taste_boost(index: TrackIndex, rows: np.ndarray, taste: Taste) -> np.ndarray:
    """Per row, how far the listener's taste moves it up (or down) the pool, as a share of the pool.

    A new array each call, computed for the pool alone: nothing is stored on the taste or the index.
    """
    artist = index.artist[rows]
    boost = ARTIST_BOOST * _member(artist, taste.liked_artist_keys) - ARTIST_PENALTY * _member(
        artist, taste.disliked_artist_keys
    )
    boost += GENRE_BOOST * _member(index.genre[rows], taste.liked_genre_keys)
    if len(taste.neighbour_ids):
        ids = index.ids[rows]
        at = np.searchsorted(taste.neighbour_ids, ids).clip(max=len(taste.neighbour_ids) - 1)
        boost += NEIGHBOUR_BOOST * np.where(taste.neighbour_ids[at] == ids, taste.neighbour_weights[at], 0.0)
    return boost


def _by_taste(index: TrackIndex, pool: np.ndarray, taste: Taste | None) -> np.ndarray:
    """The pool best first once the listener's taste is added.

    Taste works on rank, not raw distance: a song's place in the pool (0 = nearest, 1 = last) minus
    its boost. A liked artist's song half-way down the pool can thus reach the top, whatever the
    spread of distances around this particular mood.
    """
    if not (taste and taste.personalised) or not len(pool):
        return pool
    score = taste_boost(index, pool, taste) - np.arange(len(pool)) / len(pool)
    return pool[np.argsort(-score, kind="stable")]
