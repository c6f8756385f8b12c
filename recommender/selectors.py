"""Reads: recommendations for an emotion or a VAD point, personalised from ratings.

The active clustering's tracks sit in an in-process numpy index, rebuilt only when the active
clustering or the catalogue changes, so a recommendation costs a few small queries and some
vector arithmetic.
"""

import math
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count, Max

from core.emotions import EMOTIONS, HAPPY, WARRINER_VAD
from recommender.clustering import complete, fit_dominance, standardise
from recommender.models import CatalogueState, Cluster, Clustering, Rating, Track, Video
from recommender.vad import EMOTION_MEAN, EMOTION_SD, SCALE_MID, map_between, moments, nearest_emotion, word_vad

STRATEGIES = ("match", "lift", "iso")
# Where "lift" and "iso" head: agitated moods towards calm (Warriner's "calm"), the rest towards happy.
CALM = (6.89, 1.67, 7.44)
GOALS = {"angry": CALM, "fear": CALM, "disgust": CALM}
LIFT_STEP = 0.5  # lift aims half-way from the mood to its goal
ARTIST_BOOST, GENRE_BOOST, ARTIST_PENALTY, NEIGHBOUR_BOOST = 0.6, 0.25, 0.4, 0.5
# "match" keeps to the emotion's own cluster(s): a song outside ranks behind every song inside.
OUTSIDE_CLUSTER_PENALTY = 100.0


# --- The index ---------------------------------------------------------------------------------------

@dataclass
class TrackIndex:
    key: tuple
    clustering_id: int | None
    scaler: dict
    ids: np.ndarray
    position: dict  # track id → row
    z: np.ndarray  # standardised VAD (dominance imputed where missing)
    zcols: tuple  # the same, one contiguous array per dimension
    cluster: np.ndarray  # row → index into cluster_emotions (-1 without a clustering)
    cluster_emotions: list
    emotion_clusters: dict  # emotion → cluster indices labelled with it (or the nearest one)
    outside_cluster: dict  # emotion → per-track squared-distance penalty for lying outside its clusters
    artist_code: np.ndarray
    genre_code: np.ndarray
    artist_codes: dict  # casefolded artist → code
    genre_codes: dict
    rows: list  # payload tuples
    songs: list  # (artist, "artist|title"), casefolded: the artist cap and duplicate songs across sources
    song_rows: dict  # "artist|title" → rows with that song (one per source that has it)


@dataclass
class VideoIndex:
    key: int  # the videos' catalogue version
    ids: np.ndarray
    position: dict
    vad: np.ndarray
    moments: tuple
    rows: list


_lock = threading.Lock()
_track_index: TrackIndex | None = None
_video_index: VideoIndex | None = None


def track_index(tracks_version: int | None = None) -> TrackIndex:
    global _track_index
    if tracks_version is None:
        tracks_version = CatalogueState.versions()[0]
    clustering_id = Clustering.objects.filter(is_active=True).values_list("id", flat=True).first()
    key = (clustering_id, tracks_version)
    index = _track_index
    if index is not None and index.key == key:
        return index
    with _lock:
        if _track_index is None or _track_index.key != key:
            _track_index = _build_track_index(key, clustering_id)
        return _track_index


