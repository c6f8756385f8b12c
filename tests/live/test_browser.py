"""The live page in Debian's Chromium against a real Daphne: a smiling face on the fake camera → "happy" → music.

Run twice: vision embedded in the web process, and with Redis and a separate
`manage.py runworker vision-frames` process. With the camera refused, the manual picker
drives the same recommendations, on a phone-sized screen.
"""

import contextlib
import csv
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings
from playwright.sync_api import expect, sync_playwright

from core.emotions import EMOJI, EMOTIONS
from tests.base import PASSWORD
from tests.browser import launch_chromium, server_env, start_daphne, start_vision_worker, write_face_y4m

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SHARED_CATALOGUE = "catalogue/spotify_moods_686.csv"
MUSICCAPS_CLIPS = 800  # a real subset: enough clips for every mood, quick to import


@pytest.fixture(autouse=True)
def patient_expect():
    # On a busy 2-core machine a cold Daphne can take seconds for its first answers.
    expect.set_options(timeout=30_000)
    yield
    expect.set_options(timeout=5_000)  # Playwright's default, for other modules


@pytest.fixture(scope="session")
def face_video(tmp_path_factory):
    return write_face_y4m(tmp_path_factory.mktemp("camera") / "astronaut.y4m")


@pytest.fixture(scope="session")
def data_subset(tmp_path_factory):
    """EMOTUNES_DATA_DIR with the real lexicons and catalogue, and the first MusicCaps clips."""
    from django.conf import settings

    shared = settings.EMOTUNES_DATA_DIR
    subset = tmp_path_factory.mktemp("data")
    (subset / "catalogue").mkdir()
    (subset / "catalogue" / "spotify_moods_686.csv").symlink_to(shared / SHARED_CATALOGUE)
    (subset / "lexicons").symlink_to(shared / "lexicons")
    (subset / "videos" / "audioset").mkdir(parents=True)
    (subset / "videos" / "audioset" / "class_labels_indices.csv").symlink_to(
        shared / "videos" / "audioset" / "class_labels_indices.csv"
    )
    with (
        open(shared / "videos" / "musiccaps.csv", encoding="utf-8", newline="") as source,
        open(subset / "videos" / "musiccaps.csv", "w", encoding="utf-8", newline="") as target,
    ):
        reader = csv.reader(source)
        writer = csv.writer(target)
        for n, row in enumerate(reader):
            if n > MUSICCAPS_CLIPS:
                break
            writer.writerow(row)
    return subset


@pytest.fixture
def catalogue(data_subset, tmp_path_factory):
    from catalogue.clustering import refresh
    from catalogue.services import import_catalogue
    from videomood.videos import import_videos

    # The subset's caption-to-mood model is kept for the session beside it, not in var/models,
    # where it would replace the model that reads every clip.
    models = tmp_path_factory.getbasetemp() / "subset-models"
    models.mkdir(exist_ok=True)
    with override_settings(EMOTUNES_DATA_DIR=data_subset, EMOTUNES_MODELS_DIR=models):
        report = import_catalogue(data_subset / SHARED_CATALOGUE, refresh=False)
        assert report.created > 600
        refresh(trigger="test", scan=False)  # the k-quality scan is for the admin, not needed here
        assert import_videos().created > 100
    return data_subset


@pytest.fixture
def alice(transactional_db):
    return get_user_model().objects.create_user("alice", "alice@example.org", PASSWORD)


def daphne_env(data_dir, *, redis=None, vision=True):
    extra = {"EMOTUNES_DATA_DIR": str(data_dir), "VISION_WARM_UP": "1" if vision else "0"}
    if redis is not None:
        extra.update(REDIS_URL=redis.url, VISION_MODE="workers")
    return server_env(str(connection.settings_dict["NAME"]), **extra)


