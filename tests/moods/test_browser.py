"""The history page in Debian's Chromium: Chart.js (from node_modules) draws the mood charts
from the JSON endpoints, without a script error."""

import os
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import override_settings

from core.emotions import EMOTION_COLOURS
from moods.services import create_playlist
from tests.base import PASSWORD
from tests.browser import chromium_available, launch_chromium
from tests.moods_support import NOON, like, make_track, record_sequence

pytestmark = [pytest.mark.browser]


@override_settings(MOOD_MIN_INTERVAL_S=10.0, MOOD_MAX_PER_HOUR=60, MOOD_SESSION_GAP_S=1800.0)
class HistoryPageInBrowserTests(StaticLiveServerTestCase):
    def setUp(self):
        if not chromium_available():
            raise AssertionError("Chromium is missing: run `make test`, which installs it")
        self.alice = get_user_model().objects.create_user("alice", "alice@example.org", PASSWORD)
        record_sequence(self.alice, ["happy", "sad", "happy"], start=NOON - timedelta(days=1), step_s=120)
        record_sequence(self.alice, ["neutral", "angry", "surprise"], start=NOON, step_s=90)
        record_sequence(self.alice, ["happy"], start=NOON + timedelta(minutes=10), source="manual")
        track = make_track(1)
        like(self.alice, track, emotion="sad")
        create_playlist(user=self.alice, name="Evening", track_ids=[track.id])
        self.client.force_login(self.alice)
        self.session_cookie = self.client.cookies[settings.SESSION_COOKIE_NAME].value

    def test_charts_are_drawn_from_the_endpoints(self):
        from playwright.sync_api import sync_playwright

        errors = []
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(viewport={"width": 1200, "height": 1400})
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": self.session_cookie, "url": self.live_server_url}]
                )
                page = context.new_page()
                page.on("pageerror", lambda error: errors.append(str(error)))
                # Every script, stylesheet and data request must succeed (the browser's own
                # favicon probe aside: the site has none).
                page.on(
                    "response",
                    lambda response: (
                        response.status >= 400
                        and not response.url.endswith("/favicon.ico")
                        and errors.append(f"{response.status} {response.url}")
                    ),
                )
                page.goto(f"{self.live_server_url}/history/?start=2026-11-20&end=2026-11-26")
                # Polled from here: wait_for_function's in-page polling evaluates a string, which
                # the page's Content-Security-Policy (no 'unsafe-eval') rightly refuses.
                drawn = "() => ['daily-chart', 'shares-chart', 'session-chart'].every(id => window.Chart && Chart.getChart(document.getElementById(id)))"
                deadline = time.monotonic() + 15
                while not page.evaluate(drawn):
                    assert time.monotonic() < deadline, "the three charts were not drawn within 15 s"
                    page.wait_for_timeout(100)
                daily = page.evaluate("""() => {
                    const chart = Chart.getChart(document.getElementById('daily-chart'));
                    return {labels: chart.data.labels,
                            happy: chart.data.datasets.find(d => d.label === 'Happy').data,
                            colours: Object.fromEntries(chart.data.datasets.filter(d => d.type === 'bar')
                                .map(d => [d.label.toLowerCase(), d.backgroundColor])),
                            valence: chart.data.datasets.find(d => d.label === 'Average valence').data};
                }""")
                shares = page.evaluate("() => Chart.getChart(document.getElementById('shares-chart')).data")
                session = page.evaluate("""() => {
                    const chart = Chart.getChart(document.getElementById('session-chart'));
                    // What a reader sees: the tick label level with each point.
                    const labels = Object.fromEntries(chart.scales.y.ticks.map(t => [t.value, t.label]));
                    return chart.data.datasets[0].data.map(v => labels[v]);
                }""")
                if os.environ.get("MOODS_SCREENSHOT"):  # to look at, after Chart.js's animations
                    page.wait_for_timeout(1500)
                    page.screenshot(path=os.environ["MOODS_SCREENSHOT"], full_page=True)
                playlists = page.goto(f"{self.live_server_url}/history/playlists/")
                playlists_text = page.inner_text("main")
            finally:
                browser.close()

        self.assertEqual(errors, [])
        self.assertEqual(daily["labels"][:2], ["2026-11-20", "2026-11-21"])
        self.assertEqual(len(daily["labels"]), 7)
        day = daily["labels"].index("2026-11-24")
        self.assertEqual(daily["happy"][day], 2)
        self.assertEqual(daily["happy"][day + 1], 1)  # the one picked by hand on the 25th
        self.assertIsNone(daily["valence"][0])
        # The bars have core.emotions' colours, the same as the admin's clustering plot.
        self.assertEqual(daily["colours"], EMOTION_COLOURS)
        self.assertEqual(
            dict(zip(shares["labels"], shares["datasets"][0]["data"])),
            {"Angry": 1, "Happy": 3, "Sad": 1, "Surprise": 1, "Neutral": 1},
        )
        self.assertEqual(
            shares["datasets"][0]["backgroundColor"], [EMOTION_COLOURS[label.lower()] for label in shares["labels"]]
        )
        # The newest session is selected first: its steps in order.
        self.assertEqual(session, ["Neutral", "Angry", "Surprise", "Happy"])
        self.assertEqual(playlists.status, 200)
        self.assertIn("Evening", playlists_text)