def _build_track_index(key, clustering_id) -> TrackIndex:
    clustering = Clustering.objects.filter(pk=clustering_id).values("id", "scaler").first() if clustering_id else None
    fields = ("id", "valence", "arousal", "dominance", "title", "artist", "genre", "spotify_id", "deezer_id",
              "youtube_id", "source", "mood_tags")
    rows = list(Track.objects.filter(is_active=True).order_by("id").values_list(*fields))
    vad = np.array([(r[1], r[2], np.nan if r[3] is None else r[3]) for r in rows], dtype=float).reshape(-1, 3)
    if clustering:
        scaler = clustering["scaler"]
        clusters = list(Cluster.objects.filter(clustering_id=clustering["id"]).order_by("index"))
    else:  # before the first clustering: same geometry, no clusters
        filled = complete(vad, fit_dominance(vad)) if len(vad) else vad
        scale = filled.std(axis=0) if len(vad) else np.ones(3)
        scale[scale < 1e-9] = 1.0
        scaler = {"mean": (filled.mean(axis=0) if len(vad) else np.full(3, 5.0)).tolist(), "scale": scale.tolist(),
                  "dominance_fit": fit_dominance(vad) if len(vad) else [5.0, 0, 0]}
        clusters = []
    z = standardise(complete(vad, scaler["dominance_fit"]), scaler) if len(vad) else np.zeros((0, 3))
    if clusters:
        centroids = standardise([(c.valence, c.arousal, c.dominance) for c in clusters], scaler)
        # Nearest centroid is K-Means' own assignment, and also places tracks added since the run.
        cluster = np.linalg.norm(z[:, None, :] - centroids[None, :, :], axis=2).argmin(axis=1) if len(z) else np.zeros(0, int)
    else:
        centroids, cluster = np.zeros((0, 3)), np.full(len(z), -1)
    cluster_emotions = [c.emotion for c in clusters]
    emotion_clusters = {}
    for emotion in EMOTIONS:
        own = [i for i, e in enumerate(cluster_emotions) if e == emotion]
        if not own and clusters:  # k < 7: borrow the cluster nearest the emotion's coordinates
            point = standardise([WARRINER_VAD[emotion]], scaler)[0]
            own = [int(np.linalg.norm(centroids - point, axis=1).argmin())]
        emotion_clusters[emotion] = own
    artist_codes, genre_codes = {}, {"": -1}
    artist_code = np.array([artist_codes.setdefault(r[5].casefold(), len(artist_codes)) for r in rows], dtype=np.int64)
    genre_code = np.array([genre_codes.setdefault(r[6], len(genre_codes) - 1) for r in rows], dtype=np.int64)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    songs = [(r[5].casefold(), f"{r[5].casefold()}|{r[4].casefold()}") for r in rows]
    song_rows = defaultdict(list)
    for row, (_, song) in enumerate(songs):
        song_rows[song].append(row)
    return TrackIndex(
        key=key, clustering_id=clustering["id"] if clustering else None, scaler=scaler, ids=ids,
        position={int(t): i for i, t in enumerate(ids)}, z=z, zcols=tuple(np.ascontiguousarray(z[:, i]) for i in range(3)),
        cluster=cluster, cluster_emotions=cluster_emotions,
        emotion_clusters=emotion_clusters,
        outside_cluster={e: OUTSIDE_CLUSTER_PENALTY**2 * ~np.isin(cluster, own) for e, own in emotion_clusters.items() if own},
        artist_code=artist_code, genre_code=genre_code,
        artist_codes=artist_codes, genre_codes=genre_codes, rows=rows,
        songs=songs, song_rows=song_rows,
    )


def video_index(videos_version: int | None = None) -> VideoIndex:
    global _video_index
    key = CatalogueState.versions()[1] if videos_version is None else videos_version
    index = _video_index
    if index is not None and index.key == key:
        return index
    with _lock:
        if _video_index is None or _video_index.key != key:
            rows = list(Video.objects.filter(is_active=True).order_by("id").values_list(
                "id", "valence", "arousal", "dominance", "youtube_id", "start_s", "title", "mood_words"))
            vad = np.array([(r[1], r[2], 5.0 if r[3] is None else r[3]) for r in rows], dtype=float).reshape(-1, 3)
            ids = np.array([r[0] for r in rows], dtype=np.int64)
            _video_index = VideoIndex(key=key, ids=ids, position={int(t): i for i, t in enumerate(ids)}, vad=vad,
                                      moments=moments(vad.tolist()) if len(rows) else None, rows=rows)
        return _video_index


# --- Targets ---------------------------------------------------------------------------------------

def goal_of(emotion: str) -> tuple:
    return GOALS.get(emotion, WARRINER_VAD[HAPPY])