@contextlib.contextmanager
def served(tmp_path, data_dir, *, redis=None, vision=True):
    """Daphne on a free port sharing the test database; with ``redis``, also a vision worker."""
    env = daphne_env(data_dir, redis=redis, vision=vision)
    processes = []
    try:
        if redis is not None:
            processes.append(start_vision_worker(env, tmp_path))
        daphne, base_url = start_daphne(env, tmp_path)
        processes.append(daphne)
        yield base_url, processes
    finally:
        for process in processes:
            process.stop()


def new_page(browser, base_url, **context_options):
    context = browser.new_context(**context_options)
    # Keep the test on loopback: the Spotify, Deezer and YouTube players stay empty frames.
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(30_000)
    # Uncaught errors in the page's modules, which the flows below assert there are none of.
    page.script_errors = []
    page.on("pageerror", lambda error: page.script_errors.append(str(error)))
    return page


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("nav")).to_contain_text(username)


def overlay_has_a_box(page) -> bool:
    return page.evaluate("""() => {
        const c = document.getElementById('face-overlay');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true;
        return false;
    }""")


def stream_a_smiling_face(base_url, face_video, username):
    """Drive the page as a listener would; returns (track id liked, server log hint)."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video)
        try:
            page = new_page(browser, base_url, viewport={"width": 1280, "height": 900})
            log_in(page, base_url, username)
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            # The bars and their emoji are the server's emotions (core.emotions), in its order.
            assert page.locator("#emotion-bars li .label").all_text_contents() == [
                f"{EMOJI[emotion]} {emotion}" for emotion in EMOTIONS
            ]
            expect(page.locator("#camera-indicator")).to_be_hidden()
            page.click("#camera-start")
            expect(page.locator("#camera-indicator")).to_be_visible()
            expect(live).to_have_attribute("data-camera", "on")

            # The smiling astronaut becomes a stable "happy"; the first frames may still be loading models.
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "happy", timeout=90_000)
            expect(page.locator("#current-emotion")).to_have_attribute("data-emotion", "happy")
            happy = int(page.locator("#emotion-bars li[data-emotion=happy] .bar").get_attribute("aria-valuenow"))
            sad = int(page.locator("#emotion-bars li[data-emotion=sad] .bar").get_attribute("aria-valuenow"))
            assert happy > 50 > sad
            assert overlay_has_a_box(page)

            # Songs and videos for "happy" arrive without a reload.
            expect(live).to_have_attribute("data-recs-emotion", "happy")
            songs = page.locator("#songs .song-card")
            expect(songs.first).to_be_visible()
            assert songs.count() >= 3
            first = songs.first
            expect(first.locator(".song-title")).not_to_be_empty()
            expect(first.locator(".reason")).not_to_be_empty()
            expect(first.locator("iframe.player")).to_have_attribute(
                "src", re.compile(r"^https://open\.spotify\.com/embed/track/[A-Za-z0-9]+$")
            )
            videos = page.locator("#videos iframe.youtube")
            expect(videos.first).to_be_attached()
            expect(videos.first).to_have_attribute(
                "src",
                re.compile(
                    r"^https://www\.youtube-nocookie\.com/embed/[\w-]{11}\?start=\d+&enablejsapi=1&origin=http%3A%2F%2F127\.0\.0\.1%3A\d+$"
                ),
            )

            # A like is saved for the logged-in listener, even when the database is away for a
            # moment: the first try answers 503 with Retry-After and the page tries again.
            refused = []

            def database_away_once(route):
                if refused:
                    route.continue_()
                    return
                refused.append(route.request.url)
                route.fulfill(
                    status=503,
                    headers={"Retry-After": "1"},
                    content_type="application/json",
                    body='{"error": "database_unavailable", "message": "Nothing was saved."}',
                )

            page.route("**/api/ratings/", database_away_once)
            track_id = int(first.get_attribute("data-item-id"))
            first.locator("button.like").click()
            expect(first.locator(".rating-note")).to_contain_text("trying again in 1 s")
            expect(first.locator(".rating")).to_have_attribute("data-saved", "1")
            assert len(refused) == 1
            expect(first.locator("button.like")).to_have_attribute("aria-pressed", "true")

            # Pause stops the frames and the indicator; stop releases the camera.
            page.click("#camera-pause")
            expect(page.locator("#camera-indicator")).to_be_hidden()
            expect(live).to_have_attribute("data-camera", "paused")
            page.click("#camera-pause")
            expect(page.locator("#camera-indicator")).to_be_visible()
            page.click("#camera-stop")
            expect(page.locator("#camera-indicator")).to_be_hidden()
            expect(page.locator("#camera-start")).to_be_visible()
            assert page.evaluate("() => document.getElementById('camera-video').srcObject === null")
            assert page.script_errors == []
        finally:
            browser.close()
    return track_id


def assert_liked(user, track_id):
    from recommender.models import Rating

    rating = Rating.objects.get(user=user, track_id=track_id)
    assert (rating.value, rating.emotion, rating.strategy) == (1, "happy", "match")
    assert not Rating.objects.exclude(user=user).exists()


def test_smiling_face_brings_happy_music_with_vision_embedded(tmp_path, face_video, catalogue, alice):
    with served(tmp_path, catalogue) as (base_url, processes):
        try:
            track_id = stream_a_smiling_face(base_url, face_video, "alice")
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
    assert_liked(alice, track_id)


@pytest.mark.redis
def test_smiling_face_brings_happy_music_with_a_separate_vision_worker(
    tmp_path, face_video, catalogue, alice, running_redis
):
    with served(tmp_path, catalogue, redis=running_redis) as (base_url, processes):
        try:
            track_id = stream_a_smiling_face(base_url, face_video, "alice")
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        worker = processes[0]
        assert worker.name == "vision-worker" and worker.process.poll() is None
    assert_liked(alice, track_id)


def test_with_the_camera_refused_the_mood_picker_brings_music_on_a_phone(tmp_path, face_video, catalogue):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, fake_camera=face_video, grant_camera=False)
        try:
            page = new_page(browser, base_url, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page.goto(f"{base_url}/")
            live = page.locator("#live")
            expect(live).to_have_attribute("data-socket", "open")
            page.click("#camera-start")
            expect(live).to_have_attribute("data-camera", "unavailable")
            expect(page.locator("#camera-status")).to_contain_text("refused")
            expect(page.locator("#camera-indicator")).to_be_hidden()
            expect(page.locator("#manual-mood")).to_have_class(re.compile(r"\bhighlight\b"))

            page.locator("#mood-picker button[data-emotion=sad]").click()
            expect(page.locator("#stable-mood")).to_have_attribute("data-mood", "sad")
            expect(live).to_have_attribute("data-recs-emotion", "sad")
            expect(page.locator("#songs .song-card").first).to_be_visible()
            expect(page.locator("#videos iframe.youtube").first).to_be_attached()

            # The strategy switch asks again, for "lift".
            with page.expect_response(
                lambda r: "/api/recommendations/" in r.url and "strategy=lift" in r.url
            ) as answer:
                page.locator("input[name=strategy][value=lift]").check()
            assert answer.value.json()["strategy"] == "lift"
            expect(live).to_have_attribute("data-recs-strategy", "lift")

            # An anonymous visitor is asked to log in at the list's head, not by buttons that fail.
            expect(page.locator("#songs .song-card button.like")).to_have_count(0)
            expect(page.locator("#playlist-login a")).to_have_text("Log in")

            # Nothing is wider than the phone's screen.
            assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")

            # The server restarts: the page notices, retries with backoff and carries on.
            daphne = processes.pop()
            daphne.stop()
            expect(live).to_have_attribute("data-socket", "closed")
            expect(page.locator("#socket-status")).to_contain_text("retrying")
            port = int(base_url.rsplit(":", 1)[1])
            restarted, _ = start_daphne(
                daphne_env(catalogue, vision=False), tmp_path, port=port, name="daphne-restarted"
            )
            processes.append(restarted)
            expect(live).to_have_attribute("data-socket", "open", timeout=60_000)
            page.locator("#mood-picker button[data-emotion=happy]").click()
            expect(live).to_have_attribute("data-recs-emotion", "happy")
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
