"""One state drives every status line of the live page, so nothing stale survives what changed it.

In Chromium with the fake camera (the smiling astronaut; a plain grey picture for "no face"):

- the connection drops: the face, "Face now", the bars and the face box go at once, the camera's
  line says nothing is read, "Reconnect now" is offered; a pick made meanwhile shows no cards of
  the old mood under the new one's heading, says the songs could not be loaded and offers "Try
  again"; "Reconnect now" brings it all back without waiting for the backoff;
- no face for longer than NO_FACE_LONG_MS: the lines say so and say what to do;
- the camera refused: the line says where the picker is (a link that goes to it) and how to allow
  the camera again, and the button says "Try the camera again";
- a logged-in listener's dislike takes the song out of the list; "More songs" brings others.
At desktop (1280×800) and phone (390×844) sizes where the layout differs.
"""

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from tests import live_page
from tests.browser import launch_chromium, start_daphne, write_changing_face_y4m
from tests.live.test_browser import daphne_env
from tests.live_page import SIZES, bar_values, log_in, new_page, overlay_has_a_box, served

# Fixtures, which pytest finds by name in this module.
alice, catalogue, data_subset, face_video = (
    live_page.alice,
    live_page.catalogue,
    live_page.data_subset,
    live_page.face_video,
)
patient_expect = live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NO_FACE_LONG_S = 6  # static/js/live/status.js, NO_FACE_LONG_MS


@pytest.fixture(scope="session")
def empty_room_video(tmp_path_factory):
    grey = Image.new("RGB", (320, 240), (128, 128, 128))
    return write_changing_face_y4m(tmp_path_factory.mktemp("camera") / "no-face.y4m", [(grey, 2)])


