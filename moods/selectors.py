"""Reads for the history page, its chart endpoints, playlists and the data export.

Every function here takes the listener and only ever reads that listener's rows: privacy is
enforced here, so a view cannot forget it. The staff's counts across all listeners are in
moods.statistics; writing the export out as CSV files is moods.export.
"""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Max, Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.emotions import EMOTIONS
from moods.models import MoodEntry, NeutralFace, Playlist

DEFAULT_PERIOD_DAYS = 30
MAX_PERIOD_DAYS = 366
# Dates a period may name: a day either side of these still converts in every time zone.
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2999, 12, 31)
NO_MOOD = "none"  # ratings made before any mood was known


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Period:
    start: date  # inclusive, in the site's time zone
    end: date  # inclusive

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )

    def as_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


def _parse_date(raw, name: str) -> date:
    if not isinstance(raw, str) or len(raw) > 10:
        raise PeriodError("Dates must look like 2026-11-25.")
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        raise PeriodError("Dates must look like 2026-11-25.") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise PeriodError(f"{name} must lie between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}.")
    return value


def parse_period(params, *, today: date | None = None) -> Period:
    """`?start=YYYY-MM-DD&end=YYYY-MM-DD` or `?days=N` (the last N days, today included).

    Every number is range-checked before any date arithmetic: `?days=99999999999` or
    `?end=9999-12-31` is a PeriodError (400), never an OverflowError.
    """
    today = today or timezone.localdate()
    if params.get("start") or params.get("end"):
        end = _parse_date(params["end"], "end") if params.get("end") else today
        start = _parse_date(params["start"], "start") if params.get("start") else None
        if start is None:
            start = max(EARLIEST_DATE, end - timedelta(days=DEFAULT_PERIOD_DAYS - 1))
    else:
        raw = params.get("days") or str(DEFAULT_PERIOD_DAYS)
        if not isinstance(raw, str) or not (raw.isascii() and raw.isdecimal()) or len(raw) > 6:
            raise PeriodError(f"days must be a whole number from 1 to {MAX_PERIOD_DAYS}.")
        days = int(raw)
        if not 1 <= days <= MAX_PERIOD_DAYS:
            raise PeriodError(f"days must be a whole number from 1 to {MAX_PERIOD_DAYS}.")
        end, start = today, today - timedelta(days=days - 1)
    if start > end:
        raise PeriodError("The period starts after it ends.")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise PeriodError(f"A period can cover at most {MAX_PERIOD_DAYS} days.")
    return Period(start, end)


def _entries(user, period: Period | None = None):
    entries = MoodEntry.objects.filter(user=user)
    if period is not None:
        since, until = period.bounds()
        entries = entries.filter(created_at__gte=since, created_at__lt=until)
    return entries


def entry_count(*, user) -> int:
    return _entries(user).count()


# --- Charts ---------------------------------------------------------------------------


def daily_counts(*, user, period: Period) -> dict:
    """Mood changes per emotion per day, and the day's mean valence (None on empty days)."""
    rows = (
        _entries(user, period)
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day", "emotion")
        .annotate(n=Count("id"), valence=Avg("valence"))
    )
    days = period.days
    index = {day: i for i, day in enumerate(days)}
    counts = {emotion: [0] * len(days) for emotion in EMOTIONS}
    valence_sum = [0.0] * len(days)
    for row in rows:
        i = index[row["day"]]
        counts[row["emotion"]][i] += row["n"]
        valence_sum[i] += row["valence"] * row["n"]
    totals = [sum(counts[e][i] for e in EMOTIONS) for i in range(len(days))]
    return {
        **period.as_dict(),
        "days": [day.isoformat() for day in days],
        "emotions": list(EMOTIONS),
        "counts": counts,
        "totals": totals,
        "mean_valence": [round(valence_sum[i] / totals[i], 3) if totals[i] else None for i in range(len(days))],
    }


def emotion_shares(*, user, period: Period) -> dict:
    counts = dict(_entries(user, period).values_list("emotion").annotate(n=Count("id")).order_by())
    total = sum(counts.values())
    return {
        **period.as_dict(),
        "total": total,
        "shares": [
            {"emotion": e, "count": counts.get(e, 0), "share": round(counts.get(e, 0) / total, 4) if total else 0.0}
            for e in EMOTIONS
        ],
    }


def sessions(*, user, period: Period) -> list[dict]:
    rows = (
        _entries(user, period)
        .values("session_id")
        .annotate(started_at=Min("created_at"), ended_at=Max("created_at"), entries=Count("id"))
        .order_by("-started_at")
    )
    return [
        {
            "id": str(row["session_id"]),
            "started_at": row["started_at"],
            "ended_at": row["ended_at"],
            "entries": row["entries"],
        }
        for row in rows
    ]


