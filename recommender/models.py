"""Listeners' ratings of the catalogue's tracks and videos: what personalises their recommendations."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from catalogue.models import Track, Video
from core.emotions import EMOTION_CHOICES


class Rating(models.Model):
    LIKE, DISLIKE = 1, -1
    VALUE_CHOICES = [(LIKE, "Like"), (DISLIKE, "Dislike")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ratings")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    value = models.SmallIntegerField(choices=VALUE_CHOICES)
    emotion = models.CharField(max_length=10, choices=EMOTION_CHOICES, blank=True)
    strategy = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(track__isnull=False) & Q(video__isnull=True))
                | (Q(track__isnull=True) & Q(video__isnull=False)),
                name="rating_exactly_one_item",
            ),
            models.CheckConstraint(condition=Q(value__in=[1, -1]), name="rating_value_like_or_dislike"),
            models.UniqueConstraint(
                fields=["user", "track"], condition=Q(track__isnull=False), name="rating_one_per_track"
            ),
            models.UniqueConstraint(
                fields=["user", "video"], condition=Q(video__isnull=False), name="rating_one_per_video"
            ),
        ]

    def __str__(self):
        return f"{self.user} {'👍' if self.value > 0 else '👎'} {self.track or self.video}"
