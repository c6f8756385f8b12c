"""Engagement pre-aggregated per day, so the staff's dashboard costs the same whatever the tables hold.

A flood of fake plays (450 batches in 15 s: 5,400 lists, 10,800 plays) slowed the dashboard from
0.03 to 1.75 s, as it read every list and event of its period. Now each day, once it is closed,
is rolled up once (``roll_up``) into one row per emotion × strategy (DayGroupCount) and one per
item (DayItemCount), and the dashboard reads those for the closed days of its period and the raw
rows only for the open ones (``split``): today and yesterday (late events of a page left open
over midnight still count), and the part-day at the period's start. A closed day is rolled up
when first needed and by the daily beat task (engagement.tasks.roll_up_engagement); events that
arrive after their day was rolled up are not counted in it.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engagement.counting import GROUP_FIELDS, ITEM_FIELDS, grouped, item_counts
from engagement.models import DayGroupCount, DayItemCount, DayRollup, Impression

OPEN_DAYS = 2  # today and yesterday are read from the raw rows


@dataclass
class Period:
    """A period split into closed days (read from the roll-ups) and ranges read from the raw rows."""

    days: list[date]
    live: list[tuple[datetime, datetime]]


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def split(start: datetime, end: datetime) -> Period:
    open_from = midnight(timezone.localdate(end) - timedelta(days=OPEN_DAYS - 1))
    first = timezone.localdate(start)
    if midnight(first) < start:
        first += timedelta(days=1)
    days = []
    day = first
    while midnight(day + timedelta(days=1)) <= min(open_from, end):
        days.append(day)
        day += timedelta(days=1)
    if not days:
        return Period([], [(start, end)])
    live = [(start, midnight(days[0]))] if start < midnight(days[0]) else []
    live.append((midnight(days[-1] + timedelta(days=1)), end))
    return Period(days, live)


def ensure(days: list[date]) -> None:
    """Roll up each of ``days`` that is not yet."""
    done = set(DayRollup.objects.filter(day__in=days).values_list("day", flat=True))
    for day in days:
        if day not in done:
            roll_up(day)


def roll_up(day: date) -> None:
    """The day's figures from its lists and their events, kept (again) in the day's rows."""
    impressions = Impression.objects.filter(
        created_at__gte=midnight(day), created_at__lt=midnight(day + timedelta(days=1))
    )
    groups = grouped(
        impressions,
        {"g_emotion": F("emotion"), "g_strategy": F("strategy")},
        {"g_emotion": F("impression__emotion"), "g_strategy": F("impression__strategy")},
    )
    items = item_counts(impressions)
    with transaction.atomic():
        DayGroupCount.objects.filter(day=day).delete()
        DayItemCount.objects.filter(day=day).delete()
        DayGroupCount.objects.bulk_create(
            DayGroupCount(day=day, emotion=emotion, strategy=strategy, **{f: getattr(row, f) for f in GROUP_FIELDS})
            for (emotion, strategy), row in groups.items()
        )
        DayItemCount.objects.bulk_create(
            (
                DayItemCount(day=day, item_type=item_type, item_id=item_id, **{f: c[f] for f in ITEM_FIELDS})
                for (item_type, item_id), c in items.items()
            ),
            batch_size=2000,
        )
        DayRollup.objects.update_or_create(day=day, defaults={"rolled_at": timezone.now()})


def roll_up_closed_days(*, days: int, now: datetime | None = None) -> int:
    """Roll up the closed days of the last ``days`` days that are not yet (the beat task). Returns how many."""
    end = now or timezone.now()
    period = split(end - timedelta(days=days), end)
    before = DayRollup.objects.count()
    ensure(period.days)
    return DayRollup.objects.count() - before


def purge_before(cutoff: datetime) -> int:
    day = timezone.localdate(cutoff)
    deleted = DayGroupCount.objects.filter(day__lt=day).delete()[0]
    deleted += DayItemCount.objects.filter(day__lt=day).delete()[0]
    return deleted + DayRollup.objects.filter(day__lt=day).delete()[0]
