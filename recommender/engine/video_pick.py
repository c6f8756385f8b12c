"""The music videos shown beside the songs: clips whose music mood fits the emotion and the strategy.

The whole interface is `pick_videos(target, ...)` → a list of video cards (id, youtube_id, start_s,
title, caption, mood, mood_source, mood_words, reason). Which music moods fit is the table in
catalogue.mood_map; a clip's mood is its AudioSet human label, else the caption model's
prediction (videomood.videos). Position by position the list takes the mood the table wants
there (match and lift take turns between their moods, iso walks its path), and within a mood:

1. clips with a human label before predicted ones,
2. clips whose card can name the words that carried the mood before those it cannot,
3. the clip the caption model is surest of (for a human label: whose caption reads most like it).

One clip per YouTube video and one title per list. The 21 lists (7 emotions × match, lift, iso)
are planned together when the index is built, page by page of PAGE videos: a clip goes into at
most LISTS_PER_CLIP lists, so the best clip of a mood cannot fill half of them, and the lists
spread over the catalogue (`plan`). If the fitting moods run out, the clips nearest the list's
VAD target fill it, so it is never shorter than the catalogue allows; only a catalogue too small
for the spread lets a clip into more lists. A request reads its list's plan from `page` on, less
the clips the listener has rated.
"""

from dataclasses import dataclass

import numpy as np

from catalogue.models import CatalogueState, Video
from catalogue.mood_map import MOOD_MAP, MOODS, mood_at
from catalogue.vad import SCALE_MID
from core.emotions import ADJECTIVE, EMOTIONS, WARRINER_VAD
from recommender.engine.cache import Rebuilt
from recommender.engine.strategies import STRATEGIES, already_there, goal_name, targets

FIELDS = ("id", "youtube_id", "start_s", "title", "caption", "mood", "mood_source", "mood_words", "mood_phrase")
PAGE = 4  # the page's videos a list; the plan is made page by page of this many
PLAN_DEPTH = 40  # positions planned per list: ten pages of four
LISTS_PER_CLIP = 3  # the most lists one clip may be in, while the catalogue allows


@dataclass(frozen=True)
class VideoIndex:
    key: int  # the videos' catalogue version
    vad: np.ndarray  # (n, 3), dominance SCALE_MID where a clip has none
    rows: tuple  # FIELDS per row
    by_mood: dict  # mood → row numbers, best first
    plans: dict  # (emotion, strategy) → row numbers in the list's order, PLAN_DEPTH long at most


def pick_videos(
    target: tuple,
    *,
    emotion: str,
    strategy: str,
    skip=frozenset(),
    limit: int = 4,
    videos_version: int | None = None,
    page: int = 0,
) -> list[dict]:
    """Up to `limit` cards of the list's plan from page `page` on, none in `skip`.

    `target` is kept for the callers' sake: the plans are made for the emotion's own target.
    """
    if not limit:
        return []
    index = video_index(videos_version)
    if not index.rows:
        return []
    rows = [r for r in index.plans.get((emotion, strategy), ()) if index.rows[r][0] not in skip]
    start = page * limit
    if start >= len(rows):
        start = 0  # past the end of the plan: round to the beginning
    return [_card(index.rows[r], emotion, strategy) for r in rows[start : start + limit]]


