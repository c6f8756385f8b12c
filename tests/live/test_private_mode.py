"""Private mode in Debian's Chromium against a real Daphne: the smiling face is read in the browser, no frame leaves it.

With "Keep my camera on this device" on, the page's worker runs MTCNN and the emotion model
itself (static/js/private/) and sends readings as text: not one binary websocket message goes out,
yet the stable mood becomes "happy", the songs for it arrive and Alice's history keeps the change,
as it does for Bob, who streams frames. The switch is remembered; switched off, frames go again.
"""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import live_page
from tests.browser import launch_chromium
from tests.live_page import log_in, new_page, served

# The live-page fixtures, bound to their names where pytest finds them.
alice, catalogue, data_subset, face_video = (
    live_page.alice,
    live_page.catalogue,
    live_page.data_subset,
    live_page.face_video,
)
patient_expect = live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SLOW = 120_000  # a cold worker compiles ONNX Runtime and four models on a busy 2-core machine


def watch_socket(page) -> tuple[list, list]:
    """Every websocket message the page sends and receives, in order (str for text, bytes for binary)."""
    sent, received = [], []

    def on_socket(socket):
        socket.on("framesent", lambda payload: sent.append(payload))
        socket.on("framereceived", lambda payload: received.append(payload))

    page.on("websocket", on_socket)
    return sent, received


def texts(messages, kind):
    found = []
    for message in messages:
        if isinstance(message, str):
            data = json.loads(message)
            if data.get("type") == kind:
                found.append(data)
    return found


def moods_of(username):
    """The listener's history, read from a thread of its own: Playwright's loop runs in this one."""
    from django.contrib.auth import get_user_model

    from moods.models import MoodEntry

    def read():
        user = get_user_model().objects.get(username=username)
        return list(MoodEntry.objects.filter(user=user).values_list("emotion", "source"))

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


def recorded(username, expected, timeout=10.0):
    """The history once it holds ``expected`` (a change is written just after it is announced)."""
    deadline = time.monotonic() + timeout
    while (moods := moods_of(username)) != expected and time.monotonic() < deadline:
        time.sleep(0.1)
    return moods


def reach_happy_songs(page):
    live = page.locator("#live")
    page.click("#camera-start")
    expect(live).to_have_attribute("data-camera", "on")
    expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=SLOW)
    expect(live).to_have_attribute("data-recs-emotion", "happy")
    expect(page.locator("#songs .song-card").first).to_be_visible()


def test_private_mode_sends_scores_not_frames_and_the_music_follows_the_face(tmp_path, face_video, catalogue, alice):
    from django.contrib.auth import get_user_model

    from tests.base import PASSWORD

    get_user_model().objects.create_user("bob", "bob@example.org", PASSWORD)
    with served(tmp_path, catalogue) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, viewport={"width": 1280, "height": 900})
            sent, received = watch_socket(page)
            log_in(page, base_url, "alice")
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            switch = page.locator("#private-mode")
            expect(switch).not_to_be_checked()  # off by default
            expect(page.locator("#private-mode-note")).to_contain_text("only the seven emotion scores are sent")
            switch.check()
            expect(live).to_have_attribute("data-private", "on", timeout=SLOW)
            reach_happy_songs(page)

            # Not one frame left the browser; readings went as text, each answered once.
            assert [m for m in sent if isinstance(m, bytes)] == []
            readings = texts(sent, "reading")
            assert len(readings) >= 3
            assert all(set(r) == {"type", "seq", "width", "height", "faces"} for r in readings)
            assert (readings[-1]["width"], readings[-1]["height"]) == (320, 240)
            face = readings[-1]["faces"][0]
            assert face["emotions"]["happy"] == max(face["emotions"].values()) > 0.5
            answers = texts(received, "analysis")
            assert {a["detection"] for a in answers} == {"device"}
            assert [a["seq"] for a in answers] == [r["seq"] for r in readings][: len(answers)]
            assert not [e for e in texts(received, "error") if e.get("seq") is not None]
            expect(page.locator("#current-emotion")).to_have_attribute("data-emotion", "happy")
            assert recorded("alice", [("happy", "camera")]) == [("happy", "camera")]

            # The switch is remembered in this browser; switched off, frames go to the server again.
            page.click("#camera-stop")
            page.reload()
            expect(switch).to_be_checked()
            expect(live).to_have_attribute("data-private", "on", timeout=SLOW)
            switch.uncheck()
            expect(live).to_have_attribute("data-private", "off")
            binary_before = len([m for m in sent if isinstance(m, bytes)])
            readings_before = len(texts(sent, "reading"))
            page.click("#camera-start")
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=SLOW)
            page.wait_for_function(
                "() => document.getElementById('current-emotion').dataset.emotion === 'happy'", timeout=SLOW
            )
            assert len([m for m in sent if isinstance(m, bytes)]) > binary_before
            assert len(texts(sent, "reading")) == readings_before
            assert {a["detection"] for a in texts(received, "analysis")[-3:]} <= {"full", "tracked"}
            assert page.script_errors == []

            # Bob streams frames (private mode is off in his browser): his history keeps the change too.
            bob = new_page(browser, base_url, viewport={"width": 1280, "height": 900})
            bob_sent, _ = watch_socket(bob)
            log_in(bob, base_url, "bob")
            bob.goto(f"{base_url}/")
            expect(bob.locator("#private-mode")).not_to_be_checked()
            reach_happy_songs(bob)
            assert [m for m in bob_sent if isinstance(m, bytes)]
            assert texts(bob_sent, "reading") == []
            assert recorded("bob", [("happy", "camera")]) == [("happy", "camera")]
            assert recorded("alice", [("happy", "camera")]) == [("happy", "camera")]
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