def test_a_disconnect_leaves_nothing_stale_and_reconnect_now_brings_it_back(tmp_path, face_video, catalogue):
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, **SIZES["desktop"])
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            page.click("#camera-start")
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=90_000)
            expect(page.locator("#current-emotion")).to_have_attribute("data-emotion", "happy")
            expect(page.locator("#camera-status")).to_have_text("Your face is in view.")
            expect(live).to_have_attribute("data-recs-emotion", "happy")
            expect(page.locator("#reconnect")).to_be_hidden()

            # The server goes away.
            daphne = processes.pop()
            daphne.stop()
            expect(live).to_have_attribute("data-socket", "closed")
            expect(page.locator("#current-emotion")).to_have_text("—")
            expect(page.locator("#camera-status")).to_contain_text("Not connected")
            expect(live).to_have_attribute("data-mood-state", "offline")
            expect(page.locator("#mood-state")).to_have_text(
                "Not connected: your face is not being read. The music stays with happy."
            )
            assert bar_values(page) == [0] * 7
            assert not overlay_has_a_box(page)
            expect(page.locator("#reconnect")).to_be_visible()
            expect(page.locator("#socket-status")).to_contain_text("retrying in")
            page.wait_for_timeout(2500)  # a few failed retries: the backoff grows
            assert "Your face is in view" not in page.locator("#live").inner_text()

            # A pick while the server is away: no happy cards under the sad heading.
            page.locator("#mood-picker button[data-emotion=sad]").click()
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "sad")
            expect(live).to_have_attribute("data-recs", "error")
            expect(page.locator("#recs-title")).to_have_text("Songs for a sad mood")
            expect(page.locator("#recs-status")).to_contain_text("Could not load songs for a sad mood")
            expect(page.locator("#songs .song-card")).to_have_count(0)
            expect(page.locator("#videos .video-card")).to_have_count(0)
            expect(page.locator("#strategy-note")).to_have_text("")
            expect(page.locator("#recs-status .retry-recs")).to_have_text("Try again")
            text = page.locator("#live").inner_text()
            assert "happy mood" not in text and "Your face is in view" not in text, text

            # Back on the same port; "Reconnect now" does not wait for the backoff.
            port = int(base_url.rsplit(":", 1)[1])
            restarted, _ = start_daphne(daphne_env(catalogue), tmp_path, port=port, name="daphne-restarted")
            processes.append(restarted)
            page.click("#reconnect")
            expect(live).to_have_attribute("data-socket", "open", timeout=10_000)
            expect(page.locator("#reconnect")).to_be_hidden()
            # The new connection is told of the pick again, and the songs for it come without a reload.
            expect(live).to_have_attribute("data-recs-emotion", "sad")
            expect(page.locator("#songs .song-card").first).to_be_visible()
            expect(page.locator("#mood-state")).to_contain_text("Picked by you")
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_no_face_for_a_while_is_said_with_what_to_do(tmp_path, empty_room_video, catalogue, size):
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=empty_room_video)
        try:
            page = new_page(browser, base_url, **SIZES[size])
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            page.click("#camera-start")
            expect(page.locator("#current-emotion")).to_have_text("no face in view", timeout=90_000)
            expect(page.locator("#camera-status")).to_have_text("No face in view: look at the camera.")
            expect(live).to_have_attribute("data-mood-state", "looking")
            expect(page.locator("#mood-state")).to_have_text(
                "No face in view: look at the camera, or pick a mood.", timeout=(NO_FACE_LONG_S + 10) * 1000
            )
            expect(live).to_have_attribute("data-mood-state", "no-face")
            expect(page.locator("#camera-status")).to_contain_text("No face in view for")
            expect(page.locator("#recs-status")).to_have_text("Look at the camera, or pick a mood, to get songs.")
            assert "waiting for a steady expression" not in page.locator("#live").inner_text()
            assert "Start the camera or pick a mood" not in page.locator("#live").inner_text()
            # A pick is the way on, and it is said as such.
            page.locator("#mood-picker button[data-emotion=neutral]").click()
            expect(live).to_have_attribute("data-recs-emotion", "neutral")
            expect(page.locator("#mood-state")).to_contain_text("Picked by you")
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_a_refused_camera_says_where_the_picker_is_and_how_to_allow_it(tmp_path, face_video, catalogue, size):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video, grant_camera=False)
        try:
            page = new_page(browser, base_url, **SIZES[size])
            page.goto(f"{base_url}/")
            expect(page.locator("#live")).to_have_attribute("data-socket", "open")
            page.click("#camera-start")
            status = page.locator("#camera-status")
            expect(status).to_contain_text("Camera access was refused")
            expect(status).to_contain_text("allow it for this site")
            expect(page.locator("#camera-start")).to_have_text("Try the camera again")
            # Pressed again, it tries again and says the same: not a repeat without a way out.
            page.click("#camera-start")
            expect(status).to_contain_text("address bar")
            link = status.locator("a.to-picker")
            expect(link).to_have_text("Pick a mood under “Your mood”")
            link.click()
            focused = page.evaluate("() => document.activeElement.className")
            assert "mood-choice" in focused, focused
            box = page.locator("#mood-picker").bounding_box()
            assert box["y"] < SIZES[size]["viewport"]["height"]
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


def test_a_dislike_takes_the_song_away_and_more_brings_others(tmp_path, catalogue, alice):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            page = new_page(browser, base_url, **SIZES["phone"])
            log_in(page, base_url, "alice")
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            page.locator("#mood-picker button[data-emotion=sad]").click()
            expect(live).to_have_attribute("data-recs-emotion", "sad")
            songs = page.locator("#songs .song-card")
            expect(songs).to_have_count(10)
            first_ids = songs.evaluate_all("cards => cards.map(c => c.dataset.itemId)")
            disliked = first_ids[0]
            songs.first.locator("button.dislike").click()
            expect(page.locator(f"#songs .song-card[data-item-id='{disliked}']")).to_have_count(0)
            expect(songs).to_have_count(9)
            expect(page.locator("#recs-status")).to_contain_text("9 songs for a sad mood")

            with page.expect_response(lambda r: "/api/recommendations/" in r.url and "page=1" in r.url):
                page.click("#more-songs")
            expect(live).to_have_attribute("data-recs-page", "1")
            more_ids = songs.evaluate_all("cards => cards.map(c => c.dataset.itemId)")
            assert len(more_ids) == 10 and not set(more_ids) & set(first_ids), more_ids
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
