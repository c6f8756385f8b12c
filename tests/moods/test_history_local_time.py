"""The history page speaks the listener's clock: session times in their own time zone, to the
minute (the server keeps UTC); a new listener's chart says what will fill it instead of 29 empty days."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.testing import StaticLiveServerTestCase
from django.test import override_settings

from tests.base import PASSWORD
from tests.browser import launch_chromium
from tests.moods_support import NOON, record_sequence

pytestmark = [pytest.mark.browser]


@override_settings(MOOD_MIN_INTERVAL_S=10.0, MOOD_MAX_PER_HOUR=60, MOOD_SESSION_GAP_S=1800.0)
class HistoryLocalTimeTests(StaticLiveServerTestCase):
    def open_history(self, user, path, timezone_id):
        from playwright.sync_api import sync_playwright

        self.client.force_login(user)
        cookie = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(timezone_id=timezone_id, locale="en-GB")
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.live_server_url}]
                )
                page = context.new_page()
                errors = []
                page.on("pageerror", lambda error: errors.append(str(error)))
                page.goto(f"{self.live_server_url}{path}")
                page.wait_for_load_state("networkidle")
                options = page.locator("#session-select option").all_text_contents()
                empty = page.locator("#daily-empty").count()
                chart = page.locator("#daily-chart").count()
                labels = []
                if options:
                    for _ in range(100):
                        labels = page.evaluate(
                            "() => { const c = window.Chart && Chart.getChart(document.getElementById('session-chart'));"
                            " return c ? c.data.labels : []; }"
                        )
                        if labels:
                            break
                        page.wait_for_timeout(100)
                return options, labels, empty, chart, errors
            finally:
                browser.close()

    def test_session_times_are_local_and_to_the_minute(self):
        alice = get_user_model().objects.create_user("alice", "alice@example.org", PASSWORD)
        record_sequence(alice, ["neutral", "angry"], start=NOON, step_s=90)
        day = NOON.date()
        path = f"/history/?start={day - timedelta(days=1)}&end={day + timedelta(days=1)}"
        options, labels, empty, chart, errors = self.open_history(alice, path, "Asia/Kolkata")  # UTC+5:30
        self.assertEqual(errors, [])
        local = (NOON + timedelta(hours=5, minutes=30)).strftime("%H:%M")
        self.assertEqual(len(options), 1)
        self.assertIn(local, options[0])
        self.assertIsNone(re.search(r"\d\d:\d\d:\d\d", options[0]), options[0])
        self.assertTrue(labels)
        self.assertTrue(all(re.fullmatch(r"\d\d:\d\d", label) for label in labels), labels)
        self.assertEqual(labels[0], local)
        self.assertEqual((empty, chart), (0, 1))

    def test_a_new_listener_sees_what_will_fill_the_chart(self):
        bob = get_user_model().objects.create_user("bob", "bob@example.org", PASSWORD)
        options, labels, empty, chart, errors = self.open_history(bob, "/history/", "Europe/Berlin")
        self.assertEqual(errors, [])
        self.assertEqual((empty, chart, options), (1, 0, []))