def plan(rows: tuple, vad: np.ndarray, by_mood: dict, *, depth: int = PLAN_DEPTH) -> dict:
    """Every list's clips in order, made page by page for all lists at once, so each page of each list
    is drawn from clips no more than LISTS_PER_CLIP lists hold (while the catalogue allows).

    Per position: the mood the table wants there (mood_at within the page), else another fitting
    mood, else the clip nearest the list's target; each time the first clip that is not in the list
    yet (by YouTube video and by title): one that no list holds yet, else one in fewer than
    LISTS_PER_CLIP lists. Only when no clip is left under that cap does the cap give way (past the
    first page, for a fitting clip before a nearest one). Match lists come first: their moods
    are the narrowest (fear has Scary alone); within a round, the lists with the fewest fitting
    clips choose first.
    """
    lists = [(e, s) for s in ("match", "iso", "lift") for e in EMOTIONS if s in STRATEGIES]
    uses = np.zeros(len(rows), dtype=np.int32)
    chosen = {key: [] for key in lists}
    seen = {key: (set(), set()) for key in lists}  # YouTube ids, titles
    order = {}
    for emotion, strategy in lists:
        steps = targets(strategy, WARRINER_VAD[emotion], emotion, PAGE)
        point = np.array([SCALE_MID if x is None else x for x in (steps[-1] if strategy == "iso" else steps[0])])
        distance = ((vad - point) ** 2).sum(axis=1)
        order[(emotion, strategy)] = np.lexsort((np.arange(len(distance)), distance)).tolist()

    def free(key, row, cap) -> bool:
        youtube_ids, titles = seen[key]
        title = (rows[row][3] or "").strip().lower()
        return rows[row][1] not in youtube_ids and title not in titles and (cap is None or uses[row] < cap)

    # Where each queue's clips under a cap begin: uses only grow, so it only moves on.
    under_cap: dict = {}

    def first(key, candidates, cap):
        if cap is None:
            return next((r for r in candidates if free(key, r, None)), None)
        at = under_cap.get((id(candidates), cap), 0)
        while at < len(candidates) and uses[candidates[at]] >= cap:
            at += 1
        under_cap[(id(candidates), cap)] = at
        return next((candidates[i] for i in range(at, len(candidates)) if free(key, candidates[i], cap)), None)

    def pick(key, moods, first_page: bool):
        """The wanted mood's clip no list has yet, else one under the cap; then the same of the other
        fitting moods; then (past the first page, where the cap may give way first) any fitting clip;
        then the nearest clip under the cap, then any."""
        for mood in moods:
            for cap in (1, LISTS_PER_CLIP):
                row = first(key, by_mood.get(mood, ()), cap)
                if row is not None:
                    return row
        tries = [(order[key], LISTS_PER_CLIP)]
        fitting = [(by_mood.get(m, ()), None) for m in moods]
        for candidates, cap in [*tries, *fitting] if first_page else [*fitting, *tries]:
            row = first(key, candidates, cap)
            if row is not None:
                return row
        return first(key, order[key], None)

    # In each round the lists with the fewest fitting clips choose first (fear's Scary clips go to
    # fear's match list before disgust's, which has Angry ones too).
    size = {m: len(q) for m, q in by_mood.items()}
    lists.sort(key=lambda key: sum(size.get(m, 0) for m in MOOD_MAP[key[0]][key[1]]))
    for round_start in range(0, depth, PAGE):
        for key in lists:
            emotion, strategy = key
            fitting = MOOD_MAP[emotion][strategy]
            for position in range(round_start, min(depth, round_start + PAGE)):
                wanted = mood_at(emotion, strategy, position - round_start, PAGE)
                row = pick(key, (wanted, *(m for m in fitting if m != wanted)), first_page=round_start == 0)
                if row is None:
                    break  # every clip is in this list already
                chosen[key].append(row)
                uses[row] += 1
                seen[key][0].add(rows[row][1])
                seen[key][1].add((rows[row][3] or "").strip().lower())
    return {key: tuple(value) for key, value in chosen.items()}


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
    """ "for a sad mood"; "happy, with more energy" (lift from happy); "towards calm"; iso's first clips,
    which still meet the listener's mood, "for a fearful mood"."""
    if strategy == "match" or (strategy == "iso" and mood in MOOD_MAP[emotion]["match"][:1]):
        adjective = ADJECTIVE[emotion]
        return f"for {'an' if adjective[0] in 'aeiou' else 'a'} {adjective} mood"
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
    shown = tuple((*r[:7], tuple(r[7] or ()), r[8]) for r in rows)
    ranked_moods = {m: tuple(n for _, n in sorted(ranked)) for m, ranked in by_mood.items()}
    return VideoIndex(key=key, vad=vad, rows=shown, by_mood=ranked_moods, plans=plan(shown, vad, ranked_moods))


_index: Rebuilt[VideoIndex] = Rebuilt(_build)
