"""Reads: recommendations for an emotion or a VAD point, personalised from the listener's ratings.

`recommend()` is the one entry point; the engine it runs is in `recommender/engine/` (its
`__init__` lists the modules). A recommendation costs a few small queries, whatever the size of
the catalogue: the catalogue version, the active clustering, the listener's ratings stamp, and
the fields of the songs finally shown. Everything else is read from in-process indexes that are
rebuilt only when the catalogue or the active clustering changes.
"""

from catalogue.models import CatalogueState, Track
from catalogue.recordings import shown_genre
from catalogue.vad import nearest_emotion
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine import feedback as engine_feedback
from recommender.engine import index as track_indexes
from recommender.engine import taste as tastes
from recommender.engine import video_pick
from recommender.engine.index import track_index
from recommender.engine.ranking import Pick, pick_tracks
from recommender.engine.reasons import track_detail, track_reason
from recommender.engine.strategies import STRATEGIES, strategy_note, targets
from recommender.engine.taste import Taste, taste_of

__all__ = ["STRATEGIES", "forget_tastes", "recommend", "reset_indexes"]

TRACK_FIELDS = (
    "id",
    "title",
    "artist",
    "genre",
    "valence",
    "arousal",
    "dominance",
    "spotify_id",
    "deezer_id",
    "youtube_id",
    "source",
    "mood_tags",
)


MAX_PAGE = 4  # "More songs" pages on through five lists of the same mood and strategy


def recommend(*, emotion=None, vad=None, user=None, strategy="match", limit=10, video_limit=4, page=0) -> dict:
    """Songs and videos for an emotion (or a VAD point), for a listener, with a strategy.

    `page` n > 0 is the n-th next list ("More songs"): the same targets, passing over the songs
    of the pages before it, so no song comes back across the pages and iso's walk keeps its order.

    Raises ValueError for a request outside what the API accepts (its message is shown to the caller).
    """
    emotion, start = _start(emotion, vad, strategy, limit, video_limit)
    if not (isinstance(page, int) and 0 <= page <= MAX_PAGE):
        raise ValueError(f"page must be 0–{MAX_PAGE}")
    taste = taste_of(user)
    tracks_version, videos_version = CatalogueState.versions()
    index = track_index(tracks_version)
    steps = targets(strategy, start, emotion, limit)
    shown: frozenset = frozenset()
    for _ in range(page):  # the pages before this one, whose songs this one passes over
        before = pick_tracks(index, steps, emotion, strategy, taste, limit, shown)
        shown = shown | {int(index.song[p.row]) for p in before}
    picks = pick_tracks(index, steps, emotion, strategy, taste, limit, shown)
    videos = video_pick.pick_videos(
        steps[-1] if strategy == "iso" else steps[0],
        emotion=emotion,
        strategy=strategy,
        skip=taste.rated_videos if taste else frozenset(),
        limit=video_limit,
        videos_version=videos_version,
        page=page,
    )
    return {
        "emotion": emotion,
        "strategy": strategy,
        "strategy_note": strategy_note(strategy, emotion),
        "target_vad": {"valence": round(start[0], 3), "arousal": round(start[1], 3), "dominance": round(start[2], 3)},
        "personalised": bool(taste and taste.personalised),
        "clustering": index.clustering_id,
        "page": page,
        "has_more": page < MAX_PAGE and len(picks) == limit,
        "tracks": _track_cards(index, picks, emotion, strategy, taste, len(steps)),
        "videos": videos,
    }


def _start(emotion, vad, strategy, limit, video_limit) -> tuple[str, tuple]:
    """The request checked: the emotion and the VAD point the list starts from."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}")
    if emotion is not None and emotion not in EMOTIONS:
        raise ValueError(f"emotion must be one of {', '.join(EMOTIONS)}")
    if emotion is None and vad is None:
        raise ValueError("give an emotion or a VAD point")
    if not (1 <= limit <= 50 and 0 <= video_limit <= 20):
        raise ValueError("limit must be 1–50 and video_limit 0–20")
    if vad is None:
        return emotion, WARRINER_VAD[emotion]
    vad = tuple(None if x is None else float(x) for x in vad)
    if len(vad) == 2:
        vad = (*vad, None)
    if len(vad) != 3 or vad[0] is None or vad[1] is None or not all(1 <= x <= 9 for x in vad if x is not None):
        raise ValueError("VAD values (valence, arousal, optional dominance) must lie between 1 and 9")
    if vad[2] is None:  # no dominance given: take the emotion's, as the tracks' is imputed too
        vad = (vad[0], vad[1], WARRINER_VAD[emotion or nearest_emotion(vad[0], vad[1])][2])
    return emotion or nearest_emotion(*vad), vad


def _track_cards(index, picks: list[Pick], emotion: str, strategy: str, taste: Taste | None, n: int) -> list[dict]:
    """What the listener is shown of each chosen song, read in one query for just those songs."""
    fields = {
        row["id"]: row
        for row in Track.objects.filter(pk__in=[p.track_id for p in picks]).order_by().values(*TRACK_FIELDS)
    }
    cards = []
    for pick in picks:
        track = fields.get(pick.track_id)
        if track is None:  # deleted since the index was built; the next request rebuilds it
            continue
        cluster = int(index.cluster[pick.row])
        dominance = track["dominance"]
        cards.append(
            {
                "id": track["id"],
                "title": track["title"],
                "artist": track["artist"],
                "genre": shown_genre(track["genre"]),
                "reason": track_reason(
                    track, emotion=emotion, strategy=strategy, taste=taste, position=pick.position, n=n
                ),
                "reason_detail": track_detail(track),
                "valence": round(track["valence"], 3),
                "arousal": round(track["arousal"], 3),
                "dominance": None if dominance is None else round(dominance, 3),
                "spotify_id": track["spotify_id"],
                "deezer_id": track["deezer_id"],
                "youtube_id": track["youtube_id"],
                "source": track["source"],
                "cluster_emotion": index.emotion_of(pick.row),
                "in_target_cluster": cluster >= 0 and cluster in index.emotion_clusters.get(emotion, ()),
            }
        )
    return cards


def forget_tastes() -> None:
    """Forget every listener's cached taste (the benchmark's cold case, settings changed in a test)."""
    tastes.forget()


def reset_indexes() -> None:
    """Forget this process's indexes and tastes (tests swap databases under them)."""
    track_indexes.forget()
    video_pick.forget()
    tastes.forget()
    engine_feedback.forget()
