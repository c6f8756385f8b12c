"""The music videos shown beside the songs: the clips whose mood lies nearest the list's target.

The whole interface is `pick_videos(target, ...)` → a list of video cards (id, youtube_id,
start_s, title, mood_words, reason). Where a video's mood comes from (today lexicon VAD of its
caption, see recommender.videos) and how its card reads are this module's business alone, so a
different mood model or card replaces this module without touching the songs' engine.

Caption VAD crowds the middle of the scale, so the target is carried into the videos' own
distribution before comparing (see vad.map_between): the saddest videos for sad, not merely
the few that reach the word "sad"'s coordinates.
"""

from dataclasses import dataclass

import numpy as np

from recommender.engine.cache import Rebuilt
from recommender.engine.strategies import already_there, goal_name
from recommender.models import CatalogueState, Video
from recommender.vad import EMOTION_MEAN, EMOTION_SD, SCALE_MID, map_between, moments


@dataclass(frozen=True)
class VideoIndex:
    key: int  # the videos' catalogue version
    vad: np.ndarray  # (n, 3), dominance SCALE_MID where a clip has none
    moments: tuple | None  # the videos' own per-dimension mean and sd
    rows: tuple  # (id, youtube_id, start_s, title, mood_words) per row


def pick_videos(
    target: tuple, *, emotion: str, strategy: str, skip=frozenset(), limit: int = 4, videos_version: int | None = None
) -> list[dict]:
    """Up to `limit` cards of the videos nearest the VAD target, one clip per YouTube video, none in `skip`."""
    if not limit:
        return []
    index = video_index(videos_version)
    if not len(index.rows):
        return []
    mapped = np.array(map_between(target, (EMOTION_MEAN, EMOTION_SD), index.moments))
    distance = (((index.vad - mapped) / np.array(index.moments[1])) ** 2).sum(axis=1)
    wanted = min(len(distance), limit * 20 + len(skip))
    nearest = np.argpartition(distance, wanted - 1)[:wanted]
    if strategy == "match":
        label = f"for {emotion}"
    elif strategy == "lift" and already_there(emotion):
        label = f"{emotion}, with {goal_name(emotion, strategy)}"
    else:
        label = f"towards {goal_name(emotion, strategy)}"
    chosen, seen = [], set()
    for row in nearest[np.lexsort((nearest, distance[nearest]))].tolist():  # ties: the older clip first
        video_id, youtube_id, start_s, title, words = index.rows[row]
        if video_id in skip or youtube_id in seen:
            continue
        seen.add(youtube_id)
        chosen.append(
            {
                "id": video_id,
                "youtube_id": youtube_id,
                "start_s": start_s,
                "title": title,
                "mood_words": list(words),
                "reason": f"Sounds {', '.join(words[:3])} — {label}" if words else f"Chosen {label}",
            }
        )
        if len(chosen) >= limit:
            break
    return chosen


def video_index(videos_version: int | None = None) -> VideoIndex:
    return _index.get(CatalogueState.versions()[1] if videos_version is None else videos_version)


def forget() -> None:
    _index.clear()


def _build(key: int) -> VideoIndex:
    rows = list(
        Video.objects.filter(is_active=True)
        .order_by("id")
        .values_list("id", "valence", "arousal", "dominance", "youtube_id", "start_s", "title", "mood_words")
    )
    vad = np.array([(r[1], r[2], SCALE_MID if r[3] is None else r[3]) for r in rows], dtype=float).reshape(-1, 3)
    vad.flags.writeable = False
    return VideoIndex(
        key=key,
        vad=vad,
        moments=moments(vad.tolist()) if rows else None,
        rows=tuple((r[0], r[4], r[5], r[6], tuple(r[7] or ())) for r in rows),
    )


_index: Rebuilt[VideoIndex] = Rebuilt(_build)
