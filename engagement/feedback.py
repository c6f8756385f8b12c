"""What engagement feeds back into the recommender (recommender.engine.feedback): per emotion,
the songs shown often in its lists and rarely played, with a Beta prior so new songs get a chance.

Each page view has at most one vote per song: n counts the page views whose lists showed it for
the emotion, k those in which it was played (or opened), however many lists a page view sent (one
page view's 60 lists of a song never played were 60 votes against it). For a song shown in n
page views for the emotion and played in k of them, its play rate
is estimated as the Beta posterior mean (k + s·m) ÷ (n + s), where m is the emotion's mean play
rate per song shown and s = ENGAGEMENT_FEEDBACK_PRIOR the prior's weight in lists. The penalty is
how far that estimate falls below m, 1 − estimate ÷ m (0 when it does not): a song never shown
has none, one shown s times and never played gets 0.5, and the penalty only grows as the
evidence does. Songs doing better than average are not lifted: the mood decides, not popularity.
"""

from collections import defaultdict
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from engagement.models import Event, Impression

PLAYED = ("play", "focus", "open")  # "focus": a play guessed where the player said nothing
MIN_SHOWN = 50  # songs shown in the emotion's lists before any feedback at all


def track_penalties(emotion: str, *, now=None):
    """(sorted track ids, penalties in 0–1) for the emotion, or None (feedback off or too few lists)."""
    if not settings.ENGAGEMENT_FEEDBACK:
        return None
    since = (now or timezone.now()) - timedelta(days=settings.ENGAGEMENT_FEEDBACK_DAYS)
    lists = Impression.objects.filter(emotion=emotion, created_at__gte=since)
    votes: set[tuple] = set()  # (page view, track): one vote each
    for page_view, items in lists.values_list("page_view", "items").iterator(chunk_size=2000):
        votes.update((page_view, item["id"]) for item in items if item["t"] == "track")
    shown: dict[int, int] = defaultdict(int)
    for _, track_id in votes:
        shown[track_id] += 1
    total_shown = sum(shown.values())
    if total_shown < MIN_SHOWN:
        return None
    played = dict(
        Event.objects.filter(impression__in=lists.values("id"), item_type="track", action__in=PLAYED)
        .values("item_id")
        .annotate(n=Count("impression__page_view", distinct=True))
        .values_list("item_id", "n")
    )
    mean = max(sum(played.values()) / total_shown, 1e-3)
    prior = settings.ENGAGEMENT_FEEDBACK_PRIOR
    ids, penalties = [], []
    for track_id in sorted(shown):
        n, k = shown[track_id], played.get(track_id, 0)
        estimate = (k + prior * mean) / (n + prior)
        penalty = 1.0 - estimate / mean
        if penalty > 0.01:
            ids.append(track_id)
            penalties.append(min(1.0, penalty))
    return np.asarray(ids, dtype=np.int64), np.asarray(penalties, dtype=float)
