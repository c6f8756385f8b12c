"""A real play signal: the YouTube embed's own "playing" is recorded as a play, focus entering a
player that says nothing only as "focus" (a fallback, kept apart in the data and the dashboard),
and the CSP allows the YouTube player's frame origins.

There is no network here, so the YouTube player is a stand-in frame served by the test at the real
embed URL (https://www.youtube-nocookie.com/embed/<id>?…&enablejsapi=1&origin=…): it speaks the
IFrame Player API's message protocol as the real player does — waits for the page's
{"event":"listening"}, answers onReady, and on a press of its play button posts
{"event":"onStateChange","info":1} to the page's origin (and on its ✕, YouTube's onError 150). The
page's own code (players.js) receives them.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import expect, sync_playwright

from engagement import statistics
from engagement.services import record_batch
from tests import live_page
from tests.base import PASSWORD, BaseTestCase
from tests.browser import launch_chromium
from tests.engagement.test_browser import ids, pick, rows_after_leaving
from tests.engagement_support import batch, event, impression, make_items
from tests.live_page import DESKTOP, log_in, new_page, served

catalogue, data_subset, patient_expect = live_page.catalogue, live_page.data_subset, live_page.patient_expect

STAND_IN_PLAYER = """<!doctype html><meta charset=utf-8>
<body style="margin:0;display:grid;place-items:center;height:100vh;background:#222">
<button id=play style="font-size:2rem">▶</button><button id=fail>✕</button>
<script>
  // The boundary of the YouTube IFrame Player API, as the real embed speaks it.
  const origin = new URLSearchParams(location.search).get("origin");
  let id = null;
  window.addEventListener("message", (event) => {
    if (event.origin !== origin) return;
    const message = JSON.parse(event.data);
    if (message.event !== "listening") return;
    id = message.id;
    parent.postMessage(JSON.stringify({event: "onReady", id, channel: "widget"}), origin);
  });
  document.getElementById("fail").addEventListener("click", () => {
    parent.postMessage(JSON.stringify({event: "onError", info: 150, id, channel: "widget"}), origin);
  });
  document.getElementById("play").addEventListener("click", () => {
    parent.postMessage(JSON.stringify({event: "onStateChange", info: 3, id, channel: "widget"}), origin);
    parent.postMessage(JSON.stringify({event: "onStateChange", info: 1, id, channel: "widget"}), origin);
  });
