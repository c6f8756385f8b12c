"""The catalogue: tracks, music videos, their emotion clusterings, and the version stamp of both.

Valence, arousal and dominance are stored on the 1–9 scale of Warriner et al. (2013), the
scale MuSe publishes; the importers convert every other source to it (see importers.py).
"""

from django.db import models
from django.db.models import Q

from catalogue.mood_map import MOODS
from core.emotions import EMOTION_CHOICES

MUSIC_MOOD_CHOICES = [(m, m) for m in MOODS]


class Track(models.Model):
    class Source(models.TextChoices):
        MUSE_V3 = "muse_v3", "MuSe v3"
        MUSE_SAMPLE = "muse_sample", "MuSe sample"
        DEEZER = "deezer", "Deezer mood"
        SPOTIFY_MOODS = "spotify_moods", "Spotify moods (686)"
        MANUAL = "manual", "Entered by staff"

    title = models.CharField(max_length=500)
    artist = models.CharField(max_length=500, db_index=True)
    genre = models.CharField(max_length=100, blank=True, db_index=True)
    valence = models.FloatField(help_text="1–9 (Warriner scale)")
    arousal = models.FloatField(help_text="1–9 (Warriner scale)")
    dominance = models.FloatField(null=True, blank=True, help_text="1–9; empty when the source has none")
    mood_tags = models.JSONField(default=list, blank=True)
    mood_tag_count = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, db_index=True)
    source_id = models.CharField(max_length=200, help_text="the track's key in its source")
    spotify_id = models.CharField(max_length=40, blank=True)
    deezer_id = models.CharField(max_length=40, blank=True)
    musicbrainz_id = models.CharField(max_length=40, blank=True)
    youtube_id = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        # The table keeps the name it had before the catalogue left the recommender app (migration 0001).
        db_table = "recommender_track"
        ordering = ["artist", "title"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="track_unique_source_id"),
            models.CheckConstraint(
                condition=Q(valence__gte=1, valence__lte=9, arousal__gte=1, arousal__lte=9),
                name="track_va_on_warriner_scale",
            ),
            models.CheckConstraint(
                condition=Q(dominance__isnull=True) | Q(dominance__gte=1, dominance__lte=9),
                name="track_d_on_warriner_scale",
            ),
        ]

    def __str__(self):
        return f"{self.artist} – {self.title}"


class Video(models.Model):
    class Source(models.TextChoices):
        MUSICCAPS = "musiccaps", "MusicCaps"
        AUDIOSET = "audioset", "AudioSet"
        MANUAL = "manual", "Entered by staff"

    class MoodSource(models.TextChoices):
        HUMAN = "human", "AudioSet label"
        MODEL = "model", "Caption model"

    youtube_id = models.CharField(max_length=20)
    start_s = models.PositiveIntegerField(default=0)
    end_s = models.PositiveIntegerField(null=True, blank=True)
    title = models.TextField(blank=True, help_text="short title from the aspects (≤ 60 characters)")
    caption = models.TextField(blank=True, help_text="the MusicCaps caption in full")
    mood = models.CharField(
        max_length=10, choices=MUSIC_MOOD_CHOICES, blank=True, db_index=True, help_text="one of AudioSet's music moods"
    )
    mood_source = models.CharField(max_length=10, choices=MoodSource.choices, blank=True)
    mood_probabilities = models.JSONField(
        default=dict, blank=True, help_text="the caption model's mood distribution (the labels' for AudioSet clips)"
    )
    mood_words = models.JSONField(default=list, blank=True, help_text="the caption words that carried its mood")
    mood_phrase = models.CharField(max_length=120, blank=True, help_text='what the card says: "Gentle, sad piano"')
    audioset_moods = models.JSONField(default=list, blank=True, help_text="human AudioSet music-mood labels")
    valence = models.FloatField(help_text="1–9, from its mood distribution")
    arousal = models.FloatField(help_text="1–9, from its mood distribution")
    dominance = models.FloatField(null=True, blank=True)
    emotion = models.CharField(
        max_length=10,
        choices=EMOTION_CHOICES,
        blank=True,
        db_index=True,
        help_text="the face emotion its mood matches first (catalogue.mood_map)",
    )
    source = models.CharField(max_length=20, choices=Source.choices, db_index=True)
    is_active = models.BooleanField(default=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        db_table = "recommender_video"
        ordering = ["youtube_id", "start_s"]
        constraints = [
            models.UniqueConstraint(fields=["youtube_id", "start_s"], name="video_unique_clip"),
        ]

    def __str__(self):
        return f"{self.youtube_id}@{self.start_s}s"


class Clustering(models.Model):
    """One K-Means run. Exactly one finished run is active; recommendations read only that one."""

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    created_at = models.DateTimeField(auto_now_add=True)
    k = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    is_active = models.BooleanField(default=False)
    n_tracks = models.PositiveIntegerField(default=0)
    inertia = models.FloatField(null=True, blank=True)
    silhouette = models.FloatField(null=True, blank=True)
    duration_s = models.FloatField(null=True, blank=True)
    k_scan = models.JSONField(default=list, blank=True, help_text="[{k, inertia, silhouette}] for the k range tried")
    # The standardisation and dominance imputation used, so new tracks can be placed later.
    scaler = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=40, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        db_table = "recommender_clustering"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_clustering"),
        ]

    def __str__(self):
        return f"Clustering #{self.pk} (k={self.k}{', active' if self.is_active else ''})"


class Cluster(models.Model):
    clustering = models.ForeignKey(Clustering, on_delete=models.CASCADE, related_name="clusters")
    index = models.PositiveSmallIntegerField()
    emotion = models.CharField(max_length=10, choices=EMOTION_CHOICES)
    valence = models.FloatField()
    arousal = models.FloatField()
    dominance = models.FloatField()
    size = models.PositiveIntegerField()

    class Meta:
        db_table = "recommender_cluster"
        ordering = ["clustering", "index"]
        constraints = [models.UniqueConstraint(fields=["clustering", "index"], name="cluster_unique_index")]

    def __str__(self):
        return f"{self.emotion} (cluster {self.index} of clustering #{self.clustering_id})"


class ClusterMembership(models.Model):
    clustering = models.ForeignKey(Clustering, on_delete=models.CASCADE, related_name="memberships")
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="memberships")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        db_table = "recommender_clustermembership"
        constraints = [models.UniqueConstraint(fields=["clustering", "track"], name="membership_unique_track")]

    def __str__(self):
        return f"track {self.track_id} in cluster {self.cluster_id} of clustering #{self.clustering_id}"


class CatalogueState(models.Model):
    """One row whose counters change whenever tracks or videos do, so every process's in-memory
    recommendation index can tell, with one primary-key read, that it is out of date."""

    tracks_version = models.BigIntegerField(default=0)
    videos_version = models.BigIntegerField(default=0)

    class Meta:
        db_table = "recommender_cataloguestate"

    def __str__(self):
        return f"tracks v{self.tracks_version}, videos v{self.videos_version}"

    @classmethod
    def bump(cls, *, tracks: bool = False, videos: bool = False) -> None:
        changes = {}
        if tracks:
            changes["tracks_version"] = models.F("tracks_version") + 1
        if videos:
            changes["videos_version"] = models.F("videos_version") + 1
        if changes and not cls.objects.filter(pk=1).update(**changes):
            cls.objects.get_or_create(pk=1, defaults={"tracks_version": int(tracks), "videos_version": int(videos)})

    @classmethod
    def versions(cls) -> tuple[int, int]:
        row = cls.objects.filter(pk=1).values_list("tracks_version", "videos_version").first()
        return row or (0, 0)
