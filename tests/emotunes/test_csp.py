"""The Content-Security-Policy is one the pages pass (issue #16, item 10), in Debian's Chromium.

Every page of the site — the live page, log-in and sign-up, the history with Chart.js, playlists,
export and deletion, the profile, the admin's lists and the clustering plot — is opened with a
listener for `securitypolicyviolation` events and console messages; none may be reported. The
players the live page embeds (Spotify, Deezer, YouTube without cookies) are framed without a
violation, and a frame from anywhere else is reported: the listener does hear violations.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.staticfiles.testing import StaticLiveServerTestCase

from catalogue.models import Clustering
from moods.services import create_playlist
from tests.base import PASSWORD
from tests.browser import OFFLINE_PLAYER, chromium_available, launch_chromium
from tests.moods_support import NOON, like, make_track, record_sequence

pytestmark = [pytest.mark.browser]

LISTEN = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} in ${e.documentURI}`));
"""

EMBEDS = [
    ("spotify", "https://open.spotify.com/embed/track/4uLU6hMCjMI75M1A2tKUQC"),
    ("deezer", "https://widget.deezer.com/widget/auto/track/3135556"),
    ("youtube", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=30"),
]


class ContentSecurityPolicyInBrowserTests(StaticLiveServerTestCase):
    def setUp(self):
        if not chromium_available():
            raise AssertionError("Chromium is missing: run `make test`, which installs it")
        User = get_user_model()
        self.alice = User.objects.create_user("alice", "alice@example.org", PASSWORD)
        self.admin = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        record_sequence(self.alice, ["happy", "sad", "happy"], start=NOON)
        self.track = make_track(1)
        like(self.alice, self.track, emotion="sad")
        self.playlist = create_playlist(user=self.alice, name="Evening", track_ids=[self.track.id])

    def open_pages(self, user, paths):
        from django.test import Client
        from playwright.sync_api import sync_playwright

        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
        seen, problems = [], []
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context()
                context.add_cookies(
                    [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": self.live_server_url}]
                )
                context.add_init_script(LISTEN)
                # No internet here: the players' hosts answer with a stand-in page.
                context.route(
                    "https://**/*",
                    lambda route: route.fulfill(
                        status=200, content_type="text/html", body=OFFLINE_PLAYER.format(name="player")
                    ),
                )
                page = context.new_page()
                page.on(
                    "console",
                    lambda message: (
                        "Content Security Policy" in message.text and problems.append(f"console: {message.text}")
                    ),
                )
                page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
                for path in paths:
                    response = page.goto(self.live_server_url + path)
                    self.assertLess(response.status, 400, path)
                    self.assertIn("default-src 'self'", response.headers["content-security-policy"], path)
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)  # violation events are dispatched asynchronously
                    problems += page.evaluate("window.__violations")
                    seen.append(path)
                pages_problems = list(problems)  # before the embeds, whose control is meant to be reported
                embeds = self.frame_embeds(page)
            finally:
                browser.close()
        return seen, pages_problems, embeds

    def frame_embeds(self, page):
        page.goto(self.live_server_url + "/")
        results = {}
        for name, url in [*EMBEDS, ("elsewhere", "https://evil.example.com/embed")]:
            page.evaluate("window.__violations = []")
            page.evaluate(
                """(url) => { const f = document.createElement('iframe'); f.src = url;
                                        document.body.append(f); }""",
                url,
            )
            page.wait_for_timeout(1000)
            results[name] = page.evaluate("window.__violations")
        return results

    def test_no_page_reports_a_violation(self):
        clustering = Clustering.objects.create(k=7)  # its page draws the scatter plot as inline SVG
        listener_pages = [
            "/",
            "/history/?start=2026-11-20&end=2026-11-26",
            "/history/playlists/",
            f"/history/playlists/{self.playlist.pk}/",
            f"/history/playlists/{self.playlist.pk}/delete/",
            "/history/export/",
            "/history/delete/",
            "/accounts/profile/",
            "/accounts/password/",
            "/accounts/delete/",
        ]
        seen, problems, embeds = self.open_pages(self.alice, listener_pages)
        self.assertEqual(problems, [])
        self.assertEqual(seen, listener_pages)
        for name, _ in EMBEDS:
            self.assertEqual(embeds[name], [], name)
        self.assertEqual(len(embeds["elsewhere"]), 1, embeds)
        self.assertIn("frame-src", embeds["elsewhere"][0])

        admin_pages = [
            "/admin/",
            "/admin/catalogue/track/",
            f"/admin/catalogue/track/{self.track.pk}/change/",
            "/admin/catalogue/track/import/",
            "/admin/catalogue/clustering/",
            "/admin/moods/moodstatistics/",
            "/admin/auth/user/",
            f"/admin/catalogue/clustering/{clustering.pk}/change/",
        ]
        seen, problems, _ = self.open_pages(self.admin, admin_pages)
        self.assertEqual(problems, [])
        self.assertEqual(seen, admin_pages)

    def test_anonymous_pages_report_no_violation(self):
        from playwright.sync_api import sync_playwright

        problems = []
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context()
                context.add_init_script(LISTEN)
                page = context.new_page()
                page.on(
                    "console",
                    lambda message: "Content Security Policy" in message.text and problems.append(message.text),
                )
                for path in ("/", "/accounts/login/", "/accounts/signup/", "/admin/login/"):
                    response = page.goto(self.live_server_url + path)
                    self.assertEqual(response.status, 200, path)
                    self.assertEqual(response.headers["permissions-policy"].split(",")[0], "camera=(self)")
                    page.wait_for_load_state("networkidle")
                    page.wait_for_timeout(300)
                    problems += page.evaluate("window.__violations")
                # A wrong password: the form again, then the lockout page, both within the policy.
                page.goto(self.live_server_url + "/accounts/login/")
                page.fill("input[name=username]", "alice")
                page.fill("input[name=password]", "wrong")
                page.click("form button[type=submit]")
                page.wait_for_load_state("networkidle")
                problems += page.evaluate("window.__violations")
            finally:
                browser.close()
        self.assertEqual(problems, [])
