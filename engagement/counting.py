"""The engagement figures' counts, from lists and events: per group of lists (Row) and per item.

Used for the open days by the dashboard (engagement.statistics) and for each closed day by its
roll-up (engagement.rollup); the rates and intervals are computed from these counts.
"""

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Min, Q

from engagement.models import Event

Z = 1.959964  # 95 %
PLAYED = ("play", "focus", "open")  # "focus": a play guessed where the player said nothing
GROUP_FIELDS = ("impressions", "plays", "played", "liked", "disliked", "saved", "first_play_sum")
ITEM_FIELDS = ("shown", "played", "liked", "disliked", "saved")


def wilson(k: int, n: int, z: float = Z) -> tuple[float, float]:
    """Wilson score interval of k successes in n trials; (0, 1) for n = 0."""
    if n <= 0:
        return 0.0, 1.0
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class Row:
    group: tuple
    impressions: int = 0
    plays: int = 0  # play/open events
    played: int = 0  # lists with at least one
    liked: int = 0
    disliked: int = 0
    saved: int = 0
    first_play_sum: int = 0

    def add(self, other) -> None:
        """Counts of the same group from another day (a Row or a DayGroupCount)."""
        for name in GROUP_FIELDS:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def rate(self, k: int) -> dict:
        low, high = wilson(k, self.impressions)
        return {"rate": k / self.impressions if self.impressions else None, "low": low, "high": high}

    def as_dict(self) -> dict:
        return {
            "group": list(self.group),
            "impressions": self.impressions,
            "plays": self.plays,
            "ctr": self.rate(self.played),
            "like": self.rate(self.liked),
            "dislike": self.rate(self.disliked),
            "save": self.rate(self.saved),
            "mean_first_play": self.first_play_sum / self.played if self.played else None,
        }


def grouped(impressions, on_impression: dict, on_event: dict) -> dict[tuple, Row]:
    """Rows for the impressions grouped by on_impression (name → expression); on_event names the
    same expressions as read from an event (through its impression), in the same order."""
    names, enames = list(on_impression), list(on_event)
    rows: dict[tuple, Row] = {}
    for r in impressions.annotate(**on_impression).values(*names).annotate(n=Count("id")).order_by(*names):
        key = tuple(r[name] for name in names)
        rows[key] = Row(group=key, impressions=r["n"])
    events = Event.objects.filter(impression__in=impressions.values("id")).annotate(**on_event)
    counts = (
        events.values(*enames)
        .annotate(
            plays=Count("id", filter=Q(action__in=PLAYED)),
            played=Count("impression", distinct=True, filter=Q(action__in=PLAYED)),
            liked=Count("impression", distinct=True, filter=Q(action="like")),
            disliked=Count("impression", distinct=True, filter=Q(action="dislike")),
            saved=Count("impression", distinct=True, filter=Q(action="save")),
        )
        .order_by()
    )
    for c in counts:
        row = rows.get(tuple(c[e] for e in enames))
        if row is not None:
            row.plays, row.played, row.liked = c["plays"], c["played"], c["liked"]
            row.disliked, row.saved = c["disliked"], c["saved"]
    firsts = (
        events.filter(action__in=PLAYED).values("impression_id", *enames).annotate(first=Min("position")).order_by()
    )
    for f in firsts:
        row = rows.get(tuple(f[e] for e in enames))
        if row is not None:
            row.first_play_sum += f["first"]
    return rows


def item_counts(impressions) -> dict[tuple, dict]:
    """Per (item type, id) of these lists: lists it was in, lists with a play, likes, dislikes, saves."""
    counts: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(ITEM_FIELDS, 0))
    for listed in impressions.values_list("items", flat=True).iterator(chunk_size=2000):
        for item in listed:
            counts[(item["t"], item["id"])]["shown"] += 1
    events = Event.objects.filter(impression__in=impressions.values("id"))
    for r in (
        events.values("item_type", "item_id")
        .annotate(
            played=Count("impression", distinct=True, filter=Q(action__in=PLAYED)),
            liked=Count("id", filter=Q(action="like")),
            disliked=Count("id", filter=Q(action="dislike")),
            saved=Count("id", filter=Q(action="save")),
        )
        .order_by()
    ):
        c = counts[(r["item_type"], r["item_id"])]
        for name in ("played", "liked", "disliked", "saved"):
            c[name] += r[name]
    return counts
