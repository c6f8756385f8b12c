"""Reads across every listener, for the staff's statistics page (moods.admin).

Unlike moods.selectors, which only ever reads one listener's rows, these functions read
everyone's, so they return counts only, and hide a day whose split by emotion would be close
to one person's moods.
"""

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.emotions import EMOTIONS
from moods.models import MoodEntry
from moods.selectors import Period


def daily_statistics(*, period: Period) -> dict:
    """Mood changes per emotion per day across all listeners, and how many listeners made them.

    Only counts leave this function, never a row; a day made by fewer than
    MOOD_STATS_MIN_LISTENERS listeners shows only how many listeners there were.
    """
    since, until = period.bounds()
    day = TruncDate("created_at", tzinfo=timezone.get_current_timezone())
    entries = MoodEntry.objects.filter(created_at__gte=since, created_at__lt=until).annotate(day=day)
    counts = {
        (row["day"], row["emotion"]): row["n"] for row in entries.values("day", "emotion").annotate(n=Count("id"))
    }
    listeners = dict(entries.values_list("day").annotate(n=Count("user", distinct=True)).order_by())
    # A day's split by emotion with one or two listeners behind it is close to a person's moods.
    threshold = settings.MOOD_STATS_MIN_LISTENERS
    rows = []
    for d in reversed(period.days):
        n_listeners = listeners.get(d, 0)
        hidden = 0 < n_listeners < threshold
        day_counts = [counts.get((d, e), 0) for e in EMOTIONS]
        rows.append(
            {
                "day": d,
                "counts": None if hidden else day_counts,
                "total": None if hidden else sum(day_counts),
                "listeners": n_listeners,
                "hidden": hidden,
            }
        )
    return {"emotions": list(EMOTIONS), "rows": rows, "min_listeners": threshold}