def session_timeline(*, user, session_id) -> dict:
    """The mood changes of one session in order; MoodEntry.DoesNotExist if it isn't the user's."""
    try:
        session_id = uuid.UUID(str(session_id))
    except ValueError:
        raise MoodEntry.DoesNotExist from None
    entries = list(_entries(user).filter(session_id=session_id))
    if not entries:
        raise MoodEntry.DoesNotExist
    return {
        "id": str(session_id),
        "started_at": entries[0].created_at.isoformat(),
        "emotions": list(EMOTIONS),
        "entries": [mood_entry_dict(entry) for entry in entries],
    }


def mood_entry_dict(entry: MoodEntry) -> dict:
    return {
        "time": entry.created_at.isoformat(),
        "emotion": entry.emotion,
        "confidence": round(entry.confidence, 4),
        "valence": entry.valence,
        "arousal": entry.arousal,
        "dominance": entry.dominance,
        "source": entry.source,
        "session_id": str(entry.session_id),
    }


# --- Ratings ----------------------------------------------------------------------------

_TRACK_FIELDS = (
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
)
_VIDEO_FIELDS = ("id", "youtube_id", "start_s", "title")


def _fields(obj, names) -> dict:
    return {name: getattr(obj, name, None) for name in names} if obj is not None else None


def track_dict(track) -> dict:
    return _fields(track, _TRACK_FIELDS)


def _ratings(user):
    from recommender.models import Rating

    return Rating.objects.filter(user=user).select_related("track", "video").order_by("-updated_at", "-id")


def liked_tracks_by_mood(*, user) -> dict:
    """Songs the listener liked, grouped by the mood in force when they liked them."""
    groups: dict[str, list] = {emotion: [] for emotion in (*EMOTIONS, NO_MOOD)}
    for rating in _ratings(user).filter(value=1, track__isnull=False):
        emotion = rating.emotion if rating.emotion in EMOTIONS else NO_MOOD
        groups[emotion].append({"track": track_dict(rating.track), "rated_at": rating.updated_at.isoformat()})
    return {"moods": [{"emotion": e, "tracks": groups[e]} for e in groups if groups[e]]}


def rating_dict(rating) -> dict:
    return {
        "item_type": "track" if rating.track_id else "video",
        "value": rating.value,
        "emotion": rating.emotion,
        "strategy": rating.strategy,
        "rated_at": rating.updated_at.isoformat(),
        "track": track_dict(rating.track),
        "video": _fields(rating.video, _VIDEO_FIELDS),
    }


# --- Playlists ----------------------------------------------------------------------------


def playlists_for(*, user):
    return Playlist.objects.filter(user=user).annotate(track_count=Count("items"))


def get_playlist(*, user, playlist_id) -> Playlist:
    """The user's playlist; Playlist.DoesNotExist for anyone else's, so views answer 404."""
    return Playlist.objects.get(user=user, pk=playlist_id)


def playlist_tracks(playlist: Playlist) -> list:
    return [item.track for item in playlist.items.select_related("track").order_by("position", "id")]


def playlist_dict(playlist: Playlist) -> dict:
    return {
        "id": playlist.pk,
        "name": playlist.name,
        "emotion": playlist.emotion,
        "created_at": playlist.created_at.isoformat(),
        "updated_at": playlist.updated_at.isoformat(),
        "tracks": [track_dict(track) for track in playlist_tracks(playlist)],
    }


# --- Export (moods.export writes it out as CSV) -------------------------------------------


def export_data(*, user) -> dict:
    """Everything EmoTunes holds about the listener, as one JSON-serialisable document."""
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.get_username(),
            "email": user.email,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
        },
        "mood_entries": [mood_entry_dict(entry) for entry in _entries(user)],
        "ratings": [rating_dict(rating) for rating in _ratings(user)],
        "playlists": [playlist_dict(playlist) for playlist in Playlist.objects.filter(user=user).order_by("id")],
        "engagement": _engagement(user),
        "neutral_face": neutral_face_of(user=user),
    }


def neutral_face_of(*, user) -> dict | None:
    """The listener's kept neutral (`moods.models.NeutralFace`) as calibration numbers, or None."""
    face = NeutralFace.objects.filter(user=user).first()
    if face is None:
        return None
    return {**face.as_calibration(), "created_at": face.created_at.isoformat()}


def _engagement(user) -> list[dict]:
    # moods → engagement (engagement imports nothing of moods): the lists shown and what was done.
    from engagement.selectors import export_for_user

    return export_for_user(user=user)