def goal_name(emotion: str) -> str:
    return "calm" if emotion in GOALS else HAPPY


def targets(strategy: str, start: tuple, emotion: str, n: int) -> list[tuple]:
    """The VAD target for each position of the list."""
    goal = goal_of(emotion)
    if strategy == "lift":
        point = tuple(s + LIFT_STEP * (g - s) for s, g in zip(start, goal))
        return [point] * n
    if strategy == "iso":
        # Start at the mood and walk towards the goal, one step per song (iso principle).
        return [tuple(s + (i / max(1, n - 1)) * (g - s) for s, g in zip(start, goal)) for i in range(n)]
    return [start] * n


# --- The listener's taste -----------------------------------------------------------------------------

@dataclass
class Taste:
    rated_tracks: set
    rated_songs: set  # "artist|title", casefolded: the same song from another source counts as rated
    disliked_videos: set
    rated_videos: set
    liked_artists: Counter  # casefolded artist → likes
    disliked_artists: set
    liked_genres: Counter
    neighbour_likes: dict  # track id → summed similarity of listeners who liked it
    artist_names: dict  # casefolded → display name
    n_ratings: int
    boost_for: tuple = ()  # (index key, per-track boost) for the index it was last computed on

    @property
    def personalised(self) -> bool:
        return self.n_ratings > 0


# user id → (their ratings' stamp, when computed, Taste). The listener's own ratings are checked
# on every call; what similar listeners liked may be up to TASTE_TTL_S old.
_tastes: dict = {}
TASTE_TTL_S = 60.0
MAX_CACHED_TASTES = 2000


def taste_of(user) -> Taste | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    stamp = tuple(Rating.objects.filter(user=user).order_by().aggregate(n=Count("id"), last=Max("updated_at")).values())
    cached = _tastes.get(user.pk)
    now = time.monotonic()
    if cached and cached[0] == stamp and now - cached[1] < TASTE_TTL_S:
        return cached[2]
    taste = _compute_taste(user)
    if len(_tastes) >= MAX_CACHED_TASTES:
        _tastes.clear()
    _tastes[user.pk] = (stamp, now, taste)
    return taste


def _compute_taste(user) -> Taste:
    ratings = list(Rating.objects.filter(user=user).order_by().values_list("track_id", "video_id", "value", "track__artist",
                                                                "track__genre", "track__title"))
    taste = Taste(set(), set(), set(), set(), Counter(), set(), Counter(), {}, {}, len(ratings))
    mine = {}
    for track_id, video_id, value, artist, genre, title in ratings:
        if video_id:
            taste.rated_videos.add(video_id)
            if value < 0:
                taste.disliked_videos.add(video_id)
            continue
        taste.rated_tracks.add(track_id)
        taste.rated_songs.add(f"{(artist or '').casefold()}|{(title or '').casefold()}")
        mine[track_id] = value
        folded = (artist or "").casefold()
        taste.artist_names.setdefault(folded, artist)
        if value > 0:
            taste.liked_artists[folded] += 1
            if genre:
                taste.liked_genres[genre] += 1
        else:
            taste.disliked_artists.add(folded)
    taste.disliked_artists -= set(taste.liked_artists)
    if len(mine) >= settings.RECOMMENDER_CF_MIN_RATINGS:
        taste.neighbour_likes = _neighbour_likes(user.pk, mine)
    return taste


