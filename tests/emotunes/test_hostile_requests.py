"""Forged requests, swept over every route the project has, so a new route is covered the day it is added.

- Without a CSRF token, every POST/PUT/PATCH/DELETE to every route is refused (403) and changes nothing.
- alice sending bob's ids to every route that takes an id gets 404 (or 405), and bob's data stays as it was.
- A rating request cannot be bent onto bob's rating by extra fields.
- Every admin page of every registered model refuses anonymous visitors and listeners without staff rights,
  and staff without the model's permissions.
The number of requests tried is printed (`-s`) and asserted.
"""

import json
from urllib.parse import urlencode

from django.contrib import admin
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from engagement.models import EngagementStatistics
from moods.models import MoodEntry, MoodStatistics, Playlist
from moods.services import create_playlist
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.moods_support import like, make_track, record_sequence

UNSAFE = ("post", "put", "patch", "delete")
ALL_METHODS = ("get", *UNSAFE)


def project_routes(resolver=None, namespace=""):
    """(name for reverse(), {argument: converter}) of every named project route outside the admin."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from project_routes(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", dict(entry.pattern.converters)


class HostileRequestTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        record_sequence(self.alice, ["happy", "sad"])
        self.bob_entries = record_sequence(self.bob, ["angry", "fear"])
        self.bob_rating = like(self.bob, self.tracks[0], emotion="fear")
        self.bob_playlist = create_playlist(user=self.bob, name="Bob's", track_ids=[t.id for t in self.tracks])
        self.alice_playlist = create_playlist(user=self.alice, name="Alice's", track_ids=[self.tracks[0].id])

    def snapshot(self):
        return (
            list(Rating.objects.order_by("pk").values_list("pk", "user_id", "track_id", "value", "emotion")),
            list(Playlist.objects.order_by("pk").values_list("pk", "user_id", "name")),
            [
                list(p.items.order_by("position").values_list("track_id", flat=True))
                for p in Playlist.objects.order_by("pk")
            ],
            list(MoodEntry.objects.order_by("pk").values_list("pk", "user_id", "emotion")),
            list(self.alice.__class__.objects.order_by("pk").values_list("pk", "username", "password", "is_active")),
        )

    def urls_with(self, playlist, session_id):
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        values = {
            "playlist_id": playlist.pk,
            "track_id": self.tracks[0].pk,
            "session_id": session_id,
            # A real password-reset link of Alice's: a forged POST to it must still be refused.
            "uidb64": urlsafe_base64_encode(force_bytes(self.alice.pk)),
            "token": default_token_generator.make_token(self.alice),
        }
        for name, arguments in project_routes():
            yield reverse(name, kwargs={arg: values[arg] for arg in arguments})

    def test_every_unsafe_request_without_a_csrf_token_is_refused(self):
        no_cookie = Client(enforce_csrf_checks=True)
        # A page from another site can make the browser send the cookie, never a matching header.
        with_cookie = Client(enforce_csrf_checks=True, headers={"X-CSRFToken": "forged" * 6})
        with_cookie.cookies["csrftoken"] = _get_new_csrf_string()
        for browser in (no_cookie, with_cookie):
            browser.force_login(self.alice)
        before = self.snapshot()
        tried = 0
        body = {
            "name": "x",
            "track_ids": [self.tracks[1].pk],
            "item_type": "track",
            "item_id": self.tracks[1].pk,
            "value": 1,
            "confirm": "delete my history",
            "password": "correct-horse-battery-staple",
        }
        for url in self.urls_with(self.alice_playlist, "1"):
            for method in UNSAFE:
                for browser in (no_cookie, with_cookie):
                    for data, content_type in (
                        (json.dumps(body), "application/json"),
                        (urlencode(body, doseq=True), "application/x-www-form-urlencoded"),
                    ):
                        answer = getattr(browser, method)(url, data=data, content_type=content_type)
                        tried += 1
                        self.assertEqual(
                            answer.status_code, 403, f"{method.upper()} {url} without CSRF: {answer.status_code}"
                        )
        print(f"\nCSRF: {tried} unsafe requests without a valid token, all 403")
        self.assertGreaterEqual(tried, 200)
        self.assertEqual(self.snapshot(), before)

    def test_bobs_ids_get_404_on_every_route_that_takes_an_id(self):
        self.client.force_login(self.alice)
        before = self.snapshot()
        tried = 0
        body = json.dumps({"name": "Mine now", "track_ids": [t.pk for t in self.tracks][::-1]})
        for name, arguments in project_routes():
            if not {"playlist_id", "session_id"} & set(arguments):
                continue
            url = reverse(
                name,
                kwargs={
                    arg: {
                        "playlist_id": self.bob_playlist.pk,
                        "track_id": self.tracks[0].pk,
                        "session_id": self.bob_entries[0].session_id,
                    }[arg]
                    for arg in arguments
                },
            )
            for method in ALL_METHODS:
                if method == "get":
                    answer = self.client.get(url)
                else:
                    answer = getattr(self.client, method)(url, data=body, content_type="application/json")
                tried += 1
                self.assertIn(answer.status_code, (404, 405), f"{method.upper()} {url}: {answer.status_code}")
                self.assertNotIn(b"Bob's", answer.content)
        print(f"\nother listener's ids: {tried} requests, all 404/405")
        self.assertGreaterEqual(tried, 30)
        self.assertEqual(self.snapshot(), before)

    def test_a_rating_cannot_be_bent_onto_another_listeners_rating(self):
        self.client.force_login(self.alice)
        forged = {
            "item_type": "track",
            "item_id": self.tracks[0].pk,
            "value": -1,
            "emotion": "happy",
            "id": self.bob_rating.pk,
            "pk": self.bob_rating.pk,
            "user": self.bob.pk,
            "user_id": self.bob.pk,
        }
        answer = self.client.post("/api/ratings/", data=json.dumps(forged), content_type="application/json")
        self.assertEqual(answer.status_code, 200)
        self.assertNotEqual(answer.json()["id"], self.bob_rating.pk)
        self.bob_rating.refresh_from_db()
        self.assertEqual(
            (self.bob_rating.user_id, self.bob_rating.value, self.bob_rating.emotion), (self.bob.pk, 1, "fear")
        )
        self.assertEqual(Rating.objects.get(pk=answer.json()["id"]).user_id, self.alice.pk)
        # Nothing bob rated shows up in alice's own lists.
        liked = self.client.get("/history/api/liked/", {"days": 3650}).content
        self.assertNotIn(b"fear", liked)

    def test_every_admin_page_refuses_visitors_listeners_and_staff_without_permissions(self):
        pages = [(reverse("admin:index"), None)]
        for model in admin.site._registry:
            info = (model._meta.app_label, model._meta.model_name)
            names = [(f"admin:{info[0]}_{info[1]}_{view}", ()) for view in ("changelist", "add")]
            instance = model._default_manager.first()
            if instance is not None:
                names += [
                    (f"admin:{info[0]}_{info[1]}_{view}", (instance.pk,)) for view in ("change", "delete", "history")
                ]
            for name, args in names:
                try:
                    pages.append((reverse(name, args=args), model))
                except NoReverseMatch:
                    continue  # that model's admin leaves the page out (e.g. read-only statistics have no "add")
        tried = 0
        anonymous, alice, charlie = Client(), Client(), Client()
        alice.force_login(self.alice)
        charlie.force_login(self.charlie)  # staff, with no model permissions
        before = self.snapshot()
        for url, model in pages:
            for who, browser in (("anonymous", anonymous), ("alice", alice)):
                for method in ("get", "post"):
                    answer = getattr(browser, method)(url, {"name": "hijacked", "post": "yes"})
                    tried += 1
                    self.assertEqual(answer.status_code, 302, f"{who} {method.upper()} {url}")
                    self.assertIn("/admin/login/", answer["Location"])
            if model is None:
                continue
            answer = charlie.get(url)
            tried += 1
            if (model is MoodStatistics and url.endswith("/moodstatistics/")) or (
                model is EngagementStatistics and url.endswith("/engagementstatistics/")
            ):
                # Every staff member sees the aggregate statistics (README, "Mood history and privacy"): no names.
                self.assertEqual(answer.status_code, 200)
                self.assertNotIn(b"alice", answer.content)
                self.assertNotIn(b"bob", answer.content)
            else:
                self.assertIn(answer.status_code, (403, 302), f"staff without permissions GET {url}")
                if answer.status_code == 302:  # the admin sends a missing object back to the index, never shows it
                    self.assertNotIn("/change/", answer["Location"])
        print(f"\nadmin: {tried} requests to {len(pages)} admin pages, all refused")
        self.assertGreaterEqual(len(pages), 10)
        self.assertEqual(self.snapshot(), before)