</script>"""


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_play_in_the_youtube_embed_is_recorded_as_a_real_play(tmp_path, catalogue):
    get_user_model().objects.create_user("alice", "alice@example.org", PASSWORD)
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            page = new_page(browser, base_url, **DESKTOP)
            embeds = []

            def stand_in(route):
                embeds.append(route.request.url)
                route.fulfill(status=200, content_type="text/html", body=STAND_IN_PLAYER)

            page.route(re.compile(r"^https://www\.youtube-nocookie\.com/embed/"), stand_in)
            log_in(page, base_url, "alice")
            pick(page, base_url, "sad")
            # The CSP of the page lets the player's frame in and runs no script but the site's own.
            csp = page.evaluate("async () => (await fetch('/')).headers.get('content-security-policy')")
            assert "https://www.youtube-nocookie.com" in re.search(r"frame-src([^;]*)", csp).group(1)
            assert "youtube" not in re.search(r"script-src([^;]*)", csp).group(1)
            videos = ids(page, "#videos .video-card")
            second = page.locator("#videos .video-card").nth(1)
            second.scroll_into_view_if_needed()
            src = second.locator("iframe.youtube").get_attribute("src")
            query = parse_qs(urlparse(src).query)
            assert query["enablejsapi"] == ["1"] and query["origin"] == [base_url], src
            expect(page.frame_locator("#videos .video-card >> nth=1 >> iframe").locator("#play")).to_be_visible()
            page.frame_locator("#videos .video-card >> nth=1 >> iframe").locator("#play").click()
            expect(page.locator("#live")).to_have_attribute("data-last-play", str(videos[1]))
            # The first video's player says it cannot play here (YouTube's error 150: embedding
            # refused): the card says so and leads to the video on YouTube.
            page.frame_locator("#videos .video-card >> nth=0 >> iframe").locator("#fail").click()
            first = page.locator("#videos .video-card").first
            expect(first.locator(".embed-note")).to_contain_text("This video cannot play here.")
            expect(first.locator(".embed-note a")).to_have_attribute(
                "href", re.compile(r"^https://www\.youtube\.com/watch\?v=")
            )
            expect(first.locator("iframe")).to_be_hidden()
            page.wait_for_timeout(6000)  # past the focus fallback's grace: the player spoke, so no "focus"
            page.goto(f"{base_url}/history/")
            imps, evs = rows_after_leaving(1)
            got = {(t, i, a, p) for _, t, i, a, p in evs}
            assert ("video", videos[1], "play", 2) in got, got
            assert not [e for e in got if e[2] == "focus"], got
            assert embeds, "the stand-in player was never asked for"
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_focus_into_a_silent_player_is_kept_as_a_focus_fallback(tmp_path, catalogue):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            page = new_page(browser, base_url, **DESKTOP)
            # A Spotify frame that says nothing to the page (as when its events are not sent).
            page.route(
                re.compile(r"^https://open\.spotify\.com/embed/"),
                lambda route: route.fulfill(status=200, content_type="text/html", body="<button>▶</button>"),
            )
            pick(page, base_url, "happy")
            songs = ids(page, "#songs .song-card")
            page.frame_locator("#songs .song-card >> nth=0 >> iframe").locator("button").click()
            page.wait_for_timeout(6500)  # FOCUS_GRACE_MS and a little
            page.goto(f"{base_url}/accounts/login/")
            imps, evs = rows_after_leaving(1)
            got = {(t, i, a, p) for _, t, i, a, p in evs}
            assert ("track", songs[0], "focus", 1) in got, got
            assert not [e for e in got if e[2] == "play"], got
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


class PlaySignalDashboardTests(BaseTestCase):
    def test_the_dashboard_keeps_player_plays_and_focus_guesses_apart(self):
        tracks, videos = make_items(3, 1)
        record_batch(
            data=batch(
                [impression("a", tracks, videos)],
                [event("a", videos[0], "play"), event("a", tracks[0], "focus"), event("a", tracks[1], "focus")],
            )
        )
        self.assertEqual(statistics.play_signals(days=30), {"player": 1, "focus": 2, "open": 0})
        self.client.force_login(self.charlie)
        self.charlie.is_superuser = True
        self.charlie.save()
        page = self.client.get(reverse("admin:engagement_engagementstatistics_changelist")).content.decode()
        said = re.sub(r"\s+", " ", re.search(r'id="engagement-play-signals">(.*?)</p>', page, re.S).group(1))
        self.assertIn("<strong>1</strong> reported by the players themselves", said)
        self.assertIn("<strong>2</strong> guessed from focus", said)

    def test_with_nothing_played_there_is_no_top_or_bottom(self):
        tracks, videos = make_items(3, 1)
        for n in range(5):
            record_batch(data=batch([impression(f"k{n}", tracks, videos)]))
        items = statistics.items(days=30)
        self.assertEqual(items["track"]["count"], 3)
        self.assertEqual((items["track"]["top"], items["track"]["bottom"]), ([], []))
        self.assertFalse(items["track"]["played_any"])
        self.client.force_login(self.charlie)
        self.charlie.is_superuser = True
        self.charlie.save()
        page = self.client.get(reverse("admin:engagement_engagementstatistics_changelist")).content.decode()
        self.assertIn("No track was played in these 30 days, so there is no top or bottom yet.", page)
        self.assertNotIn('id="engagement-track-bottom"', page)