def _neighbour_likes(user_id: int, mine: dict, max_neighbours: int = 30) -> dict:
    """Tracks liked by listeners who rated like this one (cosine similarity of ±1 ratings)."""
    overlap = defaultdict(int)
    for other, track_id, value in (Rating.objects.filter(track_id__in=list(mine)).exclude(user_id=user_id).order_by()
                                   .values_list("user_id", "track_id", "value")):
        overlap[other] += value * mine[track_id]
    candidates = sorted((u for u, s in overlap.items() if s > 0), key=overlap.get, reverse=True)[: max_neighbours * 2]
    if not candidates:
        return {}
    theirs = defaultdict(list)
    for other, track_id, value in (Rating.objects.filter(user_id__in=candidates, track__isnull=False).order_by()
                                   .values_list("user_id", "track_id", "value")):
        theirs[other].append((track_id, value))
    similarity = {u: overlap[u] / math.sqrt(len(mine) * len(theirs[u])) for u in candidates if theirs[u]}
    likes = defaultdict(float)
    for other in sorted(similarity, key=similarity.get, reverse=True)[:max_neighbours]:
        for track_id, value in theirs[other]:
            if value > 0 and track_id not in mine:
                likes[track_id] += similarity[other]
    return dict(likes)


# --- Recommendation --------------------------------------------------------------------------------

def _validate(emotion, vad, strategy, limit, video_limit):
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if emotion is not None and emotion not in EMOTIONS:
        raise ValueError(f"emotion must be one of {', '.join(EMOTIONS)}")
    if emotion is None and vad is None:
        raise ValueError("give an emotion or a VAD point")
    if not (1 <= limit <= 50 and 0 <= video_limit <= 20):
        raise ValueError("limit must be 1–50 and video_limit 0–20")
    if vad is not None:
        vad = tuple(None if x is None else float(x) for x in vad)
        if len(vad) == 2:
            vad = (*vad, None)
        if len(vad) != 3 or vad[0] is None or vad[1] is None or not all(1 <= x <= 9 for x in vad if x is not None):
            raise ValueError("VAD values (valence, arousal, optional dominance) must lie between 1 and 9")
    return vad


def recommend(*, emotion=None, vad=None, user=None, strategy="match", limit=10, video_limit=4) -> dict:
    """Songs and videos for an emotion (or a VAD point), for a listener, with a strategy."""
    vad = _validate(emotion, vad, strategy, limit, video_limit)
    if vad is not None:
        if vad[2] is None:  # no dominance given: take the emotion's, as the tracks' is imputed too
            vad = (vad[0], vad[1], WARRINER_VAD[emotion or nearest_emotion(vad[0], vad[1])][2])
        start = vad
        emotion = emotion or nearest_emotion(*vad)
    else:
        start = WARRINER_VAD[emotion]
    taste = taste_of(user)
    tracks_version, videos_version = CatalogueState.versions()
    index = track_index(tracks_version)
    steps = targets(strategy, start, emotion, limit)
    tracks = _pick_tracks(index, steps, emotion, strategy, taste, limit)
    videos = _pick_videos(video_index(videos_version), steps[0] if strategy != "iso" else steps[-1], emotion, strategy, taste,
                          video_limit)
    return {
        "emotion": emotion,
        "strategy": strategy,
        "target_vad": {"valence": round(start[0], 3), "arousal": round(start[1], 3), "dominance": round(start[2], 3)},
        "personalised": bool(taste and taste.personalised),
        "clustering": index.clustering_id,
        "tracks": tracks,
        "videos": videos,
    }


def _taste_boost(index: TrackIndex, taste: Taste | None) -> np.ndarray | None:
    """Per track, how far the listener's taste moves it up (or down) the pool, as a share of the pool."""
    if not (taste and taste.personalised):
        return None
    if taste.boost_for and taste.boost_for[0] == index.key:
        return taste.boost_for[1]
    liked = [index.artist_codes[a] for a in taste.liked_artists if a in index.artist_codes]
    disliked = [index.artist_codes[a] for a in taste.disliked_artists if a in index.artist_codes]
    liked_genres = [index.genre_codes[g] for g in taste.liked_genres if g in index.genre_codes]
    boost = ARTIST_BOOST * np.isin(index.artist_code, liked) - ARTIST_PENALTY * np.isin(index.artist_code, disliked)
    boost += GENRE_BOOST * np.isin(index.genre_code, liked_genres)
    if taste.neighbour_likes:
        rows = [index.position[t] for t in taste.neighbour_likes if t in index.position]
        weights = [min(1.0, taste.neighbour_likes[int(index.ids[r])]) for r in rows]
        boost[rows] += NEIGHBOUR_BOOST * np.array(weights)
    taste.boost_for = (index.key, boost)
    return boost


