"""Saving the current recommendations as a playlist, reopening, reordering, removing, deleting."""

import json

from django.urls import reverse

from moods.models import Playlist, PlaylistItem
from tests.base import BaseTestCase
from tests.moods_support import make_track


class PlaylistTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 6)]
        self.ids = [t.id for t in self.tracks]
        self.client.force_login(self.alice)

    def post_json(self, url, body, method="post"):
        return getattr(self.client, method)(url, data=json.dumps(body), content_type="application/json")

    def create(self, name="Rainy Sunday", track_ids=None, emotion="sad"):
        return self.post_json(
            reverse("moods:api_playlists"), {"name": name, "track_ids": track_ids or self.ids[:3], "emotion": emotion}
        )

    def order(self, playlist_id):
        return list(
            PlaylistItem.objects.filter(playlist_id=playlist_id).order_by("position").values_list("track_id", flat=True)
        )

    def test_save_recommendations_as_a_named_playlist(self):
        response = self.create(track_ids=[self.ids[2], self.ids[0], self.ids[1], self.ids[0]])
        self.assertEqual(response.status_code, 201)
        data = response.json()
        playlist = Playlist.objects.get(pk=data["id"])
        self.assertEqual((playlist.user, playlist.name, playlist.emotion), (self.alice, "Rainy Sunday", "sad"))
        # In the order given, a repeated track once.
        self.assertEqual(self.order(playlist.pk), [self.ids[2], self.ids[0], self.ids[1]])
        self.assertEqual([t["id"] for t in data["tracks"]], [self.ids[2], self.ids[0], self.ids[1]])
        self.assertEqual(data["url"], reverse("moods:playlist", args=[playlist.pk]))

    def test_reopen_lists_the_tracks_in_order(self):
        playlist_id = self.create(track_ids=[self.ids[4], self.ids[3]]).json()["id"]
        page = self.client.get(reverse("moods:playlist", args=[playlist_id]))
        self.assertEqual(page.status_code, 200)
        html = page.content.decode()
        self.assertIn("Rainy Sunday", html)
        self.assertLess(html.index("Song 5"), html.index("Song 4"))
        listing = self.client.get(reverse("moods:playlists"))
        self.assertContains(listing, "Rainy Sunday")
        self.assertContains(listing, "2 tracks")
        api = self.client.get(reverse("moods:api_playlist", args=[playlist_id])).json()
        self.assertEqual([t["title"] for t in api["tracks"]], ["Song 5", "Song 4"])

    def test_bad_requests_are_refused_clearly_and_create_nothing(self):
        cases = [
            ({"name": "", "track_ids": self.ids}, "name"),
            ({"name": "x" * 101, "track_ids": self.ids}, "100"),
            ({"name": "Empty", "track_ids": []}, "at least one track"),
            ({"name": "Bad ids", "track_ids": "1,2"}, "list"),
            ({"name": "Bad ids", "track_ids": [1.5]}, "not a track id"),
            ({"name": "Ghost", "track_ids": [self.ids[0], 999999]}, "999999"),
            ({"name": "Mood", "track_ids": self.ids, "emotion": "elated"}, "elated"),
        ]
        for body, fragment in cases:
            with self.subTest(body=body):
                response = self.post_json(reverse("moods:api_playlists"), body)
                self.assertEqual(response.status_code, 400)
                self.assertIn(fragment, response.json()["error"])
        broken = self.client.post(reverse("moods:api_playlists"), data=b"{not json", content_type="application/json")
        self.assertEqual(broken.status_code, 400)
        self.assertFalse(Playlist.objects.exists())

    def test_names_are_unique_per_listener(self):
        self.assertEqual(self.create().status_code, 201)
        again = self.create()
        self.assertEqual(again.status_code, 400)
        self.assertIn("already have", again.json()["error"])
        self.client.force_login(self.bob)
        self.assertEqual(self.create().status_code, 201)  # Bob may use the same name

    def test_reorder_through_the_api(self):
        playlist_id = self.create(track_ids=self.ids[:3]).json()["id"]
        url = reverse("moods:api_playlist_order", args=[playlist_id])
        new_order = [self.ids[2], self.ids[0], self.ids[1]]
        response = self.post_json(url, {"track_ids": new_order})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.order(playlist_id), new_order)
        # An order that drops or adds a track is refused and changes nothing.
        for wrong in ([self.ids[0], self.ids[1]], [*new_order, self.ids[4]]):
            self.assertEqual(self.post_json(url, {"track_ids": wrong}).status_code, 400)
        self.assertEqual(self.order(playlist_id), new_order)

    def test_move_up_and_down_from_the_page(self):
        playlist_id = self.create(track_ids=self.ids[:3]).json()["id"]
        url = reverse("moods:playlist_move", args=[playlist_id])
        self.assertRedirects(
            self.client.post(url, {"track_id": self.ids[2], "direction": "up"}),
            reverse("moods:playlist", args=[playlist_id]),
        )
        self.assertEqual(self.order(playlist_id), [self.ids[0], self.ids[2], self.ids[1]])
        self.client.post(url, {"track_id": self.ids[0], "direction": "down"})
        self.assertEqual(self.order(playlist_id), [self.ids[2], self.ids[0], self.ids[1]])
        self.client.post(url, {"track_id": self.ids[2], "direction": "up"})  # already first: stays
        self.assertEqual(self.order(playlist_id), [self.ids[2], self.ids[0], self.ids[1]])

    def test_remove_a_track(self):
        playlist_id = self.create(track_ids=self.ids[:3]).json()["id"]
        self.client.post(reverse("moods:playlist_remove", args=[playlist_id]), {"track_id": self.ids[1]})
        self.assertEqual(self.order(playlist_id), [self.ids[0], self.ids[2]])
        response = self.client.delete(reverse("moods:api_playlist_track", args=[playlist_id, self.ids[0]]))
        self.assertEqual(response.status_code, 200)
        self.assertEqual([t["id"] for t in response.json()["tracks"]], [self.ids[2]])
        self.assertEqual(
            list(PlaylistItem.objects.filter(playlist_id=playlist_id).values_list("position", flat=True)), [0]
        )
        missing = self.client.delete(reverse("moods:api_playlist_track", args=[playlist_id, self.ids[4]]))
        self.assertEqual(missing.status_code, 404)

    def test_rename(self):
        playlist_id = self.create().json()["id"]
        self.client.post(reverse("moods:playlist_rename", args=[playlist_id]), {"name": "  Grey   skies "})
        self.assertEqual(Playlist.objects.get(pk=playlist_id).name, "Grey skies")
        patched = self.post_json(reverse("moods:api_playlist", args=[playlist_id]), {"name": "Blue"}, method="patch")
        self.assertEqual(patched.json()["name"], "Blue")
        other = self.create(name="Green").json()["id"]
        taken = self.post_json(reverse("moods:api_playlist", args=[other]), {"name": "Blue"}, method="patch")
        self.assertEqual(taken.status_code, 400)
        self.assertIn("already have", taken.json()["error"])
        self.assertEqual(Playlist.objects.get(pk=other).name, "Green")

    def test_delete_after_confirmation(self):
        playlist_id = self.create().json()["id"]
        confirm = self.client.get(reverse("moods:playlist_delete", args=[playlist_id]))
        self.assertContains(confirm, "Delete “Rainy Sunday”?")
        self.assertTrue(Playlist.objects.filter(pk=playlist_id).exists())  # asking deletes nothing
        self.assertRedirects(
            self.client.post(reverse("moods:playlist_delete", args=[playlist_id])), reverse("moods:playlists")
        )
        self.assertFalse(Playlist.objects.filter(pk=playlist_id).exists())
        self.assertFalse(PlaylistItem.objects.filter(playlist_id=playlist_id).exists())
        second = self.create(name="Other").json()["id"]
        self.assertEqual(self.client.delete(reverse("moods:api_playlist", args=[second])).status_code, 204)
        self.assertFalse(Playlist.objects.exists())

    def test_the_json_endpoint_needs_the_csrf_token_like_the_live_page_sends(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice)
        body = json.dumps({"name": "Forged", "track_ids": self.ids[:2]})
        refused = client.post(reverse("moods:api_playlists"), data=body, content_type="application/json")
        self.assertEqual(refused.status_code, 403)
        client.get(reverse("moods:history"))  # sets the csrftoken cookie
        token = client.cookies["csrftoken"].value
        accepted = client.post(
            reverse("moods:api_playlists"), data=body, content_type="application/json", headers={"X-CSRFToken": token}
        )
        self.assertEqual(accepted.status_code, 201)


