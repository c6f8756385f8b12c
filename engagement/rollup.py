"""Engagement pre-aggregated per day, so the staff's dashboard costs the same whatever the tables hold.

A flood of fake plays (450 batches in 15 s: 5,400 lists, 10,800 plays) slowed the dashboard from
0.03 to 1.75 s, as it read every list and event of its period on every look. Now each day is
rolled up (``roll_up``) into one row per emotion × strategy (DayGroupCount) and one per item
(DayItemCount), and the dashboard reads only those, for the whole days its period touches. A
day is rolled up when first needed (``ensure``) and by the beat task
(engagement.tasks.roll_up_engagement); today and yesterday (late events of a page left open over
midnight still count) again when their roll-up is older than ENGAGEMENT_DASHBOARD_REFRESH_S, so
their figures may be that old, and the cost of a flood is paid once per refresh, not per look.
Once a day's roll-up was made after the day left that window it is final: events that arrive
later are not counted in it.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from engagement.counting import GROUP_FIELDS, ITEM_FIELDS, grouped, item_counts
from engagement.models import DayGroupCount, DayItemCount, DayRollup, Impression

OPEN_DAYS = 2  # today and yesterday: rolled up again when their roll-up is stale


def midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def days_of(start: datetime, end: datetime) -> list[date]:
    """The whole days the period [start, end) touches (the dashboard counts whole days)."""
    day, last = timezone.localdate(start), timezone.localdate(end - timedelta(microseconds=1))
    days = []
    while day <= last:
        days.append(day)
        day += timedelta(days=1)
    return days


def ensure(days: list[date]) -> None:
    """Roll up each of ``days`` that has no roll-up, or a stale one of a day still open."""
    stale = timezone.now() - timedelta(seconds=settings.ENGAGEMENT_DASHBOARD_REFRESH_S)
    rolled = dict(DayRollup.objects.filter(day__in=days).values_list("day", "rolled_at"))
    for day in days:
        at = rolled.get(day)
        final = at is not None and at >= midnight(day + timedelta(days=OPEN_DAYS))
        if at is None or (not final and at <= stale):
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
    try:
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
    except IntegrityError:
        pass  # another process rolled the same day up at the same moment: its rows stand


def roll_up_days(*, days: int, now: datetime | None = None) -> None:
    """Roll up the last ``days`` days where needed (the beat task, ahead of the dashboard's look)."""
    end = now or timezone.now()
    ensure(days_of(end - timedelta(days=days), end))


def purge_before(cutoff: datetime) -> int:
    day = timezone.localdate(cutoff)
    deleted = DayGroupCount.objects.filter(day__lt=day).delete()[0]
    deleted += DayItemCount.objects.filter(day__lt=day).delete()[0]
    return deleted + DayRollup.objects.filter(day__lt=day).delete()[0]