def _squared_distances(index: TrackIndex, points) -> np.ndarray:
    """(len(points), n) squared standardised distances; per column, which numpy does fastest."""
    zt = standardise(points, index.scaler)
    squared = np.empty((len(zt), len(index.ids)))
    for i, (a, b, c) in enumerate(zt):
        squared[i] = (index.zcols[0] - a) ** 2
        squared[i] += (index.zcols[1] - b) ** 2
        squared[i] += (index.zcols[2] - c) ** 2
    return squared


def _ranked(squared: np.ndarray, candidates: np.ndarray, pool_size: int, boost, limit: int) -> list[int]:
    """The pool of songs nearest one target, best first once the listener's taste is added.

    Taste works on rank, not raw distance: a song's place in the pool (0 = nearest, 1 = last) minus
    its boost. A liked artist's song half-way down the pool can thus reach the top, whatever the
    spread of distances around this particular mood.
    """
    local = squared[candidates]
    size = min(pool_size, len(local))
    pool = candidates[np.argpartition(local, size - 1)[:size]]
    pool = pool[np.argsort(squared[pool], kind="stable")]
    pool = pool[np.isfinite(squared[pool])]
    inside = squared[pool] < OUTSIDE_CLUSTER_PENALTY**2
    if inside.sum() >= limit:  # enough songs of the mood's own cluster: taste cannot pull in others
        pool = pool[inside]
    if boost is None or not len(pool):
        return pool.tolist()
    score = boost[pool] - np.arange(len(pool)) / len(pool)
    return pool[np.argsort(-score, kind="stable")].tolist()


