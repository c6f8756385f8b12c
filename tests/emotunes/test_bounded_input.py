"""Bounded work per request and JSON errors from JSON endpoints (issue #16, items 4, 7 and 11).

Every probe of the issue, each answered by a 4xx in JSON (never a 500, never HTML), quickly;
and the playlist rules of item 11: inactive tracks, a cap per listener, visible names, an
export named after a non-ASCII username.
"""

import json
import time

from django.test import override_settings
from django.urls import reverse

from moods.models import Playlist
from moods.services import PLAYLIST_MAX_TRACKS, create_playlist
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.moods_support import make_track

HUGE = 1180591620717411303424  # 2**70


class BoundedInputTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        self.client.force_login(self.alice)
        self.playlist = create_playlist(user=self.alice, name="Mine", track_ids=[t.id for t in self.tracks])
        self.probes = 0

    def send(self, method, url, body=None, raw=None):
        self.probes += 1
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        return (
            getattr(self.client, method)(url, data, **kwargs) if data is not None else getattr(self.client, method)(url)
        )

    def assertJsonError(self, response, status):
        self.assertEqual(response.status_code, status, response.content[:300])
        self.assertEqual(response["Content-Type"], "application/json", response.content[:300])
        self.assertIn("error", response.json())

    def test_a_long_track_list_is_refused_before_any_work(self):
        # Item 4: 80,000 ids took 24.9 s of one core (O(n²)); the cap now comes first.
        for url in (reverse("moods:api_playlists"), reverse("moods:api_playlist_order", args=[self.playlist.pk])):
            ids = list(range(1, 80_001))
            started = time.perf_counter()
            r = self.send("post", url, {"name": "Big", "track_ids": ids})
            self.assertLess(time.perf_counter() - started, 1.0)
            self.assertIn(r.status_code, (400, 413))
            self.assertEqual(r["Content-Type"], "application/json")
        # The cap itself, in a body under the size limit.
        r = self.send(
            "post",
            reverse("moods:api_playlists"),
            {"name": "Big", "track_ids": [self.tracks[0].id] * (PLAYLIST_MAX_TRACKS + 1)},
        )
        self.assertJsonError(r, 400)
        self.assertIn(str(PLAYLIST_MAX_TRACKS), r.json()["error"])

    def test_duplicates_are_dropped_in_order(self):
        a, b, c = (t.id for t in self.tracks)
        r = self.send("post", reverse("moods:api_playlists"), {"name": "Dupes", "track_ids": [c, a, c, b, a]})
        self.assertEqual(r.status_code, 201, r.content)
        self.assertEqual([t["id"] for t in r.json()["tracks"]], [c, a, b])

    def test_periods_out_of_range_are_400_in_json(self):
        # Item 7: OverflowError before.
        for query in (
            "days=1000000",
            "days=99999999999",
            "days=-5",
            "days=²",
            "days=" + "9" * 5000,
            "end=9999-12-31",
            "start=0001-01-01",
            "start=9999-12-31&end=9999-12-31",
            "end=10000-01-01",
        ):
            for name in ("moods:api_daily", "moods:api_shares", "moods:api_sessions"):
                with self.subTest(query=query, endpoint=name):
                    self.assertJsonError(self.send("get", f"{reverse(name)}?{query}"), 400)
            with self.subTest(query=query, page="history"):
                self.probes += 1
                page = self.client.get(f"{reverse('moods:history')}?{query}")
                self.assertEqual(page.status_code, 200)  # the page falls back to the last 30 days, with a message
            with self.subTest(query=query, page="admin statistics"):
                self.client.force_login(self.charlie)
                self.charlie.is_superuser = True
                self.charlie.save()
                self.probes += 1
                self.assertEqual(self.client.get(f"/admin/moods/moodstatistics/?{query}").status_code, 200)
                self.client.force_login(self.alice)

    def test_ids_beyond_the_database_integer_are_refused(self):
        r = self.send("post", reverse("moods:api_playlists"), {"name": "Huge", "track_ids": [HUGE]})
        self.assertJsonError(r, 400)
        for raw_id in ("²", "٣", True, 1.5, None, [1], {"a": 1}, -1, 0, 2**63):
            with self.subTest(track_id=raw_id):
                self.assertJsonError(
                    self.send("post", reverse("moods:api_playlists"), {"name": "Odd", "track_ids": [raw_id]}), 400
                )
        url = f"/history/api/playlists/{self.playlist.pk}/tracks/{HUGE}/"
        self.assertJsonError(self.send("delete", url), 404)
        self.assertJsonError(self.send("get", f"/history/api/playlists/{HUGE}/"), 404)
        self.assertJsonError(self.send("post", f"/history/api/playlists/{2**63}/order/", {"track_ids": []}), 404)
        # The pages' forms too.
        self.probes += 1
        r = self.client.post(reverse("moods:playlist_remove", args=[self.playlist.pk]), {"track_id": str(HUGE)})
        self.assertEqual(r.status_code, 302)
        self.assertEqual(self.playlist.items.count(), 3)

    def test_deeply_nested_and_oversized_bodies_are_refused(self):
        for depth in (25, 1000, 100_000):
            with self.subTest(depth=depth):
                raw = '{"name": "x", "track_ids": ' + "[" * depth + "]" * depth + "}"
                r = self.send("post", reverse("moods:api_playlists"), raw=raw)
                self.assertIn(r.status_code, (400, 413))
                self.assertEqual(r["Content-Type"], "application/json")
        self.assertJsonError(self.send("post", reverse("moods:api_playlists"), raw="x" * 20_000), 413)
        for raw in ("not json", "[1, 2]", '"name"', "\xff\xfe", '{"name": "x", "track_ids": 1e99999}'):
            with self.subTest(raw=raw):
                self.assertJsonError(self.send("post", reverse("moods:api_playlists"), raw=raw), 400)
        # Ratings (recommender) share the parser.
        self.assertJsonError(self.send("post", reverse("recommender:ratings"), raw="[" * 1990), 400)

    def test_bad_ratings_are_400_in_json(self):
        # Item 7: "²" was a ValueError, ["track"] a TypeError.
        base = {"item_type": "track", "item_id": self.tracks[0].id, "value": 1}
        for change in (
            {"item_id": "²"},
            {"item_id": "٣"},
            {"item_id": HUGE},
            {"item_id": str(HUGE)},
            {"item_type": ["track"]},
            {"item_type": {"a": 1}},
            {"value": [1]},
            {"emotion": ["happy"]},
            {"strategy": ["match"]},
            {"strategy": {"x": 1}},
            {"item_id": None},
        ):
            with self.subTest(change=change):
                self.assertJsonError(self.send("post", reverse("recommender:ratings"), {**base, **change}), 400)

    def test_every_json_endpoint_answers_errors_in_json(self):
        self.assertJsonError(self.send("get", "/api/no-such-endpoint/"), 404)
        self.assertJsonError(self.send("get", "/history/api/no-such-endpoint/"), 404)
        self.assertJsonError(self.send("get", reverse("recommender:ratings")), 405)
        self.assertJsonError(self.send("put", reverse("moods:api_playlists"), {}), 405)
        self.assertJsonError(self.send("get", "/history/api/playlists/999999/"), 404)
        self.assertJsonError(self.send("get", "/history/api/sessions/not-a-uuid/"), 404)
        self.client.logout()
        self.assertJsonError(self.send("get", reverse("moods:api_daily")), 401)

    def test_an_unexpected_error_is_a_json_500(self):
        from unittest import mock

        with mock.patch("moods.selectors.playlists_for", side_effect=RuntimeError("boom")):
            r = self.send("get", reverse("moods:api_playlists"))
        self.assertJsonError(r, 500)
        self.assertNotIn("boom", r.content.decode())

    def tearDown(self):
        print(f"\n{type(self).__name__}.{self._testMethodName}: {self.probes} probes")
        super().tearDown()


