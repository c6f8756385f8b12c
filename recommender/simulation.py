"""Simulated listeners and a generated scale catalogue, for the benchmark and the offline evaluation.

Nothing here is real listening data: it is generated from a seed and lives only inside a
transaction that the commands roll back.
"""

import random
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from catalogue.models import CatalogueState, Track
from recommender.models import Rating


@dataclass
class SimulatedUser:
    user: object
    favourite_artists: list
    train_likes: list = field(default_factory=list)
    held_out_likes: set = field(default_factory=set)
    dislikes: list = field(default_factory=list)


def simulate_listeners(
    *,
    n_groups: int = 12,
    users_per_group: int = 10,
    artists_per_group: int = 12,
    favourites_per_user: int = 7,
    train_share: float = 0.5,
    dislikes_per_user: int = 10,
    seed: int = 0,
) -> list[SimulatedUser]:
    """Listeners in taste groups: each loves some of its group's artists; half their likes are held out.

    Each user rates (like) a random half of the active tracks by their favourite artists and
    dislikes a few random other tracks; the other half of the likes is held out for scoring.
    Members of a group share artists, which is what collaborative filtering can pick up.
    """
    rng = random.Random(seed)
    by_artist = defaultdict(list)
    for track_id, artist in Track.objects.filter(is_active=True).values_list("id", "artist"):
        by_artist[artist].append(track_id)
    prolific = sorted(a for a, ids in by_artist.items() if len(ids) >= 4)
    all_ids = [t for ids in by_artist.values() for t in ids]
    rng.shuffle(prolific)
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(username=f"simulated-{seed}-{g}-{u}", password=password)
            for g in range(n_groups)
            for u in range(users_per_group)
        ]
    )
    if not users[0].pk:  # backends without RETURNING
        users = list(User.objects.filter(username__startswith=f"simulated-{seed}-").order_by("id"))
    simulated, ratings = [], []
    for g in range(n_groups):
        group_artists = prolific[g * artists_per_group : (g + 1) * artists_per_group]
        for u in range(users_per_group):
            user = users[g * users_per_group + u]
            favourites = rng.sample(group_artists, min(favourites_per_user, len(group_artists)))
            sim = SimulatedUser(user=user, favourite_artists=favourites)
            loved = [t for a in favourites for t in by_artist[a]]
            rng.shuffle(loved)
            cut = max(1, int(len(loved) * train_share))
            sim.train_likes, sim.held_out_likes = loved[:cut], set(loved[cut:])
            loved_set = set(loved)
            while len(sim.dislikes) < dislikes_per_user:
                candidate = rng.choice(all_ids)
                if candidate not in loved_set and candidate not in sim.dislikes:
                    sim.dislikes.append(candidate)
            ratings += [Rating(user=user, track_id=t, value=1) for t in sim.train_likes]
            ratings += [Rating(user=user, track_id=t, value=-1) for t in sim.dislikes]
            simulated.append(sim)
    Rating.objects.bulk_create(ratings, batch_size=500)
    return simulated


def generate_scale_catalogue(
    n: int, *, seed: int = 0, missing_dominance: float = 0.9, tracks_per_artist: int = 20
) -> int:
    """n generated tracks: the shared catalogue's VAD resampled with Gaussian jitter (labelled 'generated').

    Artists have `tracks_per_artist` songs each whatever n is, so a simulated listener's ratings
    (and the cost of reading them) look the same at a million tracks as at the shared catalogue.
    """
    rng = np.random.default_rng(seed)
    real = np.array(list(Track.objects.values_list("valence", "arousal")), dtype=float)
    if not len(real):
        real = np.column_stack([rng.uniform(1, 9, 1000), rng.uniform(1, 9, 1000)])
    picks = real[rng.integers(0, len(real), n)] + rng.normal(0, 0.3, (n, 2))
    picks = np.clip(picks, 1, 9)
    dominance = np.clip(3.0 + 0.4 * picks[:, 0] + rng.normal(0, 0.4, n), 1, 9)
    missing = rng.random(n) < missing_dominance
    artists = max(1, n // tracks_per_artist)
    now = timezone.now()
    columns = (
        "title",
        "artist",
        "genre",
        "valence",
        "arousal",
        "dominance",
        "mood_tags",
        "source",
        "source_id",
        "spotify_id",
        "deezer_id",
        "musicbrainz_id",
        "youtube_id",
        "is_active",
        "created_at",
        "updated_at",
    )
    sql = f"INSERT INTO {Track._meta.db_table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    with connection.cursor() as cursor:  # plain executemany: the ORM would take longer than the refresh
        for start in range(0, n, 20000):  # row tuples one chunk at a time: a million at once would take gigabytes
            cursor.executemany(
                sql,
                [
                    (
                        f"Generated track {i}",
                        f"Generated artist {i % artists}",
                        "",
                        float(picks[i, 0]),
                        float(picks[i, 1]),
                        None if missing[i] else float(dominance[i]),
                        "[]",
                        Track.Source.MANUAL,
                        f"generated-{seed}-{i}",
                        "",
                        "",
                        "",
                        "",
                        True,
                        now,
                        now,
                    )
                    for i in range(start, min(n, start + 20000))
                ],
            )
    CatalogueState.bump(tracks=True)
    return n