def _pick_tracks(index: TrackIndex, steps, emotion, strategy, taste, limit) -> list[dict]:
    if not len(index.ids):
        return []
    distinct = list(dict.fromkeys(steps))  # match and lift have one target, iso one per position
    squared = _squared_distances(index, distinct)
    if strategy == "match" and emotion in index.outside_cluster:
        squared += index.outside_cluster[emotion]
    if taste:
        rated_rows = [index.position[t] for t in taste.rated_tracks if t in index.position]
        rated_rows += [row for song in taste.rated_songs for row in index.song_rows.get(song, ())]
        squared[:, rated_rows] = np.inf
    # Only the songs nearest the mood are re-ranked with the listener's taste: taste never overrides mood.
    # iso's steps share the pool, so that taste cannot turn the walk into a jump.
    pool_size = min(len(index.ids), max(limit * 5, settings.RECOMMENDER_POOL // len(distinct)))
    candidates_size = min(len(index.ids), pool_size * len(distinct))
    nearest = squared.min(axis=0) if len(distinct) > 1 else squared[0]
    candidates = np.argpartition(nearest, candidates_size - 1)[:candidates_size]
    boost = _taste_boost(index, taste)
    cap = settings.RECOMMENDER_ARTIST_CAP
    per_artist: Counter = Counter()
    seen_songs: set = set()
    chosen_rows: set = set()
    chosen: list[dict] = []
    ranked, ranked_for = None, None
    for position, target in enumerate(steps):
        if ranked_for != target:
            ranked, ranked_for = _ranked(squared[distinct.index(target)], candidates, pool_size, boost, limit), target
        for row in ranked:
            artist, song = index.songs[row]
            if row in chosen_rows or song in seen_songs or per_artist[artist] >= cap:
                continue
            per_artist[artist] += 1
            seen_songs.add(song)
            chosen_rows.add(row)
            chosen.append(_track_payload(index, row, target, emotion, strategy, taste, position, len(steps)))
            break
        if len(chosen) <= position:
            break  # the catalogue ran out
    return chosen


def _tags_agreeing_with(tags, emotion: str) -> list[str]:
    """The listener tags on the same side of pleasant/unpleasant as the emotion.

    A song can sit near an emotion by its numbers yet carry a tag that says otherwise (a
    "sad" label on a bright-sounding track); quoting that tag as the reason would read as
    a contradiction.
    """
    side = WARRINER_VAD[emotion][0] - SCALE_MID
    agreeing = []
    for tag in tags:
        vad = word_vad(tag.lower())
        if vad is not None and (vad[0] - SCALE_MID) * side > 0:
            agreeing.append(tag)
    return agreeing


def _describe(vad) -> str:
    return f"valence {vad[0]:.1f}, arousal {vad[1]:.1f}"


def _track_payload(index, row, target, emotion, strategy, taste, position, n) -> dict:
    (track_id, valence, arousal, dominance, title, artist, genre, spotify_id, deezer_id, youtube_id, source,
     tags) = index.rows[row]
    cluster = int(index.cluster[row])
    in_cluster = cluster >= 0 and cluster in index.emotion_clusters.get(emotion, [])
    if strategy == "match":
        agreeing = _tags_agreeing_with(tags, emotion)
        reason = f"Fits {emotion}" + (f": tagged {', '.join(agreeing[:3])}" if agreeing
                                      else f" ({_describe((valence, arousal))})")
    elif strategy == "lift":
        reason = f"A step from {emotion} towards {goal_name(emotion)} ({_describe((valence, arousal))})"
    else:
        reason = f"Song {position + 1} of {n} on the way from {emotion} to {goal_name(emotion)}"
    personal = []
    if taste and taste.personalised:
        folded = artist.casefold()
        if taste.liked_artists.get(folded):
            personal.append(f"you liked {artist}")
        if genre and taste.liked_genres.get(genre):
            personal.append(f"you like {genre}")
        if taste.neighbour_likes.get(track_id):
            personal.append("listeners with your taste liked it")
    if personal:
        reason += " · " + ", ".join(personal)
    return {
        "id": track_id, "title": title, "artist": artist, "genre": genre, "reason": reason,
        "valence": round(valence, 3), "arousal": round(arousal, 3),
        "dominance": None if dominance is None else round(dominance, 3),
        "spotify_id": spotify_id, "deezer_id": deezer_id, "youtube_id": youtube_id, "source": source,
        "cluster_emotion": index.cluster_emotions[cluster] if cluster >= 0 else None,
        "in_target_cluster": bool(in_cluster),
    }


def _pick_videos(index: VideoIndex, target, emotion, strategy, taste, limit) -> list[dict]:
    if not limit or not len(index.ids):
        return []
    # Caption VAD crowds the middle of the scale: compare ranks, not raw positions (see vad.map_between).
    mapped = np.array(map_between(target, (EMOTION_MEAN, EMOTION_SD), index.moments))
    distance = np.sqrt((((index.vad - mapped) / np.array(index.moments[1])) ** 2).sum(axis=1))
    order = np.argsort(distance)
    skip = taste.rated_videos if taste else set()
    chosen, seen = [], set()
    for row in order[: limit * 20 + len(skip)]:
        video_id, valence, arousal, dominance, youtube_id, start_s, title, words = index.rows[row]
        if video_id in skip or youtube_id in seen:
            continue
        seen.add(youtube_id)
        label = "towards " + goal_name(emotion) if strategy != "match" else f"for {emotion}"
        chosen.append({
            "id": video_id, "youtube_id": youtube_id, "start_s": start_s, "title": title, "mood_words": words,
            "reason": f"Sounds {', '.join(words[:3])} — {label}" if words else f"Chosen {label}",
        })
        if len(chosen) >= limit:
            break
    return chosen


def forget_tastes() -> None:
    _tastes.clear()


def reset_indexes() -> None:
    """Forget the in-process indexes (tests swap databases under them)."""
    global _track_index, _video_index
    with _lock:
        _track_index = _video_index = None
        _tastes.clear()
