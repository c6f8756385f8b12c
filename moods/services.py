"""Writes for the mood history and playlists.

The export is in moods.export; deleting the whole account is accounts.services.delete_account.
"""

import math
import unicodedata
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.emotions import EMOTIONS, WARRINER_VAD
from core.validation import parse_db_id
from moods.models import MoodEntry, MoodSource, NeutralFace, Playlist, PlaylistItem

PLAYLIST_NAME_MAX = Playlist._meta.get_field("name").max_length
PLAYLIST_MAX_TRACKS = 200
# Letters and symbols that draw nothing (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


class MoodError(ValueError):
    """A mood that cannot be recorded as given (unknown emotion or source, bad numbers)."""


class PlaylistError(ValueError):
    """A playlist request that cannot be carried out; the message is meant for the listener."""


# --- Mood entries ----------------------------------------------------------------------


def _clean_vad(vad, emotion: str) -> tuple[float, float, float]:
    if vad is None:
        return WARRINER_VAD[emotion]
    if isinstance(vad, dict):
        try:
            vad = (vad["valence"], vad["arousal"], vad["dominance"])
        except KeyError as missing:
            raise MoodError(f"vad needs valence, arousal and dominance; {missing} is missing") from None
    try:
        values = tuple(float(v) for v in vad)
    except (TypeError, ValueError):
        raise MoodError(f"vad must be three numbers, got {vad!r}") from None
    if len(values) != 3 or not all(math.isfinite(v) for v in values):
        raise MoodError(f"vad must be three finite numbers, got {vad!r}")
    return values


