"""Ranking: each target's pool is its nearest unrated songs, match stays inside the emotion's clusters."""

import numpy as np

from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.index import track_index
from recommender.engine.ranking import nearest_pools
from recommender.engine.taste import taste_of
from recommender.models import Rating
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


def brute_force(index, point, rows=None):
    """Every row (or those given) by distance to the standardised point, then by row: what a pool must agree with."""
    points = index.tree.data if rows is None else index.tree.data[rows]
    rows = np.arange(len(index)) if rows is None else rows
    distance = ((points - point) ** 2).sum(axis=1)
    order = np.lexsort((rows, distance))
    return rows[order], distance[order]


class NearestPoolTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        import_small_catalogue()

    def assert_nearest(self, pool, expected_rows, expected_distance):
        """The pool holds the nearest rows, nearest first (which of several rows tied at its edge may vary)."""
        distance_of = dict(zip(expected_rows.tolist(), expected_distance.tolist()))
        mine = [distance_of[r] for r in pool.tolist()]
        edge = expected_distance[len(pool) - 1]
        self.assertTrue(all(a <= b + 1e-9 for a, b in zip(mine, mine[1:])), "nearest first")
        self.assertLessEqual(max(mine), edge + 1e-9)
        self.assertLessEqual(set(expected_rows[expected_distance < edge - 1e-9].tolist()), set(pool.tolist()))

    def rate(self, rows, index):
        Rating.objects.bulk_create([Rating(user=self.alice, track_id=int(index.ids[r]), value=-1) for r in rows])

    def test_each_target_gets_its_nearest_songs(self):
        index = track_index()
        points = index.standardise([WARRINER_VAD[e] for e in EMOTIONS] + [(5.0, 5.0, 5.0)])
        for point, pool in zip(points, nearest_pools(index, points, 300, 10)):
            self.assertEqual(len(pool), 300)
            self.assert_nearest(pool, *brute_force(index, point))

    def test_match_keeps_to_the_emotions_clusters(self):
        index = track_index()
        for emotion in EMOTIONS:
            region = index.regions[emotion]
            point = index.standardise([WARRINER_VAD[emotion]])
            pool = nearest_pools(index, point, 200, 10, region)[0]
            self.assertTrue(np.isin(pool, region.rows).all(), emotion)
            self.assert_nearest(pool, *brute_force(index, point[0], region.rows))

    def test_rated_songs_leave_the_pool_and_the_next_nearest_take_their_place(self):
        index = track_index()
        point = index.standardise([WARRINER_VAD["sad"]])
        plain = nearest_pools(index, point, 50, 10)[0]
        # Rating the 40 nearest leaves the tree's first answer short: the pool must ask again, further out.
        self.rate(plain[:40], index)
        pool = nearest_pools(index, point, 50, 10, taste=taste_of(self.alice))[0]
        self.assertEqual(len(pool), 50)
        rows, distance = brute_force(index, point[0])
        unrated = ~np.isin(index.song[rows], index.song[plain[:40]])  # the same song from another source too
        self.assertFalse(set(pool.tolist()) & set(rows[~unrated].tolist()))
        self.assert_nearest(pool, rows[unrated], distance[unrated])

    def test_a_cluster_too_small_for_the_list_goes_on_outside_it_behind_every_inside_song(self):
        index = track_index()
        region = index.regions["sad"]
        point = index.standardise([WARRINER_VAD["sad"]])
        self.rate(region.rows[:-5], index)  # all but five of the cluster's songs
        left = [r for r in region.rows[-5:].tolist() if index.song[r] not in set(index.song[region.rows[:-5]].tolist())]
        pool = nearest_pools(index, point, 40, 10, region, taste_of(self.alice))[0]
        self.assertEqual(len(pool), 40)
        self.assertEqual(set(pool[: len(left)].tolist()), set(left))
        self.assertFalse(np.isin(pool[len(left) :], region.rows).any())
