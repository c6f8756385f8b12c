"""Lift and Iso make sense on the live page for every mood, and the song cards are clean.

For happy, the page says the listener is already there and what the list does instead (more
energy, or winding down to calm), never "from happy to happy"; for sad it leads towards happy.
No card shows a placeholder genre ("n/a": 123 songs of the real Spotify moods file) and no list
shows one recording twice. At desktop (1280×800) and phone (390×844) sizes.
"""

import re

import pytest
from playwright.sync_api import expect, sync_playwright

from tests import live_page
from tests.browser import launch_chromium
from tests.live_page import SIZES, new_page, served

# Fixtures, which pytest finds by name in this module.
catalogue, data_subset, patient_expect = live_page.catalogue, live_page.data_subset, live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def choose(page, emotion, strategy):
    live = page.locator("#live")
    page.locator(f"#mood-picker button[data-emotion={emotion}]").click()
    page.locator(f"#strategy label:has(input[value={strategy}])").click()
    expect(live).to_have_attribute("data-recs-emotion", emotion)
    expect(live).to_have_attribute("data-recs-strategy", strategy)
    expect(page.locator("#songs .song-card").first).to_be_visible()


def cards(page) -> list[dict]:
    return page.locator("#songs .song-card").evaluate_all("""cards => cards.map(c => ({
        title: c.querySelector('.song-title').textContent, meta: c.querySelector('.song-meta').textContent,
        reason: c.querySelector('.reason') ? c.querySelector('.reason').textContent : ''}))""")


def strategies_read_sensibly(page, base_url):
    from catalogue.recordings import PLACEHOLDER_GENRES, recording_key

    page.goto(f"{base_url}/")
    expect(page.locator("#live")).to_have_attribute("data-socket", "open")
    note = page.locator("#strategy-note")

    choose(page, "happy", "lift")
    expect(note).to_have_text("You are already happy: songs that keep the mood, with more energy.")
    assert all(c["reason"].startswith("Keeps you happy, with more energy") for c in cards(page))

    choose(page, "happy", "iso")
    expect(note).to_have_text("You are already happy: it starts there, then winds down, song by song, to calm.")
    expect(page.locator("#songs .song-card .reason").nth(3)).to_have_text(
        re.compile(r"^Song 4 of 10 winding down from happy to calm")
    )
    assert "happy to happy" not in page.locator("#live").inner_text()
    assert "towards happy" not in page.locator("#live").inner_text()

    choose(page, "sad", "lift")
    expect(note).to_have_text("A step from sad towards happy.")

    for emotion in ("happy", "sad", "angry"):
        for strategy in ("match", "lift", "iso"):
            choose(page, emotion, strategy)
            shown = cards(page)
            genres = [c["meta"].rsplit(" · ", 1)[1] for c in shown if " · " in c["meta"]]
            assert not {g.casefold() for g in genres} & PLACEHOLDER_GENRES, (emotion, strategy, genres)
            keys = [recording_key(c["meta"].split(" · ")[0], c["title"]) for c in shown]
            assert len(keys) == len(set(keys)), (emotion, strategy, keys)
    assert page.script_errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_lift_and_iso_read_sensibly_for_every_mood(tmp_path, catalogue, size):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            strategies_read_sensibly(new_page(browser, base_url, **SIZES[size]), base_url)
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