def record_mood(*, user, emotion, confidence, source, vad=None, at: datetime | None = None) -> MoodEntry | None:
    """Save a change of the listener's stable mood; returns the new entry, or None when no row
    was added.

    Nothing is saved for anonymous visitors, for the same emotion as the last entry of the
    current session (so callers may report the stable mood as often as they like), or once the
    listener has MOOD_MAX_PER_HOUR entries in the last hour. A camera change sooner than
    MOOD_MIN_INTERVAL_S after the last camera entry means that entry was flicker: it is revised
    to the new emotion (or removed, when the face went back to the mood before it) instead of
    being followed by a new row. A mood picked by hand is deliberate: the interval does not
    apply to it and the camera never revises it.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if emotion not in EMOTIONS:
        raise MoodError(f"unknown emotion {emotion!r}; expected one of {', '.join(EMOTIONS)}")
    if source not in MoodSource.values:
        raise MoodError(f"unknown source {source!r}; expected one of {', '.join(MoodSource.values)}")
    try:
        confidence = float(confidence)
    except (TypeError, ValueError):
        raise MoodError(f"confidence must be a number, got {confidence!r}") from None
    if not math.isfinite(confidence):
        raise MoodError(f"confidence must be finite, got {confidence!r}")
    confidence = min(max(confidence, 0.0), 1.0)
    valence, arousal, dominance = _clean_vad(vad, emotion)
    now = at or timezone.now()

    with transaction.atomic():
        last = MoodEntry.objects.filter(user=user).order_by("-created_at", "-id").first()
        since_last = (now - last.created_at).total_seconds() if last else None
        same_session = since_last is not None and since_last <= settings.MOOD_SESSION_GAP_S
        if same_session:
            if last.emotion == emotion:
                return None
            if source == MoodSource.CAMERA and since_last < settings.MOOD_MIN_INTERVAL_S:
                if last.source == MoodSource.CAMERA:
                    _revise_flicker(last, emotion, confidence, (valence, arousal, dominance))
                return None
        in_last_hour = MoodEntry.objects.filter(user=user, created_at__gt=now - timedelta(hours=1)).count()
        if in_last_hour >= settings.MOOD_MAX_PER_HOUR:
            return None
        return MoodEntry.objects.create(
            user=user,
            emotion=emotion,
            confidence=confidence,
            valence=valence,
            arousal=arousal,
            dominance=dominance,
            source=source,
            session_id=last.session_id if same_session else uuid.uuid4(),
            created_at=now,
        )


def _revise_flicker(last: MoodEntry, emotion: str, confidence: float, vad: tuple[float, float, float]) -> None:
    """The last entry lasted less than the minimum interval: it was not a mood of its own."""
    before = (
        MoodEntry.objects.filter(user_id=last.user_id, session_id=last.session_id)
        .exclude(pk=last.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if before is not None and before.emotion == emotion:
        last.delete()  # a blip and back: as if it never happened
        return
    last.emotion, last.confidence = emotion, confidence
    last.valence, last.arousal, last.dominance = vad
    last.save(update_fields=["emotion", "confidence", "valence", "arousal", "dominance"])


def delete_history(*, user, include_ratings: bool = False) -> dict[str, int]:
    """Forget the listener's mood entries and engagement (the lists shown them, what they did with
    them), and, if asked, their ratings. Returns what went."""
    from engagement.services import delete_for_user
    from recommender.models import Rating

    with transaction.atomic():
        deleted = {"mood_entries": MoodEntry.objects.filter(user=user).delete()[0], "ratings": 0}
        deleted["neutral_face"] = NeutralFace.objects.filter(user=user).delete()[0]
        deleted["engagement"] = delete_for_user(user=user)
        if include_ratings:
            deleted["ratings"] = Rating.objects.filter(user=user).delete()[0]
    return deleted


def remember_neutral_face(*, user, calibration: dict) -> NeutralFace:
    """Keep the listener's own neutral, replacing any earlier one. `calibration` is the dict of a
    `live.calibration.NeutralCalibration` the caller (`live`, which fitted and checked it) holds."""
    face, _ = NeutralFace.objects.update_or_create(
        user=user,
        defaults={
            "neutral_factor": float(calibration["neutral_factor"]),
            "bias": calibration.get("bias") or "",
            "bias_divisor": float(calibration["bias_divisor"]),
            "readings": min(int(calibration.get("readings") or 0), 32767),
            "created_at": timezone.now(),
        },
    )
    return face


def forget_neutral_face(*, user) -> bool:
    """The listener reset their neutral: the kept one, if any, is deleted."""
    return NeutralFace.objects.filter(user=user).delete()[0] > 0


# --- Playlists ---------------------------------------------------------------------------


def _clean_name(name) -> str:
    """NFKC, without format or control characters (zero-width spaces, direction marks, NUL),
    whitespace collapsed; what is left must have a visible character."""
    if not isinstance(name, str):
        raise PlaylistError("Give the playlist a name.")
    if len(name) > 4 * PLAYLIST_NAME_MAX:  # bounded before it is normalised
        raise PlaylistError(f"A playlist name can have at most {PLAYLIST_NAME_MAX} characters.")
    kept = []
    for char in unicodedata.normalize("NFKC", name):
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char)[0] != "C" and char not in _BLANK_LETTERS:
            kept.append(char)
    name = " ".join("".join(kept).split())
    if not name:
        raise PlaylistError("Give the playlist a name.")
    if len(name) > PLAYLIST_NAME_MAX:
        raise PlaylistError(f"A playlist name can have at most {PLAYLIST_NAME_MAX} characters.")
    return name


def _clean_track_ids(track_ids) -> list[int]:
    """Ids in their first order, each once. The count is capped *before* anything is looked at,
    and duplicates are dropped through a dict, so the work is linear in a bounded list."""
    if not isinstance(track_ids, (list, tuple)):
        raise PlaylistError("track_ids must be a list of track ids.")
    if len(track_ids) > PLAYLIST_MAX_TRACKS:
        raise PlaylistError(f"A playlist can hold at most {PLAYLIST_MAX_TRACKS} tracks.")
    cleaned: dict[int, None] = {}
    for raw in track_ids:
        track_id = parse_db_id(raw)
        if track_id is None:
            raise PlaylistError(f"{str(raw)[:40]!r} is not a track id.")
        cleaned[track_id] = None
    return list(cleaned)


def create_playlist(*, user, name, track_ids, emotion: str = "") -> Playlist:
    """Save tracks (usually the current recommendations) as a named playlist, in the given order."""
    from catalogue.models import Track

    name = _clean_name(name)
    track_ids = _clean_track_ids(track_ids)
    if not track_ids:
        raise PlaylistError("A playlist needs at least one track.")
    if emotion and (not isinstance(emotion, str) or emotion not in EMOTIONS):
        raise PlaylistError(f"Unknown emotion {str(emotion)[:40]!r}.")
    # Inactive tracks (withdrawn by staff) are as good as missing.
    known = set(Track.objects.filter(id__in=track_ids, is_active=True).values_list("id", flat=True))
    missing = [track_id for track_id in track_ids if track_id not in known]
    if missing:
        raise PlaylistError(f"No such track: {', '.join(map(str, missing[:10]))}{' …' if len(missing) > 10 else ''}.")
    limit = settings.PLAYLISTS_MAX_PER_LISTENER
    try:
        with transaction.atomic():
            # Counted inside the transaction: on SQLite it holds the write lock (BEGIN IMMEDIATE),
            # on PostgreSQL the listener's row is locked, so two requests cannot both pass the cap.
            list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
            if Playlist.objects.filter(user=user).count() >= limit:
                raise PlaylistError(f"You can keep at most {limit} playlists; delete one to save another.")
            playlist = Playlist.objects.create(user=user, name=name, emotion=emotion or "")
            PlaylistItem.objects.bulk_create(
                PlaylistItem(playlist=playlist, track_id=track_id, position=position)
                for position, track_id in enumerate(track_ids)
            )
    except IntegrityError:  # the one-name-per-listener constraint
        raise PlaylistError(f"You already have a playlist called “{name}”.") from None
    return playlist


def add_track(*, playlist: Playlist, track_id) -> bool:
    """Put one track at the end of the playlist; False when it was there already (nothing changes)."""
    from catalogue.models import Track

    track_id = parse_db_id(track_id)
    if track_id is None or not Track.objects.filter(pk=track_id, is_active=True).exists():
        raise PlaylistError("No such track.")
    with transaction.atomic():
        # The playlist's row locked: two tracks added at once get different positions.
        list(Playlist.objects.select_for_update().filter(pk=playlist.pk).values_list("pk", flat=True))
        items = playlist.items.all()
        if items.filter(track_id=track_id).exists():
            return False
        count = items.count()
        if count >= PLAYLIST_MAX_TRACKS:
            raise PlaylistError(f"A playlist can hold at most {PLAYLIST_MAX_TRACKS} tracks.")
        last = items.order_by("-position").values_list("position", flat=True).first()
        PlaylistItem.objects.create(playlist=playlist, track_id=track_id, position=0 if last is None else last + 1)
        playlist.save(update_fields=["updated_at"])
    return True


def rename_playlist(*, playlist: Playlist, name) -> Playlist:
    playlist.name = _clean_name(name)
    try:
        with transaction.atomic():
            playlist.save(update_fields=["name", "updated_at"])
    except IntegrityError:
        playlist.refresh_from_db(fields=["name"])
        raise PlaylistError(f"You already have a playlist called “{name}”.") from None
    return playlist


def _renumber(playlist: Playlist, ordered_items: list[PlaylistItem]) -> None:
    for position, item in enumerate(ordered_items):
        item.position = position
    PlaylistItem.objects.bulk_update(ordered_items, ["position"])
    playlist.save(update_fields=["updated_at"])


def reorder_playlist(*, playlist: Playlist, track_ids) -> Playlist:
    """Put the playlist's tracks in the given order, which must name each of them exactly once."""
    track_ids = _clean_track_ids(track_ids)
    with transaction.atomic():
        items = {item.track_id: item for item in playlist.items.select_for_update()}
        if len(track_ids) != len(items) or set(track_ids) != set(items):
            raise PlaylistError("The new order must list every track of the playlist exactly once.")
        _renumber(playlist, [items[track_id] for track_id in track_ids])
    return playlist


def move_track(*, playlist: Playlist, track_id: int, offset: int) -> Playlist:
    """Move one track up (offset < 0) or down (offset > 0); the ends stay put."""
    with transaction.atomic():
        items = list(playlist.items.select_for_update().order_by("position", "id"))
        index = next((i for i, item in enumerate(items) if item.track_id == track_id), None)
        if index is None:
            raise PlaylistError("That track is not in this playlist.")
        target = min(max(index + offset, 0), len(items) - 1)
        items.insert(target, items.pop(index))
        _renumber(playlist, items)
    return playlist


def remove_track(*, playlist: Playlist, track_id: int) -> Playlist:
    with transaction.atomic():
        deleted, _ = playlist.items.filter(track_id=track_id).delete()
        if not deleted:
            raise PlaylistError("That track is not in this playlist.")
        _renumber(playlist, list(playlist.items.select_for_update().order_by("position", "id")))
    return playlist


def delete_playlist(*, playlist: Playlist) -> None:
    playlist.delete()
