"""POST /api/engagement/: validation, CSRF, rate limit, anonymous rows, idempotent batches."""

import json
import uuid

from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client, override_settings
from django.urls import reverse

from engagement.models import Event, Impression
from tests.base import BaseTestCase
from tests.engagement_support import batch, event, impression, make_items

URL = "/api/engagement/"


class EngagementEndpointTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client(enforce_csrf_checks=True)
        self.token = _mask_cipher_secret(_get_new_csrf_string())
        self.client.cookies["csrftoken"] = self.token
        self.tracks, self.videos = make_items()

    def post(self, body, *, token=True, raw=None):
        headers = {"X-CSRFToken": self.token} if token else {}
        return self.client.post(
            URL, raw if raw is not None else json.dumps(body), content_type="application/json", headers=headers
        )

    def test_the_url_is_named(self):
        self.assertEqual(reverse("engagement:events"), URL)

    def test_a_listener_records_a_list_and_what_was_done_with_it(self):
        self.client.force_login(self.alice)
        t1, t2, t3 = self.tracks
        body = batch(
            [impression("a1", self.tracks, self.videos, clustering=4)],
            [
                event("a1", t2, "play"),
                event("a1", t2, "like"),
                event("a1", t3, "save"),
                event("a1", self.videos[1], "play"),
            ],
        )
        response = self.post(body)
        self.assertEqual(response.status_code, 202, response.content)
        self.assertEqual(response.json()["saved"], {"impressions": 1, "events": 4})
        imp = Impression.objects.get()
        self.assertEqual(
            (imp.user, imp.emotion, imp.strategy, imp.mood_source, imp.clustering_id),
            (self.alice, "sad", "match", "camera", 4),
        )
        self.assertEqual((imp.n_tracks, imp.n_videos), (3, 2))
        positions = dict(Event.objects.values_list("action", "position").filter(item_type="track"))
        self.assertEqual(positions, {"play": 2, "like": 2, "save": 3})
        self.assertEqual(Event.objects.get(item_type="video").position, 2)  # videos count from 1 on their own
        # The same batch again (a retry) and a later batch's event on the earlier list
        self.assertEqual(self.post(body).status_code, 202)
        later = batch([], [event("a1", t1, "dislike")], page_view=body["page_view"])
        self.assertEqual(self.post(later).status_code, 202)
        self.assertEqual((Impression.objects.count(), Event.objects.count()), (1, 5))

    def test_anonymous_events_carry_no_user(self):
        page_view = uuid.uuid4()
        self.assertEqual(
            self.post(
                batch([impression("x", self.tracks)], [event("x", self.tracks[0], "open")], page_view)
            ).status_code,
            202,
        )
        imp = Impression.objects.get()
        self.assertIsNone(imp.user)
        self.assertEqual(imp.page_view, page_view)

    def test_an_anonymous_page_view_cannot_reach_a_listeners_list(self):
        self.client.force_login(self.alice)
        body = batch([impression("a", self.tracks)])
        self.post(body)
        self.client.logout()
        self.client.cookies["csrftoken"] = self.token
        response = self.post(batch([], [event("a", self.tracks[0], "like")], page_view=body["page_view"]))
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["field"], "impression")
        self.assertFalse(Event.objects.exists())

    def test_csrf_is_enforced(self):
        self.assertEqual(self.post(batch([impression("a", self.tracks)]), token=False).status_code, 403)
        self.assertFalse(Impression.objects.exists())

    def test_bad_batches_write_nothing(self):
        t = self.tracks[0]
        cases = {
            "page_view": {**batch([impression("a", self.tracks)]), "page_view": "not-a-uuid"},
            "emotion": batch([impression("a", self.tracks, emotion="bored")]),
            "strategy": batch([impression("a", self.tracks, strategy="shuffle")]),
            "source": batch([impression("a", self.tracks, source="telepathy")]),
            "key": batch([impression("a b", self.tracks)]),
            "items": batch([{**impression("a", self.tracks), "items": [{"type": "track", "id": 999999}]}]),
            "item_id": batch([impression("a", self.tracks[:1])], [event("a", self.tracks[2], "play")]),
            "impression": batch([impression("a", self.tracks)], [event("zz", t, "play")]),
            "events": batch([impression("a", self.tracks)], [{**event("a", t, "play"), "action": "purchase"}]),
        }
        for field, body in cases.items():
            with self.subTest(field):
                response = self.post(body)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(response.json()["field"], field)
        twice = batch([impression("a", self.tracks), impression("a", self.tracks)])
        self.assertEqual(self.post(twice).status_code, 400)
        self.assertEqual(
            self.post(
                batch([{**impression("a", self.tracks), "items": [{"type": "track", "id": t.pk}] * 2}])
            ).status_code,
            400,
        )
        self.assertFalse(Impression.objects.exists() or Event.objects.exists())

    def test_sizes_and_counts_are_bounded(self):
        many = batch([impression(f"k{n}", self.tracks) for n in range(21)])
        self.assertEqual(self.post(many).json()["field"], "impressions")
        events = batch([impression("a", self.tracks)], [event("a", self.tracks[0], "play")] * 201)
        self.assertEqual(self.post(events).json()["field"], "events")
        huge = json.dumps({"page_view": str(uuid.uuid4()), "pad": "x" * 40000})
        self.assertEqual(self.post(None, raw=huge).status_code, 413)
        self.assertEqual(self.post(None, raw="[" * 50 + "]" * 50).status_code, 400)
        self.assertEqual(self.post(None, raw="not json").status_code, 400)
        self.assertEqual(self.client.get(URL).status_code, 405)
        self.assertFalse(Impression.objects.exists())

    @override_settings(ENGAGEMENT_RATE="3/m")
    def test_batches_are_rate_limited(self):
        codes = [self.post(batch([impression("a", self.tracks)])).status_code for _ in range(5)]
        self.assertEqual(codes, [202, 202, 202, 429, 429])
        self.assertEqual(Impression.objects.count(), 3)
