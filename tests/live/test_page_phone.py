"""The live page on a phone (390×844): after Start camera the mood, the picker and the first songs are
on the first screen, without scrolling, and everything a finger presses is at least 44 px each way; the
same targets on a desktop (1280×800).

With LIVE_PHONE_SCREENSHOT=docs/live-page-phone.png the phone's first screen is saved there (the
README's screenshot).
"""

import os
import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import live_page
from tests.browser import OFFLINE_PLAYER, launch_chromium
from tests.live_page import DESKTOP, PHONE, log_in, new_page, served, small_touch_targets, within_first_screen

# Fixtures, which pytest finds by name in this module.
alice, catalogue, data_subset, face_video = (
    live_page.alice,
    live_page.catalogue,
    live_page.data_subset,
    live_page.face_video,
)
patient_expect = live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def offline_player(route):
    """The players' frames say what they are (there is no internet here), for the screenshot."""
    host = route.request.url.split("/")[2]
    name = "Spotify" if "spotify" in host else "Deezer" if "deezer" in host else "YouTube"
    route.fulfill(status=200, content_type="text/html", body=OFFLINE_PLAYER.format(name=name))


def start_camera_until_songs(page, base_url):
    page.goto(f"{base_url}/")
    live = page.locator("#live")
    expect(live).to_have_attribute("data-socket", "open")
    page.click("#camera-start")
    expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=90_000)
    expect(live).to_have_attribute("data-mood-state", "camera")
    expect(live).to_have_attribute("data-recs-emotion", "happy")
    expect(page.locator("#songs .song-card").first).to_be_visible()


def test_after_start_camera_the_mood_and_songs_are_on_a_phones_first_screen(tmp_path, face_video, catalogue, alice):
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, **PHONE)
            page.route(
                re.compile(r"^https://(open\.spotify\.com|widget\.deezer\.com|www\.youtube-nocookie\.com)/"),
                offline_player,
            )
            log_in(page, base_url, "alice")
            start_camera_until_songs(page, base_url)
            page.wait_for_timeout(500)  # the players' frames settle
            assert page.evaluate("() => window.scrollY") == 0
            # The camera's picture, the stable mood and what it follows, the strategy and the first song.
            for selector in (
                "#preview",
                "#stable-mood",
                "#mood-state",
                "#camera-stop",
                "#strategy",
                "#playlist-save-open",
                "#songs .song-card:first-child .song-title",
            ):
                assert within_first_screen(page, selector), selector
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            assert small_touch_targets(page) == []
            # The picker and the bars come before the songs, not thousands of pixels after them.
            songs_top = page.locator("#songs").bounding_box()["y"]
            assert page.locator("#mood-picker").bounding_box()["y"] < songs_top
            assert page.locator("#emotion-bars").bounding_box()["y"] < songs_top
            if os.environ.get("LIVE_PHONE_SCREENSHOT"):
                page.screenshot(path=os.environ["LIVE_PHONE_SCREENSHOT"])
            else:
                page.screenshot(path=str(tmp_path / "live-page-phone.png"))
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


def test_touch_targets_are_large_enough_at_both_sizes_before_and_after_start(tmp_path, face_video, catalogue):
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            for size in (DESKTOP, PHONE):
                page = new_page(browser, base_url, **size)
                page.goto(f"{base_url}/")
                expect(page.locator("#live")).to_have_attribute("data-socket", "open")
                assert small_touch_targets(page) == [], size
                start_camera_until_songs(page, base_url)
                # An anonymous visitor gets no rating or playlist buttons, only the hint to log in.
                expect(page.locator("#songs .song-card .add-open")).to_have_count(0)
                expect(page.locator("#playlist-login a")).to_be_visible()
                assert small_touch_targets(page) == [], size
                assert page.script_errors == []
                page.context.close()
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
