"""Deleting the account (accounts.views.delete_account): only with the password, and then
nothing of the listener is left, nor anything of anyone else touched."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from moods.models import MoodEntry, Playlist, PlaylistItem
from recommender.models import Rating
from tests.base import PASSWORD
from tests.moods_support import TwoListenersWithHistory


class AccountDeletionTests(TwoListenersWithHistory):
    def test_the_delete_your_data_page_offers_it(self):
        page = self.client.get(reverse("moods:delete"))
        self.assertContains(page, f'action="{reverse("delete_account")}"')
        self.assertContains(page, 'type="password"')

    def test_its_own_page_asks_for_the_password_and_a_get_deletes_nothing(self):
        page = self.client.get(reverse("delete_account"))
        self.assertContains(page, 'type="password"')
        self.assertContains(page, "Delete my account for good")
        self.assertTrue(get_user_model().objects.filter(pk=self.alice.pk).exists())

    def test_account_deletion_needs_the_password(self):
        response = self.client.post(reverse("delete_account"), {"password": "not-my-password"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "not your password", status_code=400)
        self.assertTrue(get_user_model().objects.filter(pk=self.alice.pk).exists())
        self.assertEqual(MoodEntry.objects.filter(user=self.alice).count(), 3)

    def test_account_deletion_leaves_nothing_behind(self):
        alice_id = self.alice.pk
        playlist_ids = list(Playlist.objects.filter(user=self.alice).values_list("id", flat=True))
        response = self.client.post(reverse("delete_account"), {"password": PASSWORD})
        self.assertRedirects(response, reverse("home"))
        self.assertFalse(get_user_model().objects.filter(pk=alice_id).exists())
        self.assertFalse(MoodEntry.objects.filter(user_id=alice_id).exists())
        self.assertFalse(Rating.objects.filter(user_id=alice_id).exists())
        self.assertFalse(Playlist.objects.filter(user_id=alice_id).exists())
        self.assertFalse(PlaylistItem.objects.filter(playlist_id__in=playlist_ids).exists())
        self.bobs_data_is_intact()
        # The browser is logged out: her pages now ask to log in.
        self.assertEqual(self.client.get(reverse("moods:history")).status_code, 302)
        response = self.client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
        self.assertEqual(response.status_code, 200)  # the form again: no such account
        self.assertNotIn("_auth_user_id", self.client.session)
