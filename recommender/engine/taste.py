"""A listener's taste, read from their ratings: what to skip, what to favour, what similar listeners liked.

A taste is computed from the database, cached per listener, and then only read: it is a frozen
record of read-only sets, mappings and arrays, so two requests of one listener can share it and
the ranking of one list never leaves a trace in the next.
"""

import math
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

from catalogue.recordings import primary_artist, shown_genre
from recommender.engine.index import artist_key, genre_key, song_key
from recommender.models import Rating


def _keys(values) -> np.ndarray:
    """Sorted distinct int64 keys, read-only."""
    return _frozen(np.unique(np.fromiter(values, dtype=np.int64)))


def _frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Taste:
    n_ratings: int
    rated_videos: frozenset
    liked_artists: Mapping  # primary artist (recordings.primary_artist) → likes
    liked_genres: Mapping  # genre → likes
    neighbour_likes: Mapping  # track id → summed similarity of listeners who liked it
    # What ranking compares, as sorted arrays of the index's keys (index.artist_key and friends), so
    # that a whole pool is scored in a few numpy steps.
    rated_track_ids: np.ndarray
    rated_song_keys: np.ndarray  # the same song from another source counts as rated
    liked_artist_keys: np.ndarray
    disliked_artist_keys: np.ndarray
    liked_genre_keys: np.ndarray
    neighbour_ids: np.ndarray
    neighbour_weights: np.ndarray  # per neighbour_ids entry, its similarity capped at 1

    @property
    def personalised(self) -> bool:
        return self.n_ratings > 0


# user id → (their ratings' stamp, when computed, Taste).
_tastes: dict = {}
TASTE_TTL_S = 60.0
MAX_CACHED_TASTES = 2000


def taste_of(user) -> Taste | None:
    """The listener's taste, recomputed when their ratings change; None for an anonymous visitor.

    The listener's own ratings are checked on every call (one indexed aggregate); what similar
    listeners liked may be up to TASTE_TTL_S old.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    stamp = tuple(Rating.objects.filter(user=user).order_by().aggregate(n=Count("id"), last=Max("updated_at")).values())
    cached = _tastes.get(user.pk)
    now = time.monotonic()
    if cached and cached[0] == stamp and now - cached[1] < TASTE_TTL_S:
        return cached[2]
    taste = compute_taste(user)
    if len(_tastes) >= MAX_CACHED_TASTES:
        _tastes.clear()
    _tastes[user.pk] = (stamp, now, taste)
    return taste


def forget() -> None:
    _tastes.clear()


def compute_taste(user) -> Taste:
    ratings = list(
        Rating.objects.filter(user=user)
        .order_by()
        .values_list("track_id", "video_id", "value", "track__artist", "track__genre", "track__title")
    )
    rated_videos, song_keys, mine = set(), set(), {}
    liked_artists, liked_genres, disliked_artists = Counter(), Counter(), set()
    for track_id, video_id, value, artist, genre, title in ratings:
        if video_id:
            rated_videos.add(video_id)
            continue
        folded = primary_artist(artist)  # a liked "Hybrid featuring Julee Cruise" is a liked Hybrid
        song_keys.add(song_key(artist, title))
        mine[track_id] = value
        if value > 0:
            liked_artists[folded] += 1
            if shown_genre(genre):  # "n/a" is no genre to like
                liked_genres[genre] += 1
        else:
            disliked_artists.add(folded)
    disliked_artists -= set(liked_artists)
    neighbour_likes = _neighbour_likes(user.pk, mine) if len(mine) >= settings.RECOMMENDER_CF_MIN_RATINGS else {}
    neighbour_ids = _keys(neighbour_likes)
    return Taste(
        n_ratings=len(ratings),
        rated_videos=frozenset(rated_videos),
        liked_artists=MappingProxyType(dict(liked_artists)),
        liked_genres=MappingProxyType(dict(liked_genres)),
        neighbour_likes=MappingProxyType(neighbour_likes),
        rated_track_ids=_keys(mine),
        rated_song_keys=_keys(song_keys),
        liked_artist_keys=_keys(map(artist_key, liked_artists)),
        disliked_artist_keys=_keys(map(artist_key, disliked_artists)),
        liked_genre_keys=_keys(map(genre_key, liked_genres)),
        neighbour_ids=neighbour_ids,
        neighbour_weights=_frozen(np.array([min(1.0, neighbour_likes[int(t)]) for t in neighbour_ids], dtype=float)),
    )


def _neighbour_likes(user_id: int, mine: dict, max_neighbours: int = 30) -> dict:
    """Tracks liked by listeners who rated like this one (cosine similarity of ±1 ratings)."""
    overlap = defaultdict(int)
    for other, track_id, value in (
        Rating.objects.filter(track_id__in=list(mine))
        .exclude(user_id=user_id)
        .order_by()
        .values_list("user_id", "track_id", "value")
    ):
        overlap[other] += value * mine[track_id]
    candidates = sorted((u for u, s in overlap.items() if s > 0), key=overlap.get, reverse=True)[: max_neighbours * 2]
    if not candidates:
        return {}
    theirs = defaultdict(list)
    for other, track_id, value in (
        Rating.objects.filter(user_id__in=candidates, track__isnull=False)
        .order_by()
        .values_list("user_id", "track_id", "value")
    ):
        theirs[other].append((track_id, value))
    similarity = {u: overlap[u] / math.sqrt(len(mine) * len(theirs[u])) for u in candidates if theirs[u]}
    likes = defaultdict(float)
    for other in sorted(similarity, key=similarity.get, reverse=True)[:max_neighbours]:
        for track_id, value in theirs[other]:
            if value > 0 and track_id not in mine:
                likes[track_id] += similarity[other]
    return dict(likes)
