"""Deleting the mood history, after confirmation, leaves nothing behind (and touches no one else's).

Deleting the whole account, offered on the same page, is tests/accounts/test_deletion.py.
"""

from django.urls import reverse

from moods.models import MoodEntry, Playlist
from recommender.models import Rating
from tests.moods_support import TwoListenersWithHistory


class HistoryDeletionTests(TwoListenersWithHistory):
    def test_the_page_asks_before_anything_goes(self):
        page = self.client.get(reverse("moods:delete"))
        self.assertContains(page, "delete my history")
        self.assertContains(page, 'type="password"')
        self.assertEqual(MoodEntry.objects.filter(user=self.alice).count(), 3)

    def test_history_needs_the_typed_confirmation(self):
        for typed in ("", "yes", "delete"):
            response = self.client.post(reverse("moods:delete_history"), {"confirmation": typed})
            self.assertEqual(response.status_code, 400)
        self.assertEqual(MoodEntry.objects.filter(user=self.alice).count(), 3)
        # A GET never deletes.
        self.assertEqual(self.client.get(reverse("moods:delete_history")).status_code, 405)

    def test_delete_history_keeps_ratings_and_playlists_unless_asked(self):
        response = self.client.post(reverse("moods:delete_history"), {"confirmation": "Delete my history"})
        self.assertRedirects(response, reverse("moods:history"))
        self.assertFalse(MoodEntry.objects.filter(user=self.alice).exists())
        self.assertEqual(Rating.objects.filter(user=self.alice).count(), 2)
        self.assertTrue(Playlist.objects.filter(user=self.alice).exists())
        self.bobs_data_is_intact()

    def test_delete_history_and_ratings(self):
        self.client.post(
            reverse("moods:delete_history"), {"confirmation": "delete my history", "include_ratings": "on"}
        )
        self.assertFalse(MoodEntry.objects.filter(user=self.alice).exists())
        self.assertFalse(Rating.objects.filter(user=self.alice).exists())
        self.bobs_data_is_intact()
