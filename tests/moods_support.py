"""Small builders shared by the tests/moods/ modules."""

from datetime import UTC, datetime, timedelta

from django.test import override_settings

from catalogue.models import Track
from moods.models import MoodEntry, PlaylistItem
from moods.services import create_playlist, record_mood
from recommender.models import Rating
from tests.base import BaseTestCase

# A fixed Wednesday noon, so days and sessions in the tests never depend on the clock.
NOON = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def make_track(n: int, *, valence=5.0, arousal=5.0, dominance=5.0, genre="pop", **extra) -> Track:
    return Track.objects.create(
        title=f"Song {n}",
        artist=f"Artist {n}",
        genre=genre,
        valence=valence,
        arousal=arousal,
        dominance=dominance,
        source=Track.Source.MANUAL,
        source_id=f"test-{n}",
        spotify_id=f"sp{n}",
        **extra,
    )


def record_sequence(user, emotions, *, start=NOON, step_s=60, source="camera") -> list[MoodEntry]:
    """Record one mood per step (far enough apart not to be throttled); returns the saved entries."""
    saved = []
    with override_settings(MOOD_MIN_INTERVAL_S=10.0, MOOD_MAX_PER_HOUR=60, MOOD_SESSION_GAP_S=1800.0):
        for i, emotion in enumerate(emotions):
            entry = record_mood(
                user=user, emotion=emotion, confidence=0.8, source=source, at=start + timedelta(seconds=i * step_s)
            )
            assert entry is not None, f"{emotion} at step {i} was throttled"
            saved.append(entry)
    return saved


def like(user, track, emotion="", value=Rating.LIKE) -> Rating:
    return Rating.objects.create(user=user, track=track, value=value, emotion=emotion, strategy="match")


class TwoListenersWithHistory(BaseTestCase):
    """Alice (logged in) and Bob, each with three moods, a like, a dislike and a playlist of three
    songs: what the deletion tests delete from Alice and must leave of Bob."""

    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        for user in (self.alice, self.bob):
            record_sequence(user, ["happy", "sad", "angry"])
            like(user, self.tracks[0], emotion="happy")
            like(user, self.tracks[1], emotion="sad", value=-1)
            create_playlist(user=user, name="Mix", track_ids=[t.id for t in self.tracks])
        self.client.force_login(self.alice)

    def bobs_data_is_intact(self):
        self.assertEqual(MoodEntry.objects.filter(user=self.bob).count(), 3)
        self.assertEqual(Rating.objects.filter(user=self.bob).count(), 2)
        self.assertEqual(PlaylistItem.objects.filter(playlist__user=self.bob).count(), 3)
