"""The history page: it draws with the Chart.js that npm installed, and its liked-songs list
rates through the recommender like the live page does."""

import json
import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from core.emotions import EMOTION_COLOURS
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.moods_support import like, make_track, record_sequence


class HistoryPageTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.track = make_track(1)
        record_sequence(self.alice, ["happy", "sad"])
        self.client.force_login(self.alice)

    def test_chart_js_comes_from_node_modules_and_is_served_as_a_static_file(self):
        found = finders.find("vendor/chartjs/chart.umd.js")
        self.assertIsNotNone(found, "run `make install` (npm ci) to install Chart.js")
        self.assertIn("node_modules", found)
        with open(found, encoding="utf-8") as script:
            self.assertIn("Chart", script.read(4000))

    def test_page_loads_the_charts_and_their_data_urls(self):
        page = self.client.get(reverse("moods:history"), {"start": "2026-11-01", "end": "2026-11-30"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "/static/vendor/chartjs/chart.umd.js")
        self.assertContains(page, "/static/js/moods-history.js")
        for canvas in ("daily-chart", "shares-chart", "session-chart"):
            self.assertContains(page, f'id="{canvas}"')
        self.assertContains(page, reverse("moods:api_daily") + "?start=2026-11-01&amp;end=2026-11-30")
        self.assertTrue(finders.find("js/moods-history.js"))

    def test_the_charts_colours_are_core_emotions(self):
        page = self.client.get(reverse("moods:history")).content.decode()
        found = re.search(r'<script id="emotion-palette" type="application/json">(.*?)</script>', page, re.S)
        self.assertEqual(json.loads(found.group(1))["colours"], EMOTION_COLOURS)
        # The script reads them from there and keeps no colours of its own for the emotions.
        with open(finders.find("js/moods-history.js"), encoding="utf-8") as script:
            text = script.read()
        self.assertIn('getElementById("emotion-palette")', text)
        for colour in EMOTION_COLOURS.values():
            self.assertNotIn(colour, text)

    def test_an_empty_period_says_so(self):
        page = self.client.get(reverse("moods:history"), {"start": "2020-01-01", "end": "2020-01-31"})
        self.assertContains(page, 'id="no-moods"')
        self.assertNotContains(page, 'id="shares-chart"')

    def test_a_bad_period_falls_back_with_a_message(self):
        page = self.client.get(reverse("moods:history"), {"start": "soon"}, follow=True)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Dates must look like")

    def test_liked_songs_can_be_rated_again_from_the_history_page(self):
        like(self.alice, self.track, emotion="sad")
        page = self.client.get(reverse("moods:history"))
        self.assertContains(page, "Song 1")
        self.assertContains(page, reverse("moods:rate"))
        response = self.client.post(reverse("moods:rate"), {"track_id": self.track.id, "value": "-1", "emotion": "sad"})
        self.assertRedirects(response, reverse("moods:history") + "#liked", fetch_redirect_response=False)
        rating = Rating.objects.get(user=self.alice, track=self.track)
        self.assertEqual((rating.value, rating.emotion), (-1, "sad"))
        self.assertNotContains(self.client.get(reverse("moods:history")), "Song 1")  # no longer a liked song

    def test_rating_an_unknown_song_changes_nothing_and_says_why(self):
        response = self.client.post(reverse("moods:rate"), {"track_id": 999999, "value": "1"}, follow=True)
        self.assertContains(response, "could not be saved")
        forged = self.client.post(reverse("moods:rate"), {"track_id": self.track.id, "value": "7"}, follow=True)
        self.assertContains(forged, "could not be understood")
        self.assertFalse(Rating.objects.exists())

    def test_nav_and_profile_link_the_history_pages(self):
        profile = self.client.get(reverse("profile"))
        for name in ("moods:history", "moods:playlists", "moods:export", "moods:delete"):
            self.assertContains(profile, f'href="{reverse(name)}"')
        self.client.logout()
        self.assertNotContains(self.client.get(reverse("home")), f'href="{reverse("moods:history")}"')
