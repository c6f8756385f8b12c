"""The track index: one per process, rebuilt when the catalogue or the clustering changes, never written by a read."""

import numpy as np
from django.contrib.auth import get_user_model

from catalogue.clustering import refresh
from catalogue.models import Track
from catalogue.services import set_active
from core.emotions import EMOTIONS
from recommender.engine.index import track_index
from recommender.engine.taste import taste_of
from recommender.models import Rating
from recommender.selectors import recommend
from recommender.services import rate_item
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


def snapshot(index) -> dict:
    """Copies of every array the index holds, trees included."""
    arrays = {name: getattr(index, name).copy() for name in ("ids", "cluster", "artist", "song", "genre")}
    arrays["tree"] = index.tree.data.copy()
    for emotion, region in index.regions.items():
        arrays[f"{emotion} rows"] = region.rows.copy()
        arrays[f"{emotion} tree"] = region.tree.data.copy()
    return arrays


class TrackIndexTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.clustering = import_small_catalogue()

    def give_alice_a_taste(self):
        """Likes, a dislike and neighbours who agree with her: every part of the taste boost is in play."""
        songs = [t["id"] for t in recommend(emotion="happy", limit=30)["tracks"]]
        for track_id in songs[:6]:
            rate_item(user=self.alice, item_type="track", item_id=track_id, value=1)
        rate_item(user=self.alice, item_type="track", item_id=songs[6], value=-1)
        for n in range(2):
            other = get_user_model().objects.create_user(f"neighbour{n}")
            Rating.objects.bulk_create([Rating(user=other, track_id=t, value=1) for t in songs[:6] + songs[20:25]])

    def test_its_artist_and_song_keys_are_the_ones_tastes_are_compared_with(self):
        from recommender.engine.index import artist_key, song_key

        index = track_index()
        rows = index.rows_of(list(Track.objects.values_list("id", flat=True)[:200]))
        tracks = {t.id: t for t in Track.objects.filter(id__in=index.ids[rows].tolist())}
        for row in rows.tolist():
            track = tracks[int(index.ids[row])]
            self.assertEqual(index.artist[row], artist_key(track.artist))
            self.assertEqual(index.song[row], song_key(track.artist, track.title))

    def test_recommending_with_a_taste_leaves_the_cached_index_and_taste_as_they_were(self):
        self.give_alice_a_taste()
        first = recommend(emotion="happy", user=self.alice)
        index, taste = track_index(), taste_of(self.alice)
        self.assertTrue(taste.personalised and len(taste.neighbour_ids))
        before = snapshot(index)
        taste_before = {
            name: getattr(taste, name).copy()
            for name in (
                "rated_track_ids",
                "rated_song_keys",
                "liked_artist_keys",
                "disliked_artist_keys",
                "liked_genre_keys",
                "neighbour_ids",
                "neighbour_weights",
            )
        }
        for emotion in EMOTIONS:
            for strategy in ("match", "lift", "iso"):
                recommend(emotion=emotion, strategy=strategy, user=self.alice)
        second = recommend(emotion="happy", user=self.alice)
        self.assertIs(track_index(), index)
        self.assertIs(taste_of(self.alice), taste)
        for name, array in snapshot(index).items():
            np.testing.assert_array_equal(array, before[name], err_msg=name)
        for name, array in taste_before.items():
            np.testing.assert_array_equal(getattr(taste, name), array, err_msg=name)
        self.assertEqual(first, second)  # the same answer: nothing of the first call leaked into the second

    def test_the_cached_arrays_refuse_writes(self):
        index = track_index()
        for name in ("ids", "cluster", "artist", "song", "genre"):
            with self.assertRaises(ValueError, msg=name):
                getattr(index, name)[0] = 0
        with self.assertRaises(ValueError):
            index.regions["sad"].rows[0] = 0
        with self.assertRaises(ValueError):
            index.tree.data[0, 0] = 0.0
        with self.assertRaises(TypeError):
            index.regions["sad"] = None

    def test_one_index_per_catalogue_version_and_clustering(self):
        index = track_index()
        self.assertIs(track_index(), index)
        self.assertEqual(len(index), Track.objects.filter(is_active=True).count())
        set_active(Track.objects.filter(pk=int(index.ids[0])), False)
        smaller = track_index()
        self.assertIsNot(smaller, index)
        self.assertEqual(len(smaller), len(index) - 1)
        self.assertNotIn(int(index.ids[0]), smaller.ids)
        reclustered = refresh(k=4, trigger="test", scan=False)
        self.assertEqual(track_index().clustering_id, reclustered.pk)

    def test_rows_of_finds_the_tracks_in_the_index_only(self):
        index = track_index()
        ids = [int(index.ids[5]), -1, int(index.ids[2])]
        self.assertEqual(index.rows_of(ids).tolist(), [5, 2])

    def test_every_track_sits_in_the_cluster_of_its_membership(self):
        index = track_index()
        memberships = dict(self.clustering.memberships.values_list("track_id", "cluster__emotion"))
        emotions = [index.emotion_of(row) for row in range(len(index))]
        self.assertEqual(emotions, [memberships[int(t)] for t in index.ids])
