"""JSON endpoints: recommendations for anyone, ratings for logged-in listeners with a CSRF token."""

import json

from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client

from catalogue.models import Track, Video
from core.emotions import EMOTIONS
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue

URL, RATE = "/api/recommendations/", "/api/ratings/"
TRACK_FIELDS = {
    "id",
    "title",
    "artist",
    "genre",
    "reason",
    "valence",
    "arousal",
    "dominance",
    "spotify_id",
    "deezer_id",
    "youtube_id",
    "source",
}
VIDEO_FIELDS = {"id", "youtube_id", "start_s", "title", "mood_words", "reason"}


class RecommendationsEndpointTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        import_small_catalogue(videos=True)

    def test_anyone_gets_songs_and_videos_for_each_emotion_and_strategy(self):
        for emotion in EMOTIONS:
            for strategy in ("match", "lift", "iso"):
                response = self.client.get(URL, {"emotion": emotion, "strategy": strategy})
                self.assertEqual(response.status_code, 200)
                body = response.json()
                self.assertEqual((body["emotion"], body["strategy"]), (emotion, strategy))
                self.assertEqual(set(body["target_vad"]), {"valence", "arousal", "dominance"})
                self.assertEqual(len(body["tracks"]), 10)
                self.assertEqual(len(body["videos"]), 4)
                self.assertLessEqual(TRACK_FIELDS, set(body["tracks"][0]))
                self.assertLessEqual(VIDEO_FIELDS, set(body["videos"][0]))
                self.assertFalse(body["personalised"])

    def test_a_logged_in_listener_gets_a_personal_list(self):
        self.client.force_login(self.alice)
        first = self.client.get(URL, {"emotion": "sad"}).json()["tracks"][0]
        Rating.objects.create(user=self.alice, track_id=first["id"], value=-1)
        body = self.client.get(URL, {"emotion": "sad"}).json()
        self.assertTrue(body["personalised"])
        self.assertNotIn(first["id"], [t["id"] for t in body["tracks"]])

    def test_a_vad_point_and_limits(self):
        body = self.client.get(URL, {"valence": "2.2", "arousal": "3.5", "limit": "5", "video_limit": "2"}).json()
        self.assertEqual(body["emotion"], "sad")
        self.assertEqual((len(body["tracks"]), len(body["videos"])), (5, 2))

    def test_bad_parameters_get_a_clear_400(self):
        for params, word in (
            ({"emotion": "bored"}, "emotion"),
            ({"emotion": "sad", "strategy": "x"}, "strategy"),
            ({}, "emotion"),
            ({"valence": "high", "arousal": "5"}, "valence"),
            ({"valence": "5"}, "valence"),
            ({"emotion": "sad", "limit": "ten"}, "limit"),
            ({"emotion": "sad", "limit": "500"}, "limit"),
            ({"valence": "15", "arousal": "5"}, "between"),
        ):
            response = self.client.get(URL, params)
            self.assertEqual(response.status_code, 400, params)
            self.assertIn(word, response.json()["error"].lower(), params)

    def test_only_get(self):
        self.assertEqual(self.client.post(URL, {"emotion": "sad"}).status_code, 405)


class EmptyCatalogueTest(FreshIndexMixin, BaseTestCase):
    def test_before_any_import_the_answer_is_empty_not_an_error(self):
        response = self.client.get(URL, {"emotion": "happy", "strategy": "iso"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            (response.json()["tracks"], response.json()["videos"], response.json()["clustering"]), ([], [], None)
        )


class RatingsEndpointTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.track = Track.objects.create(
            title="Song", artist="Artist", valence=6, arousal=5, source="manual", source_id="1"
        )
        cls.video = Video.objects.create(youtube_id="abcdefghijk", valence=6, arousal=5, source="manual")

    def setUp(self):
        super().setUp()
        self.client = Client(enforce_csrf_checks=True)

    def login(self, user="alice"):
        self.client.force_login(getattr(self, user))
        token = _mask_cipher_secret(_get_new_csrf_string())
        self.client.cookies["csrftoken"] = token
        return token

    def post(self, body, token=None, raw=None):
        headers = {"X-CSRFToken": token} if token else {}
        return self.client.post(
            RATE, raw if raw is not None else json.dumps(body), content_type="application/json", headers=headers
        )

    def test_a_listener_likes_and_re_rates(self):
        token = self.login()
        response = self.post(
            {"item_type": "track", "item_id": self.track.pk, "value": 1, "emotion": "happy", "strategy": "match"}, token
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["value"], 1)
        self.assertEqual(
            self.post({"item_type": "track", "item_id": self.track.pk, "value": -1}, token).status_code, 200
        )
        rating = Rating.objects.get(user=self.alice)
        self.assertEqual((rating.track, rating.value), (self.track, -1))
        self.assertEqual(
            self.post({"item_type": "video", "item_id": self.video.pk, "value": 1}, token).status_code, 200
        )
        self.assertEqual(Rating.objects.filter(user=self.alice).count(), 2)
        self.assertFalse(Rating.objects.filter(user=self.bob).exists())

    def test_csrf_is_enforced(self):
        self.login()
        response = self.post({"item_type": "track", "item_id": self.track.pk, "value": 1})  # no token
        self.assertEqual(response.status_code, 403)
        response = self.post({"item_type": "track", "item_id": self.track.pk, "value": 1}, token="forged" * 8)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Rating.objects.exists())

    def test_login_is_required(self):
        token = _mask_cipher_secret(_get_new_csrf_string())
        self.client.cookies["csrftoken"] = token
        response = self.post({"item_type": "track", "item_id": self.track.pk, "value": 1}, token)
        self.assertEqual(response.status_code, 401)
        self.assertIn("Log in", response.json()["error"])
        self.assertFalse(Rating.objects.exists())

    def test_bad_input_gets_a_clear_400_and_changes_nothing(self):
        token = self.login()
        cases = [
            ({"item_type": "song", "item_id": self.track.pk, "value": 1}, "item_type"),
            ({"item_type": "track", "item_id": self.track.pk, "value": 5}, "value"),
            ({"item_type": "track", "item_id": self.track.pk, "value": True}, "value"),
            ({"item_type": "track", "item_id": "x1", "value": 1}, "item_id"),
            ({"item_type": "track", "item_id": self.track.pk, "value": 1, "emotion": "bored"}, "emotion"),
            ({"item_type": "track", "item_id": self.track.pk, "value": 1, "strategy": "shuffle"}, "strategy"),
        ]
        for body, field in cases:
            response = self.post(body, token)
            self.assertEqual(response.status_code, 400, body)
            self.assertEqual(response.json()["field"], field)
        self.assertEqual(self.post(None, token, raw="{not json").status_code, 400)
        self.assertEqual(self.post(None, token, raw="[1, 2]").status_code, 400)
        response = self.post({"item_type": "track", "item_id": 999999, "value": 1}, token)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Rating.objects.exists())

    def test_only_post(self):
        self.login()
        self.assertEqual(self.client.get(RATE).status_code, 405)
