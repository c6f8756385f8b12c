"""The staff's engagement figures across all listeners: aggregates only, never a listener's rows.

Every rate is a share of lists shown (impressions): click-through is the share of lists in which
at least one item was played or opened (so it lies in 0–1 and has a binomial confidence
interval), the like, dislike and save rates the share with at least one like, dislike or save.
Each comes with its Wilson score interval (95 %), which stays honest for the small counts of a
new emotion × strategy cell. "Mean first play" is the mean position (from 1) of the first item
played in the lists with a play.

The counts are additive over days (a list belongs to the day it was shown), so they are read
from the per-day roll-ups (engagement.rollup), for the whole days the period touches.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Sum
from django.utils import timezone

from catalogue.models import Track, Video
from engagement import rollup
from engagement.counting import ITEM_FIELDS, PLAYED, Row, wilson
from engagement.models import DayGroupCount, DayItemCount, Event

__all__ = ["PLAYED", "TABLE_HEADER", "csv_rows", "items", "table", "wilson"]

RATES = ("ctr", "like", "dislike", "save")
TABLE_HEADER = [
    "group",
    "impressions",
    "plays",
    "ctr",
    "ctr_low",
    "ctr_high",
    "like_rate",
    "like_low",
    "like_high",
    "dislike_rate",
    "dislike_low",
    "dislike_high",
    "save_rate",
    "save_low",
    "save_high",
    "mean_first_play",
]


def _period(days: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    end = now or timezone.now()
    return end - timedelta(days=days), end


def _bucket(day: date, by: str) -> str:
    return (day - timedelta(days=day.weekday()) if by == "week" else day).isoformat()


def table(*, days: int = 30, by: str = "emotion_strategy", now: datetime | None = None) -> list[dict]:
    """The figures per emotion × strategy (by="emotion_strategy"), per "day" or per "week"."""
    period = rollup.days_of(*_period(days, now))
    rollup.ensure(period)
    rows: dict[tuple, Row] = {}
    for counts in DayGroupCount.objects.filter(day__in=period):
        key = (counts.emotion, counts.strategy) if by == "emotion_strategy" else (_bucket(counts.day, by),)
        rows.setdefault(key, Row(group=key)).add(counts)
    return [rows[key].as_dict() for key in sorted(rows)]


def items(*, days: int = 30, now: datetime | None = None, n: int = 10, min_impressions: int = 5) -> dict:
    """Per track and per video: how often shown and played; the top and bottom n by the Wilson
    interval's lower (top) and upper (bottom) bound, among items shown at least min_impressions times."""
    period = rollup.days_of(*_period(days, now))
    rollup.ensure(period)
    totals: dict[tuple, dict] = defaultdict(lambda: dict.fromkeys(ITEM_FIELDS, 0))
    rolled = (
        DayItemCount.objects.filter(day__in=period)
        .values("item_type", "item_id")
        .annotate(**{f"n_{name}": Sum(name) for name in ITEM_FIELDS})
        .order_by()
    )
    for r in rolled:
        for name in ITEM_FIELDS:
            totals[(r["item_type"], r["item_id"])][name] += r[f"n_{name}"]
    out = {}
    for item_type, model in (("track", Track), ("video", Video)):
        rows = []
        for (t, item_id), a in totals.items():
            n_shown = a["shown"]
            if t != item_type or n_shown < min_impressions:
                continue
            played = a["played"]
            low, high = wilson(played, n_shown)
            rows.append(
                {
                    "item_type": t,
                    "item_id": item_id,
                    "impressions": n_shown,
                    "played": played,
                    "ctr": played / n_shown,
                    "ctr_low": low,
                    "ctr_high": high,
                    "likes": a["liked"],
                    "dislikes": a["disliked"],
                    "saves": a["saved"],
                }
            )
        # With nothing played there is no best or worst: one ranking would be the other's copy.
        # Otherwise the bottom holds only items the top does not (few items: a short bottom).
        played_any = any(r["played"] for r in rows)
        top = sorted(rows, key=lambda r: (-r["ctr_low"], -r["impressions"], r["item_id"]))[:n] if played_any else []
        in_top = {r["item_id"] for r in top}
        bottom = [
            r
            for r in sorted(rows, key=lambda r: (r["ctr_high"], -r["impressions"], r["item_id"]))
            if r["item_id"] not in in_top
        ][:n]
        bottom = bottom if played_any else []
        _name(model, top + bottom)
        out[item_type] = {"top": top, "bottom": bottom, "count": len(rows), "played_any": played_any}
    return out


def play_signals(*, days: int = 30, now: datetime | None = None) -> dict:
    """Plays in the period by where the word came from: the embedded player's own signal ("play"),
    focus entering a player that said nothing (the fallback, "focus"), an opened link ("open")."""
    start, end = _period(days, now)
    counts = dict(
        Event.objects.filter(created_at__gte=start, created_at__lt=end, action__in=PLAYED)
        .values_list("action")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {"player": counts.get("play", 0), "focus": counts.get("focus", 0), "open": counts.get("open", 0)}


def _name(model, rows: list[dict]) -> None:
    fields = ("id", "title", "artist") if model is Track else ("id", "title", "youtube_id")
    found = {r["id"]: r for r in model.objects.filter(pk__in={r["item_id"] for r in rows}).values(*fields)}
    for row in rows:
        f = found.get(row["item_id"], {})
        row["name"] = " — ".join(x for x in (f.get("artist"), f.get("title") or f.get("youtube_id")) if x) or "(gone)"


def csv_rows(rows: list[dict]):
    """The table's rows in TABLE_HEADER's order (rates rounded to 4 places)."""

    def r(x):
        return "" if x is None else round(x, 4)

    for row in rows:
        cells = [" / ".join(str(g) for g in row["group"]), row["impressions"], row["plays"]]
        for name in RATES:
            cells += [r(row[name]["rate"]), r(row[name]["low"]), r(row[name]["high"])]
        cells.append(r(row["mean_first_play"]))
        yield cells
