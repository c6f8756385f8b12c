"""The browser reads a face as the server does: the same JPEG frames through private mode's worker and `analyse_frame`.

Real faces (FER2013 public-test faces of every class placed in 320×240 frames, and the astronaut
moved and zoomed) go to the live page's own worker in Debian's Chromium, with the URLs the page
carries, and to `vision.pipeline.analyse_frame` in this process. The primary face's scores must
agree: the same top emotion on nearly every frame and a small mean difference.
scripts/bench_private_mode.py prints the same figures on 200+ frames (docs/live.md); this test
asserts a slightly looser bound on fewer frames.
"""

import sys
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from core.emotions import EMOTIONS
from tests.browser import launch_chromium
from tests.live.test_browser import served

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from bench_private_mode import agreement_frames, browser_read, compare, server_read  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FRAMES = 84  # 10 or 11 faces of each FER2013 class, and the astronaut in 10 positions


def test_the_browser_and_the_server_read_the_same_frames_alike(tmp_path):
    frames = agreement_frames(FRAMES, Path(settings.EMOTUNES_DATA_DIR))
    jpegs = [jpeg for _, jpeg in frames]
    assert len(jpegs) == FRAMES and sum(name.startswith("astronaut") for name, _ in frames) >= 10
    with served(tmp_path, settings.EMOTUNES_DATA_DIR, vision=False) as (base_url, _), sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{base_url}/")
            _, browser_results = browser_read(page, jpegs, "full")
        finally:
            browser.close()
    server_results = server_read(jpegs)
    figures = compare(browser_results, server_results, list(EMOTIONS))
    print(figures)
    assert figures["frames_with_a_face"] >= 0.8 * FRAMES
    assert figures["face_found_by_one_side_only"] <= 1
    assert figures["same_primary_emotion"] >= 0.95
    assert figures["mean_abs_difference"] <= 0.03
    # The boxes too: both sides found the astronaut's face in the same place, to a pixel or two.
    for (name, _), b, s in zip(frames, browser_results, server_results):
        if name.startswith("astronaut"):
            assert all(abs(p - q) <= 3 for p, q in zip(b["faces"][0]["box"], s["faces"][0]["box"])), name
