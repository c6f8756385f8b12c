"""Every privacy rule of the history, through the real views: own data only, 404 for anyone
else's ids, log-in for anonymous visitors, aggregates only for staff without the grant."""

import json

from django.contrib.auth.models import Permission, User
from django.test import override_settings
from django.urls import reverse

from core.emotions import EMOTIONS
from moods.models import MoodEntry, Playlist
from moods.services import create_playlist
from tests.base import BaseTestCase
from tests.moods_support import like, make_track, record_sequence

# The entries are made at a fixed date (tests/moods_support.NOON), never "today".
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
PAGES = ["moods:history", "moods:playlists", "moods:export", "moods:export_json", "moods:export_csv", "moods:delete"]
APIS = ["moods:api_daily", "moods:api_shares", "moods:api_sessions", "moods:api_liked", "moods:api_playlists"]


class PrivacyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        self.alice_entries = record_sequence(self.alice, ["happy", "sad"])
        self.bob_entries = record_sequence(self.bob, ["angry", "fear", "disgust"])
        like(self.bob, self.tracks[0], emotion="fear")
        self.bob_playlist = create_playlist(
            user=self.bob, name="Bob's night drive", track_ids=[t.id for t in self.tracks]
        )
        self.alice_playlist = create_playlist(user=self.alice, name="Alice's morning", track_ids=[self.tracks[0].id])

    # --- anonymous visitors ---------------------------------------------------------

    def test_anonymous_visitors_are_sent_to_log_in_from_every_page(self):
        for name in PAGES:
            with self.subTest(page=name):
                url = reverse(name)
                response = self.client.get(url)
                self.assertRedirects(response, f"{reverse('login')}?next={url}", fetch_redirect_response=False)
        detail = reverse("moods:playlist", args=[self.bob_playlist.pk])
        self.assertRedirects(
            self.client.get(detail), f"{reverse('login')}?next={detail}", fetch_redirect_response=False
        )

    def test_anonymous_api_calls_get_401_and_change_nothing(self):
        for name in APIS:
            with self.subTest(api=name):
                self.assertEqual(self.client.get(reverse(name)).status_code, 401)
        create = self.client.post(
            reverse("moods:api_playlists"),
            data=json.dumps({"name": "x", "track_ids": [self.tracks[0].id]}),
            content_type="application/json",
        )
        self.assertEqual(create.status_code, 401)
        session = self.client.get(reverse("moods:api_session", args=[self.bob_entries[0].session_id]))
        self.assertEqual(session.status_code, 401)
        for name in ("moods:delete_history", "delete_account"):
            self.assertEqual(self.client.post(reverse(name), {"confirmation": "delete my history"}).status_code, 302)
        self.assertEqual(MoodEntry.objects.count(), 5)
        self.assertEqual(Playlist.objects.count(), 2)

    # --- Alice against Bob's ids ------------------------------------------------------

    def test_another_listeners_playlist_is_404_everywhere(self):
        self.client.force_login(self.alice)
        pk = self.bob_playlist.pk
        track = self.tracks[0].id
        requests = [
            ("get", reverse("moods:playlist", args=[pk]), {}),
            ("get", reverse("moods:playlist_delete", args=[pk]), {}),
            ("post", reverse("moods:playlist_delete", args=[pk]), {}),
            ("post", reverse("moods:playlist_move", args=[pk]), {"track_id": track, "direction": "down"}),
            ("post", reverse("moods:playlist_remove", args=[pk]), {"track_id": track}),
            ("post", reverse("moods:playlist_rename", args=[pk]), {"name": "Mine now"}),
            ("get", reverse("moods:api_playlist", args=[pk]), {}),
            ("delete", reverse("moods:api_playlist", args=[pk]), {}),
            ("delete", reverse("moods:api_playlist_track", args=[pk, track]), {}),
        ]
        for method, url, data in requests:
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url, data).status_code, 404)
        order = self.client.post(
            reverse("moods:api_playlist_order", args=[pk]),
            data=json.dumps({"track_ids": [t.id for t in self.tracks][::-1]}),
            content_type="application/json",
        )
        self.assertEqual(order.status_code, 404)
        self.bob_playlist.refresh_from_db()
        self.assertEqual(self.bob_playlist.name, "Bob's night drive")
        self.assertEqual(list(self.bob_playlist.items.values_list("track_id", flat=True)), [t.id for t in self.tracks])

    def test_another_listeners_session_is_404(self):
        self.client.force_login(self.alice)
        bobs = self.client.get(reverse("moods:api_session", args=[self.bob_entries[0].session_id]))
        self.assertEqual(bobs.status_code, 404)
        self.assertNotIn("angry", bobs.content.decode())
        own = self.client.get(reverse("moods:api_session", args=[self.alice_entries[0].session_id]))
        self.assertEqual(own.status_code, 200)
        self.assertEqual(self.client.get(reverse("moods:api_session", args=["not-a-uuid"])).status_code, 404)

    def test_lists_and_charts_hold_only_ones_own_data(self):
        self.client.force_login(self.alice)
        playlists = self.client.get(reverse("moods:api_playlists")).json()["playlists"]
        self.assertEqual([p["name"] for p in playlists], ["Alice's morning"])
        self.assertNotContains(self.client.get(reverse("moods:playlists")), "night drive")
        shares = self.client.get(reverse("moods:api_shares"), NOVEMBER).json()
        self.assertEqual(shares["total"], 2)
        sessions = self.client.get(reverse("moods:api_sessions"), NOVEMBER).json()["sessions"]
        self.assertEqual({s["id"] for s in sessions}, {str(self.alice_entries[0].session_id)})
        self.assertEqual(self.client.get(reverse("moods:api_liked")).json()["moods"], [])
        page = self.client.get(reverse("moods:history"), NOVEMBER)
        self.assertNotContains(page, "Fear")

    def test_alice_cannot_delete_bobs_history_by_any_route(self):
        self.client.force_login(self.alice)
        self.client.post(reverse("moods:delete_history"), {"confirmation": "delete my history", "user": self.bob.pk})
        self.assertEqual(MoodEntry.objects.filter(user=self.bob).count(), 3)
        self.assertFalse(MoodEntry.objects.filter(user=self.alice).exists())

    # --- staff and the admin ----------------------------------------------------------

    @override_settings(MOOD_STATS_MIN_LISTENERS=2)
    def test_staff_without_the_grant_see_aggregates_only(self):
        self.client.force_login(self.charlie)
        individual = self.client.get(reverse("admin:moods_moodentry_changelist"))
        self.assertEqual(individual.status_code, 403)
        one_entry = self.client.get(reverse("admin:moods_moodentry_change", args=[self.bob_entries[0].pk]))
        self.assertIn(one_entry.status_code, (302, 403))
        self.assertNotIn(b"fear", one_entry.content)
        index = self.client.get(reverse("admin:index"))
        self.assertContains(index, "Mood statistics")
        self.assertNotContains(index, "Mood entries")

        stats = self.client.get(
            reverse("admin:moods_moodstatistics_changelist"), {"start": "2026-11-20", "end": "2026-11-25"}
        )
        self.assertEqual(stats.status_code, 200)
        html = stats.content.decode()
        self.assertIn('id="mood-statistics"', html)
        # The newest day first: 5 changes from 2 listeners, one of each of the five emotions, and no names.
        today = stats.context["stats"]["rows"][0]
        self.assertEqual((today["total"], today["listeners"]), (5, 2))
        self.assertEqual(dict(zip(stats.context["stats"]["emotions"], today["counts"]))["fear"], 1)
        for name in ("alice", "bob"):
            self.assertNotIn(name, html.replace(self.charlie.username, ""))

    def test_a_day_with_too_few_listeners_is_hidden_from_the_statistics(self):
        self.client.force_login(self.charlie)
        url = reverse("admin:moods_moodstatistics_changelist")
        period = {"start": "2026-11-20", "end": "2026-11-25"}
        stats = self.client.get(url, period)
        day = stats.context["stats"]["rows"][0]
        self.assertEqual(stats.context["stats"]["min_listeners"], 3)
        self.assertEqual((day["hidden"], day["counts"], day["total"]), (True, None, None))
        self.assertContains(stats, "hidden: fewer than 3 listeners")

        record_sequence(User.objects.create_user("dave", password="x"), ["fear"])
        day = self.client.get(url, period).context["stats"]["rows"][0]
        self.assertEqual((day["hidden"], day["total"], day["listeners"]), (False, 6, 3))
        self.assertEqual(dict(zip(EMOTIONS, day["counts"]))["fear"], 2)

    def test_the_explicit_permission_opens_individual_entries(self):
        self.charlie.user_permissions.add(Permission.objects.get(codename="view_individual_moods"))
        self.client.force_login(self.charlie)
        listing = self.client.get(reverse("admin:moods_moodentry_changelist"))
        self.assertEqual(listing.status_code, 200)
        self.assertContains(listing, "bob")
        # Still read-only.
        self.assertEqual(
            self.client.post(
                reverse("admin:moods_moodentry_delete", args=[self.bob_entries[0].pk]), {"post": "yes"}
            ).status_code,
            403,
        )
        self.assertEqual(MoodEntry.objects.filter(user=self.bob).count(), 3)

    def test_the_ordinary_view_permission_is_not_enough(self):
        self.charlie.user_permissions.add(Permission.objects.get(codename="view_moodentry"))
        self.client.force_login(self.charlie)
        self.assertEqual(self.client.get(reverse("admin:moods_moodentry_changelist")).status_code, 403)

    def test_listeners_cannot_reach_the_admin_statistics(self):
        self.client.force_login(self.alice)
        response = self.client.get(reverse("admin:moods_moodstatistics_changelist"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])
