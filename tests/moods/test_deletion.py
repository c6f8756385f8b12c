"""Deleting the mood history, after confirmation, leaves nothing behind (and touches no one else's).

Deleting the whole account, offered on the same page, is tests/accounts/test_deletion.py.
"""

from django.urls import reverse

from moods.models import MoodEntry, Playlist, PlaylistItem
from moods.services import create_playlist
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.moods_support import like, make_track, record_sequence


class HistoryDeletionTests(BaseTestCase):
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
