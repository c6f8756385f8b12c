"""The first visit, at a laptop's 1280×800 and a phone's 390×844: one screen says what EmoTunes
does, holds both ways to start (Start camera, the mood picker) and what Match, Lift and Iso mean;
a pick brings music and a button that goes to it when it is below the screen; after Start camera
on a phone the picture, the mood, the picker, the bars and the first song come before any video.

With FIRST_SCREEN_SCREENSHOTS=docs the two first screens are saved as docs/live-page.png and
docs/live-page-phone.png (the README's screenshots).
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import live_page
from tests.browser import OFFLINE_PLAYER, launch_chromium
from tests.live_page import PHONE, SIZES, new_page, served, small_touch_targets, within_first_screen

# Fixtures, which pytest finds by name in this module.
catalogue, data_subset, face_video = live_page.catalogue, live_page.data_subset, live_page.face_video
patient_expect = live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PLAYERS = re.compile(r"^https://(open\.spotify\.com|widget\.deezer\.com|www\.youtube-nocookie\.com)/")


def offline_player(route):
    """The players' frames say what they are (there is no internet here), for the screenshots."""
    host = route.request.url.split("/")[2]
    name = "Spotify" if "spotify" in host else "Deezer" if "deezer" in host else "YouTube"
    route.fulfill(status=200, content_type="text/html", body=OFFLINE_PLAYER.format(name=name))


def in_view(page, selector: str) -> bool:
    """Some of the element is inside the window as it is scrolled now."""
    return page.evaluate(
        """(selector) => { const b = document.querySelector(selector).getBoundingClientRect();
        return b.height > 0 && b.top < window.innerHeight && b.bottom > 0; }""",
        selector,
    )


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_first_screen_says_what_it_does_and_holds_both_ways_to_start(tmp_path, face_video, catalogue, size):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, **SIZES[size])
            page.route(PLAYERS, offline_player)
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            expect(page.locator(".hero h1")).to_have_text("Music that meets your mood")
            page.screenshot(path=str(tmp_path / f"first-{size}.png"))
            # On a phone the strategies' words may need a short scroll; their choice may not.
            strategy = "#strategy" if size == "desktop" else "#strategy .strategy-choices"
            for selector in (".hero .lead", "#camera-start", "#mood-picker", strategy):
                assert within_first_screen(page, selector), selector
            # Every mood can be picked without scrolling, and what the strategies do is said in words.
            for button in page.locator("#mood-picker .mood-choice").all():
                box = button.bounding_box()
                assert box["y"] >= 0 and box["y"] + box["height"] <= SIZES[size]["viewport"]["height"]
            expect(page.locator("#strategy-help [data-strategy=iso] dd")).to_contain_text("music therapy")
            expect(page.locator("#strategy-help [data-strategy=lift] dd")).to_be_visible()
            expect(page.locator("#strategy-help")).to_be_visible()
            if size == "desktop":
                assert within_first_screen(page, "#stable-help")
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            assert small_touch_targets(page) == [], size
            if os.environ.get("FIRST_SCREEN_SCREENSHOTS"):
                docs = Path(os.environ["FIRST_SCREEN_SCREENSHOTS"])
                page.screenshot(path=str(docs / ("live-page.png" if size == "desktop" else "live-page-phone.png")))

            # A pick: the heading and the line say what the songs are for; the way to them is shown.
            page.locator("#mood-picker button[data-emotion=disgust]").click()
            expect(live).to_have_attribute("data-recs-emotion", "disgust")
            expect(page.locator("#recs-title")).to_have_text("Songs for a disgusted mood")
            expect(page.locator("#strategy-note")).to_have_text("Songs that stay with your disgusted mood.")
            expect(page.locator("#recs-status")).to_contain_text("songs for a disgusted mood · Match")
            if not in_view(page, "#songs .song-card"):
                hint = page.locator("#to-songs")
                expect(hint).to_be_visible()
                expect(hint).to_contain_text("songs for a disgusted mood")
                assert in_view(page, "#to-songs")
                hint.click()
                page.wait_for_function(
                    """() => { const b = document.querySelector('#songs .song-card').getBoundingClientRect();
                    return b.top >= 0 && b.top < window.innerHeight; }"""
                )
                expect(page.locator("#to-songs")).to_be_hidden()
            else:
                assert size == "phone"
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


def test_on_a_phone_after_start_the_mood_and_picker_come_before_the_songs(tmp_path, face_video, catalogue):
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, **PHONE)
            page.route(PLAYERS, offline_player)
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            page.click("#camera-start")
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=90_000)
            expect(live).to_have_attribute("data-recs-emotion", "happy")
            expect(page.locator("#songs .song-card").first).to_be_visible()
            page.wait_for_timeout(300)
            page.screenshot(path=str(tmp_path / "phone-started.png"))
            assert page.evaluate("() => window.scrollY") == 0
            for selector in ("#preview", "#stable-mood", "#mood-state", "#camera-stop", "#strategy", "#mood-picker"):
                assert within_first_screen(page, selector), selector
            assert in_view(page, "#songs .song-card .song-title")
            # Nothing of the mood is after the songs, let alone after the videos (it was ~4,500 px down).
            songs_top = page.locator("#songs").bounding_box()["y"]
            for selector in ("#mood-picker", "#emotion-bars", "#strategy"):
                assert page.locator(selector).bounding_box()["y"] < songs_top, selector
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
            assert small_touch_targets(page) == []
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