class AddOneTrackTests(BaseTestCase):
    """The live page's "Add to playlist": one song at the end of a listener's own playlist."""

    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 5)]
        self.ids = [t.id for t in self.tracks]
        self.client.force_login(self.alice)
        created = self.client.post(
            reverse("moods:api_playlists"),
            content_type="application/json",
            data=json.dumps({"name": "Road trip", "track_ids": self.ids[:2], "emotion": "happy"}),
        )
        self.playlist = created.json()
        self.url = reverse("moods:api_playlist_tracks", args=[self.playlist["id"]])

    def add(self, track_id, client=None):
        return (client or self.client).post(
            self.url, data=json.dumps({"track_id": track_id}), content_type="application/json"
        )

    def test_the_list_and_a_new_playlist_say_where_to_add(self):
        self.assertEqual(self.playlist["tracks_url"], self.url)
        (listed,) = self.client.get(reverse("moods:api_playlists")).json()["playlists"]
        self.assertEqual((listed["name"], listed["tracks"], listed["tracks_url"]), ("Road trip", 2, self.url))

    def test_a_track_goes_at_the_end_once(self):
        response = self.add(self.ids[3])
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response.json() | {"url": ""},
            {"id": self.playlist["id"], "name": "Road trip", "emotion": "happy", "added": True, "tracks": 3, "url": ""},
        )
        again = self.add(self.ids[3])
        self.assertEqual((again.status_code, again.json()["added"], again.json()["tracks"]), (200, False, 3))
        items = PlaylistItem.objects.filter(playlist_id=self.playlist["id"]).order_by("position")
        self.assertEqual(
            [(i.track_id, i.position) for i in items], [(self.ids[0], 0), (self.ids[1], 1), (self.ids[3], 2)]
        )

    def test_unknown_or_withdrawn_tracks_and_bad_bodies_are_refused(self):
        self.tracks[2].is_active = False
        self.tracks[2].save()
        for track_id in (999999, self.ids[2], "x", None, 2**70, True):
            with self.subTest(track_id=track_id):
                response = self.add(track_id)
                self.assertEqual(response.status_code, 400)
                self.assertIn("No such track", response.json()["error"])
        self.assertEqual(PlaylistItem.objects.filter(playlist_id=self.playlist["id"]).count(), 2)

    def test_only_the_owner_adds_and_visitors_are_asked_to_log_in(self):
        from django.test import Client

        self.client.force_login(self.bob)
        self.assertEqual(self.add(self.ids[3]).status_code, 404)
        anonymous = self.add(self.ids[3], client=Client())
        self.assertEqual(anonymous.status_code, 401)
        self.assertEqual(PlaylistItem.objects.filter(playlist_id=self.playlist["id"]).count(), 2)
