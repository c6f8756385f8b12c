"""What listeners do with the recommendations: each list shown (Impression) and what was done
with its items (Event).

Arrows: engagement → recommender → core. moods and accounts call engagement's export and
deletion functions (moods → engagement); engagement imports neither of them.

An anonymous visitor's rows carry no user, only the page view's random id (a UUID the page makes
when it loads, never stored in a cookie), so two visits cannot be joined.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.emotions import EMOTION_CHOICES

STRATEGY_CHOICES = [("match", "Match"), ("lift", "Lift"), ("iso", "Iso")]


class ItemType(models.TextChoices):
    TRACK = "track", "Track"
    VIDEO = "video", "Video"


class Action(models.TextChoices):
    PLAY = "play", "Play (the embedded player reported it started)"
    # The fallback where a player says nothing to the page: the window's focus went into its frame.
    FOCUS = "focus", "Play guessed from focus entering the player (fallback)"
    OPEN = "open", "Opened the item's link"
    LIKE = "like", "Like"
    DISLIKE = "dislike", "Dislike"
    SAVE = "save", "Saved to a playlist"


class MoodSourceChoice(models.TextChoices):
    CAMERA = "camera", "Camera"
    MANUAL = "manual", "Mood picker"


class Impression(models.Model):
    """One list of songs and videos shown on a page."""

    page_view = models.UUIDField(help_text="random per page load; the only id of an anonymous visitor")
    key = models.CharField(max_length=16, help_text="the page's own id for this list within the page view")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="impressions"
    )
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES)
    strategy = models.CharField(max_length=8, choices=STRATEGY_CHOICES)
    mood_source = models.CharField(max_length=8, choices=MoodSourceChoice.choices, blank=True)
    clustering_id = models.PositiveIntegerField(null=True, blank=True, help_text="the clustering version shown")
    # [{"t": "track"|"video", "id": 12, "p": 1}, ...]: p counts from 1 within each item type.
    items = models.JSONField(default=list)
    n_tracks = models.PositiveSmallIntegerField(default=0)
    n_videos = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["page_view", "key"], name="engagement_impression_key")]
        indexes = [
            models.Index(fields=["created_at"], name="engagement_imp_created_idx"),
            models.Index(fields=["emotion", "strategy", "created_at"], name="engagement_imp_emo_idx"),
        ]

    def __str__(self):
        return f"{self.emotion}/{self.strategy} list of {self.n_tracks}+{self.n_videos} at {self.created_at:%Y-%m-%d %H:%M}"


class Event(models.Model):
    """One action on one item of an impression; the same action on the same item is kept once."""

    impression = models.ForeignKey(Impression, on_delete=models.CASCADE, related_name="events")
    item_type = models.CharField(max_length=5, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField()
    action = models.CharField(max_length=8, choices=Action.choices)
    position = models.PositiveSmallIntegerField(help_text="the item's place in its list, from 1")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["impression", "item_type", "item_id", "action"], name="engagement_event_once"
            )
        ]
        indexes = [
            models.Index(fields=["created_at"], name="engagement_ev_created_idx"),
            models.Index(fields=["item_type", "item_id", "action"], name="engagement_ev_item_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.item_type} {self.item_id} (#{self.position})"


class DayRollup(models.Model):
    """A day whose figures are in DayGroupCount and DayItemCount (engagement.rollup): the staff's
    dashboard reads those, not that day's impressions and events, so its cost does not grow with
    the tables."""

    day = models.DateField(unique=True)
    rolled_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"engagement of {self.day} rolled up"


class DayGroupCount(models.Model):
    """One day's lists of one emotion × strategy: engagement.counting.Row's counts."""

    day = models.DateField()
    emotion = models.CharField(max_length=16, choices=EMOTION_CHOICES)
    strategy = models.CharField(max_length=8, choices=STRATEGY_CHOICES)
    impressions = models.PositiveIntegerField(default=0)
    plays = models.PositiveIntegerField(default=0)
    played = models.PositiveIntegerField(default=0)
    liked = models.PositiveIntegerField(default=0)
    disliked = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)
    first_play_sum = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "emotion", "strategy"], name="engagement_daygroup_once")]

    def __str__(self):
        return f"{self.day} {self.emotion}/{self.strategy}: {self.impressions} lists"


class DayItemCount(models.Model):
    """One day's figures of one track or video: lists it was in, lists with a play, likes ..."""

    day = models.DateField()
    item_type = models.CharField(max_length=5, choices=ItemType.choices)
    item_id = models.PositiveBigIntegerField()
    shown = models.PositiveIntegerField(default=0)
    played = models.PositiveIntegerField(default=0)
    liked = models.PositiveIntegerField(default=0)
    disliked = models.PositiveIntegerField(default=0)
    saved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "item_type", "item_id"], name="engagement_dayitem_once")]

    def __str__(self):
        return f"{self.day} {self.item_type} {self.item_id}: shown {self.shown}, played {self.played}"


class EngagementStatistics(Impression):
    """Admin entry point for the dashboard (aggregates only; no individual rows)."""

    class Meta:
        proxy = True
        verbose_name = "engagement statistics"
        verbose_name_plural = "engagement statistics"