class PlaylistRulesTests(BaseTestCase):
    """Item 11."""

    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        self.client.force_login(self.alice)

    def post(self, body):
        return self.client.post(reverse("moods:api_playlists"), json.dumps(body), content_type="application/json")

    def test_inactive_tracks_cannot_be_added_or_rated(self):
        withdrawn = self.tracks[2]
        withdrawn.is_active = False
        withdrawn.save()
        r = self.post({"name": "With it", "track_ids": [self.tracks[0].id, withdrawn.id]})
        self.assertEqual(r.status_code, 400)
        self.assertFalse(Playlist.objects.filter(name="With it").exists())
        r = self.client.post(
            reverse("recommender:ratings"),
            json.dumps({"item_type": "track", "item_id": withdrawn.id, "value": 1}),
            content_type="application/json",
        )
        self.assertEqual(r.status_code, 404)
        self.assertFalse(Rating.objects.filter(track=withdrawn).exists())

    @override_settings(PLAYLISTS_MAX_PER_LISTENER=5)
    def test_a_listener_keeps_a_bounded_number_of_playlists(self):
        statuses = [self.post({"name": f"P{n}", "track_ids": [self.tracks[0].id]}).status_code for n in range(7)]
        self.assertEqual(statuses, [201] * 5 + [400] * 2)
        self.assertEqual(Playlist.objects.filter(user=self.alice).count(), 5)
        # bob has his own allowance
        self.client.force_login(self.bob)
        self.assertEqual(self.post({"name": "P0", "track_ids": [self.tracks[0].id]}).status_code, 201)

    def test_a_name_needs_a_visible_character(self):
        for name in ("\u200b", " \u200b\u200c\u200d\ufeff ", "\u2060", "\u3164", "\x00", "\u202e", "\t\n"):
            with self.subTest(name=repr(name)):
                self.assertEqual(self.post({"name": name, "track_ids": [self.tracks[0].id]}).status_code, 400)
        r = self.post({"name": "Ｒａｉｎ\u200b\x00 day", "track_ids": [self.tracks[0].id]})
        self.assertEqual(r.status_code, 201)
        self.assertEqual(r.json()["name"], "Rain day")

    def test_the_export_is_named_after_a_non_ascii_username(self):
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("Фёдор", password="x-long-password-1")
        self.client.force_login(user)
        for name in ("moods:export_json", "moods:export_csv"):
            with self.subTest(export=name):
                r = self.client.get(reverse(name))
                self.assertEqual(r.status_code, 200)
                disposition = r["Content-Disposition"]
                disposition.encode("latin-1")  # a header must be
                self.assertIn("filename*=utf-8''emotunes-%D0%A4%D1%91%D0%B4%D0%BE%D1%80-", disposition)
