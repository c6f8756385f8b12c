"""The music videos shown beside the songs: clips whose music mood fits the emotion and the strategy.

The whole interface is `pick_videos(target, ...)` → a list of video cards (id, youtube_id, start_s,
title, caption, mood, mood_source, mood_words, reason). Which music moods fit is the table in
catalogue.mood_map; a clip's mood is its AudioSet human label, else the caption model's
prediction (videomood.videos). Position by position the list takes the mood the table wants
there (match and lift take turns between their moods, iso walks its path), and within a mood:

1. clips with a human label before predicted ones,
2. clips whose card can name the words that carried the mood before those it cannot,
3. the clip the caption model is surest of (for a human label: whose caption reads most like it).

One clip per YouTube video and none the listener has rated. If the fitting moods run out, the
clips nearest the VAD target fill the list, so it is never shorter than the catalogue allows.
"""

from dataclasses import dataclass

import numpy as np

from catalogue.models import CatalogueState, Video
from catalogue.mood_map import MOOD_MAP, MOODS, mood_at
from catalogue.vad import SCALE_MID
from recommender.engine.cache import Rebuilt
from recommender.engine.strategies import already_there, goal_name

FIELDS = ("id", "youtube_id", "start_s", "title", "caption", "mood", "mood_source", "mood_words", "mood_phrase")


@dataclass(frozen=True)
class VideoIndex:
    key: int  # the videos' catalogue version
    vad: np.ndarray  # (n, 3), dominance SCALE_MID where a clip has none
    rows: tuple  # FIELDS per row
    by_mood: dict  # mood → row numbers, best first


def pick_videos(
    target: tuple, *, emotion: str, strategy: str, skip=frozenset(), limit: int = 4, videos_version: int | None = None
) -> list[dict]:
    """Up to `limit` cards of clips whose mood fits, one clip per YouTube video, none in `skip`."""
    if not limit:
        return []
    index = video_index(videos_version)
    if not index.rows:
        return []
    queues = {m: iter(index.by_mood.get(m, ())) for m in MOODS}
    chosen, seen = [], set()

    def usable(row: int) -> bool:
        video_id, youtube_id = index.rows[row][0], index.rows[row][1]
        return video_id not in skip and youtube_id not in seen

    def take(row: int) -> None:
        seen.add(index.rows[row][1])
        chosen.append(_card(index.rows[row], emotion, strategy))

    fitting = MOOD_MAP[emotion][strategy]
    for position in range(limit):
        wanted = mood_at(emotion, strategy, position, limit)
        for mood in (wanted, *(m for m in fitting if m != wanted)):  # the wanted mood, else another fitting one
            row = next((r for r in queues[mood] if usable(r)), None)
            if row is not None:
                take(row)
                break
    if len(chosen) < limit:  # too few fitting clips: the nearest to the target, as a last resort
        distance = ((index.vad - np.array([SCALE_MID if x is None else x for x in target])) ** 2).sum(axis=1)
        for row in np.lexsort((np.arange(len(distance)), distance)).tolist():
            if len(chosen) >= limit:
                break
            if usable(row):
                take(row)
    return chosen


def _card(row: tuple, emotion: str, strategy: str) -> dict:
    video_id, youtube_id, start_s, title, caption, mood, source, words, phrase = row
    label = _label(emotion, strategy, mood)
    if phrase:
        reason = f"{phrase} — {label}"
    elif source == Video.MoodSource.HUMAN and mood:
        reason = f"Labelled “{mood.lower()} music” on AudioSet — {label}"
    else:
        reason = f"Sounds {mood.lower() or 'fitting'} — {label}"
    return {
        "id": video_id,
        "youtube_id": youtube_id,
        "start_s": start_s,
        "title": title,
        "caption": caption,
        "mood": mood,
        "mood_source": source,
        "mood_words": list(words),
        "reason": reason,
    }


def _label(emotion: str, strategy: str, mood: str) -> str:
    """ "for sad"; "happy, with more energy" (lift from happy); "towards calm"; iso's first clips, which
    still meet the listener's mood, "for sad"."""
    if strategy == "match" or (strategy == "iso" and mood in MOOD_MAP[emotion]["match"][:1]):
        return f"for {emotion}"
    if strategy == "lift" and already_there(emotion):
        return f"{emotion}, with {goal_name(emotion, strategy)}"
    return f"towards {goal_name(emotion, strategy)}"


def video_index(videos_version: int | None = None) -> VideoIndex:
    return _index.get(CatalogueState.versions()[1] if videos_version is None else videos_version)


def forget() -> None:
    _index.clear()


def _build(key: int) -> VideoIndex:
    rows = list(
        Video.objects.filter(is_active=True)
        .order_by("id")
        .values_list(*FIELDS, "mood_probabilities", "valence", "arousal", "dominance")
    )
    vad = np.array([(r[-3], r[-2], SCALE_MID if r[-1] is None else r[-1]) for r in rows], dtype=float).reshape(-1, 3)
    vad.flags.writeable = False
    by_mood: dict[str, list[tuple]] = {m: [] for m in MOODS}
    for number, r in enumerate(rows):
        mood, source, phrase, probabilities = r[5], r[6], r[8], r[9] or {}
        if mood in by_mood:
            rank = (source != Video.MoodSource.HUMAN, not phrase, -float(probabilities.get(mood, 0.0)), r[0])
            by_mood[mood].append((rank, number))
    return VideoIndex(
        key=key,
        vad=vad,
        rows=tuple((*r[:7], tuple(r[7] or ()), r[8]) for r in rows),
        by_mood={m: tuple(n for _, n in sorted(ranked)) for m, ranked in by_mood.items()},
    )


_index: Rebuilt[VideoIndex] = Rebuilt(_build)
