"""What EmoTunes remembers about a listener: changes of mood and saved playlists.

Only the outcome of the emotion recognition is kept (label, confidence, VAD point), never a
camera frame or anything derived from the face beyond that.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.emotions import EMOTION_CHOICES


class MoodSource(models.TextChoices):
    CAMERA = "camera", "Camera"
    MANUAL = "manual", "Chosen by hand"


class MoodEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_entries")
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES)
    confidence = models.FloatField(help_text="0–1; 1 for a mood chosen by hand.")
    valence = models.FloatField(help_text="Warriner 1–9 scale.")
    arousal = models.FloatField(help_text="Warriner 1–9 scale.")
    dominance = models.FloatField(help_text="Warriner 1–9 scale.")
    source = models.CharField(max_length=8, choices=MoodSource.choices)
    # Entries less than MOOD_SESSION_GAP_S apart share a session: one sitting in front of the page.
    session_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "mood entries"
        indexes = [models.Index(fields=["user", "created_at"], name="moods_user_created_idx")]
        # Individual timelines are sensitive: seeing them in the admin takes this explicit grant,
        # on top of being staff. Aggregates (MoodStatistics) need no grant.
        permissions = [("view_individual_moods", "Can view individual listeners' mood timelines")]

    def __str__(self):
        return f"{self.emotion} ({self.confidence:.0%}, {self.source}) at {self.created_at:%Y-%m-%d %H:%M:%S}"


class MoodStatistics(MoodEntry):
    """Admin entry point for per-day counts across all listeners (no individual rows)."""

    class Meta:
        proxy = True
        verbose_name = "mood statistics"
        verbose_name_plural = "mood statistics"


class Playlist(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playlists")
    name = models.CharField(max_length=100)
    # The mood the recommendations were made for when the playlist was saved, if known.
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="moods_playlist_unique_name_per_user")]

    def __str__(self):
        return self.name


class PlaylistItem(models.Model):
    playlist = models.ForeignKey(Playlist, on_delete=models.CASCADE, related_name="items")
    track = models.ForeignKey("catalogue.Track", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["playlist", "track"], name="moods_playlist_track_once")]

    def __str__(self):
        return f"{self.playlist_id}#{self.position}: {self.track_id}"


class NeutralFace(models.Model):
    """A listener's own neutral (`live.calibration`), kept only when they asked for it.

    Three numbers fitted on their resting face's emotion scores — never a frame, never the face.
    Shown in their export, deleted with their history and their account.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="neutral_face")
    neutral_factor = models.FloatField(help_text="The neutral score is multiplied by this.")
    bias = models.CharField(
        max_length=16, choices=EMOTION_CHOICES, blank=True, help_text="The class the resting face read."
    )
    bias_divisor = models.FloatField(help_text="That class's score is divided by this.")
    readings = models.PositiveSmallIntegerField(help_text="Readings of the resting face it was fitted on.")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"neutral ×{self.neutral_factor:.2f}" + (f", {self.bias} ÷{self.bias_divisor:.2f}" if self.bias else "")

    def as_calibration(self) -> dict:
        return {
            "neutral_factor": self.neutral_factor,
            "bias": self.bias or None,
            "bias_divisor": self.bias_divisor,
            "readings": self.readings,
        }
