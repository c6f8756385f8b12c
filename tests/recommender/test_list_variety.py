"""Varied lists, through the JSON API, on the real catalogue (686 songs, the first 800 MusicCaps clips):

- in each of the 21 lists (7 emotions × match, lift, iso) no two video cards share a title or a
  YouTube video, and no clip is in more than 3 of the 21 lists;
- "More songs" (page=1, 2, …) brings other songs and other videos for the same mood, in order;
- no reason, of a song or a video, quotes a valence or arousal number (the numbers are in
  reason_detail, which the page shows as a tooltip), and every heading line is English.
"""

import re
from collections import Counter

import pytest

from core.emotions import EMOTIONS
from recommender.engine.strategies import STRATEGIES
from tests import live_page

# Fixtures, which pytest finds by name in this module.
catalogue, data_subset = live_page.catalogue, live_page.data_subset

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

NUMBER = re.compile(r"\d+\.\d|valence|arousal", re.IGNORECASE)


def recommendations(client, **params):
    response = client.get("/api/recommendations/", params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def lists(catalogue, client):
    from recommender.selectors import reset_indexes

    reset_indexes()
    return {(e, s): recommendations(client, emotion=e, strategy=s) for e in EMOTIONS for s in STRATEGIES}


def test_no_list_repeats_a_title_and_no_clip_is_in_more_than_three_lists(lists):
    assert len(lists) == 21
    in_lists = Counter()
    for key, answer in lists.items():
        videos = answer["videos"]
        assert len(videos) == 4, key
        titles = [v["title"].strip().lower() for v in videos]
        assert len(set(titles)) == len(titles), (key, titles)
        assert len({v["youtube_id"] for v in videos}) == len(videos), key
        in_lists.update({v["id"] for v in videos})
    most = in_lists.most_common(1)[0][1]
    assert most <= 3, in_lists.most_common(5)
    # A spread, not three clips in rotation: the 84 cards show at least 40 different clips.
    assert len(in_lists) >= 40, len(in_lists)


def test_songs_spread_over_artists_and_reasons_are_words(lists):
    for key, answer in lists.items():
        tracks = answer["tracks"]
        assert len(tracks) == 10, key
        artists = Counter(t["artist"] for t in tracks)
        assert max(artists.values()) <= 2, (key, artists.most_common(2))
        for item in (*tracks, *answer["videos"]):
            assert not NUMBER.search(item["reason"]), (key, item["reason"])
        assert all(NUMBER.search(t["reason_detail"]) for t in tracks)
        assert not re.search(r"feel (disgust|fear|surprise)\b", answer["strategy_note"]), answer["strategy_note"]
    assert lists[("disgust", "match")]["strategy_note"] == "Songs that stay with your disgusted mood."
    assert lists[("fear", "iso")]["strategy_note"].startswith("It starts where you are, fearful,")


def test_more_pages_on_to_other_songs_and_videos(lists, client):
    first = lists[("sad", "match")]
    assert first["page"] == 0 and first["has_more"] is True
    seen_tracks = {t["id"] for t in first["tracks"]}
    seen_videos = {v["id"] for v in first["videos"]}
    for page in (1, 2):
        more = recommendations(client, emotion="sad", strategy="match", page=page)
        assert more["page"] == page and len(more["tracks"]) == 10
        ids = {t["id"] for t in more["tracks"]}
        assert not ids & seen_tracks, page
        assert not {v["id"] for v in more["videos"]} & seen_videos, page
        seen_tracks |= ids
        seen_videos |= {v["id"] for v in more["videos"]}
    # Iso keeps its walk on every page: its reasons count the steps from the mood to the goal.
    iso = recommendations(client, emotion="sad", strategy="iso", page=1)
    assert [t["reason"].split(" on the way")[0] for t in iso["tracks"]][:2] == ["Song 1 of 10", "Song 2 of 10"]
    assert client.get("/api/recommendations/", {"emotion": "sad", "page": 9}).status_code == 400
    assert client.get("/api/recommendations/", {"emotion": "sad", "page": "x"}).status_code == 400
