from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from catalogue.models import CatalogueState, Track, Video


@receiver([post_save, post_delete], sender=Track)
def track_changed(sender, **kwargs):
    CatalogueState.bump(tracks=True)


@receiver([post_save, post_delete], sender=Video)
def video_changed(sender, **kwargs):
    CatalogueState.bump(videos=True)
