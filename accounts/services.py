"""Writes for the account lifecycle that are not Django's own (sign-up, log-in and password
change are django.contrib.auth's)."""

from django.db import transaction


def delete_account(*, user) -> None:
    """Remove the account and everything held about it.

    Each kind of row is deleted explicitly rather than left to the foreign keys' on_delete
    rules, so that a later change to one of those rules (SET_NULL, say, to keep aggregate
    statistics) cannot quietly keep a deleted listener's moods or ratings.
    """
    from engagement.services import delete_for_user
    from moods.models import MoodEntry, Playlist
    from recommender.models import Rating

    with transaction.atomic():
        MoodEntry.objects.filter(user=user).delete()
        delete_for_user(user=user)
        Rating.objects.filter(user=user).delete()
        Playlist.objects.filter(user=user).delete()
        user.delete()
