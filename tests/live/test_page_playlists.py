"""Saving what plays as a playlist from the live page, and adding one song to a playlist.

A logged-in listener picks a mood, saves the songs on show under a name of their own (kept with
the mood they were chosen for), follows the confirmation's link, and adds single songs to an
existing playlist and to a new one. An anonymous visitor is asked to log in instead. At desktop
(1280×800) and phone (390×844) sizes.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from playwright.sync_api import expect, sync_playwright

from moods.models import Playlist
from tests import live_page
from tests.base import PASSWORD
from tests.browser import launch_chromium
from tests.live_page import SIZES, log_in, new_page, served

# Fixtures, which pytest finds by name in this module.
catalogue, data_subset, patient_expect = live_page.catalogue, live_page.data_subset, live_page.patient_expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def pick(page, base_url, emotion):
    page.goto(f"{base_url}/")
    live = page.locator("#live")
    expect(live).to_have_attribute("data-socket", "open")
    page.locator(f"#mood-picker button[data-emotion={emotion}]").click()
    expect(live).to_have_attribute("data-recs-emotion", emotion)
    expect(page.locator("#songs .song-card").first).to_be_visible()


def shown_track_ids(page) -> list[int]:
    return [int(i) for i in page.locator("#songs .song-card").evaluate_all("cards => cards.map(c => c.dataset.itemId)")]


def tracks_of(name, user):
    """The playlist and its track ids in order, read from a thread of its own: Playwright's sync
    API runs an event loop in this one, where Django refuses database calls."""

    def read():
        try:
            playlist = Playlist.objects.get(user=user, name=name)
            return playlist, list(playlist.items.order_by("position").values_list("track_id", flat=True))
        finally:
            connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(read).result()


def save_and_add(page, base_url, user, suffix):
    pick(page, base_url, "sad")
    songs = shown_track_ids(page)
    assert len(songs) >= 5
    first_title = page.locator("#songs .song-card .song-title").first.text_content()

    # Save as playlist: a name offered, the listener's own kept, the mood saved with it.
    page.click("#playlist-save-open")
    name = page.locator("#playlist-name")
    expect(name).to_be_focused()
    expect(name).to_have_value(re.compile(r"^Sad songs, "))
    name.fill(f"Rainy day {suffix}")
    page.locator("#playlist-save-form button[type=submit]").click()
    note = page.locator("#playlist-note")
    expect(note).to_have_text(f"Saved “Rainy day {suffix}”: {len(songs)} songs for sad. Open playlist")
    expect(page.locator("#playlist-save-form")).to_be_hidden()
    playlist, saved = tracks_of(f"Rainy day {suffix}", user)
    assert (saved, playlist.emotion) == (songs, "sad")
    expect(note.locator("a")).to_have_attribute("href", f"/history/playlists/{playlist.pk}/")

    # The confirmation's link opens the saved playlist.
    note.locator("a").click()
    expect(page.locator("h1")).to_contain_text(f"Rainy day {suffix}")
    expect(page.locator("main")).to_contain_text("while you felt sad")
    expect(page.locator(".track-list li")).to_have_count(len(songs))
    expect(page.locator(".track-list li strong").first).to_have_text(first_title)
    pick(page, base_url, "sad")
    assert shown_track_ids(page) == songs

    # The same name again is refused in words.
    page.click("#playlist-save-open")
    page.locator("#playlist-name").fill(f"Rainy day {suffix}")
    page.locator("#playlist-save-form button[type=submit]").click()
    expect(note).to_contain_text(f"Not saved: You already have a playlist called “Rainy day {suffix}”.")
    page.click("#playlist-save-cancel")

    # Add to playlist: an existing one (the song is there already), a new one, then that one.
    first, second = page.locator("#songs .song-card").nth(0), page.locator("#songs .song-card").nth(1)
    first.locator(".add-open").click()
    choice = first.locator("select.add-choice")
    expect(choice.locator("option")).to_have_text([f"Rainy day {suffix} ({len(songs)})", "New playlist…"])
    expect(first.locator("input.add-name")).to_be_hidden()
    first.locator(".add-form button[type=submit]").click()
    expect(first.locator(".add-note")).to_have_text(f"Already in “Rainy day {suffix}”. Open playlist")

    first.locator(".add-open").click()
    choice.select_option(label="New playlist…")
    first.locator("input.add-name").fill(f"Keepers {suffix}")
    first.locator(".add-form button[type=submit]").click()
    expect(first.locator(".add-note")).to_have_text(f"Added to the new playlist “Keepers {suffix}”. Open playlist")

    second.locator(".add-open").click()
    second.locator("select.add-choice").select_option(label=f"Keepers {suffix} (1)")
    second.locator(".add-form button[type=submit]").click()
    expect(second.locator(".add-note")).to_have_text(f"Added to “Keepers {suffix}”. Open playlist")
    keepers, kept = tracks_of(f"Keepers {suffix}", user)
    assert (kept, keepers.emotion) == (songs[:2], "sad")
    assert page.script_errors == []


@pytest.mark.parametrize("size", list(SIZES))
def test_a_listener_saves_what_plays_and_adds_single_songs(tmp_path, catalogue, size):
    alice = get_user_model().objects.create_user("alice", "alice@example.org", PASSWORD)
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            page = new_page(browser, base_url, **SIZES[size])
            log_in(page, base_url, "alice")
            save_and_add(page, base_url, alice, size)
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_an_anonymous_visitor_is_asked_to_log_in_instead(tmp_path, catalogue, size):
    with served(tmp_path, catalogue, vision=False) as (base_url, processes), sync_playwright() as playwright:
        browser = launch_chromium(playwright, grant_camera=False)
        try:
            page = new_page(browser, base_url, **SIZES[size])
            pick(page, base_url, "happy")
            expect(page.locator("#playlist-save-open")).to_have_count(0)
            prompt = page.locator("#playlist-login")
            expect(prompt).to_contain_text("to like, dislike and save songs")
            expect(prompt.locator("a")).to_have_attribute("href", "/accounts/login/?next=/")
            # No button that would only answer "log in" (and move the card as it does): the hint
            # at the list's head is the one offer.
            card = page.locator("#songs .song-card").first
            expect(card).to_be_visible()
            for selector in (".add-open", ".rate", ".add-note"):
                expect(page.locator(f"#songs {selector}, #videos {selector}")).to_have_count(0)
            expect(card.locator(".open-elsewhere")).to_be_visible()
            assert page.script_errors == []
        except Exception:
            print(*(p.output() for p in processes), sep="\n")
            raise
        finally:
            browser.close()
    assert not Playlist.objects.exists()
