"""Clustering: K-Means emotion clusters, k ≠ 7, missing dominance, the atomic swap and the Celery task."""

import io
from unittest import mock

from django.conf import settings
from django.test import TestCase

from catalogue import clustering
from catalogue.clustering import ClusteringError, refresh
from catalogue.importers import import_tracks
from catalogue.models import Clustering, ClusterMembership, Track
from catalogue.services import import_catalogue
from catalogue.tasks import refresh_clustering
from core.emotions import EMOTIONS
from recommender.selectors import recommend
from tests.rec_fixtures import MUSE_V3_HEAD, SPOTIFY_MOODS, FreshIndexMixin, import_small_catalogue


class ClusteringTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.first = import_small_catalogue()

    def test_seven_clusters_one_per_emotion_and_every_active_track_a_member(self):
        self.assertTrue(self.first.is_active)
        self.assertEqual(self.first.k, 7)
        self.assertEqual(sorted(self.first.clusters.values_list("emotion", flat=True)), sorted(EMOTIONS))
        active = Track.objects.filter(is_active=True).count()
        self.assertEqual(self.first.n_tracks, active)
        self.assertEqual(ClusterMembership.objects.filter(clustering=self.first).count(), active)
        self.assertEqual(sum(self.first.clusters.values_list("size", flat=True)), active)
        self.assertGreater(self.first.silhouette, 0)
        happy = self.first.clusters.get(emotion="happy")
        sad = self.first.clusters.get(emotion="sad")
        self.assertGreater(happy.valence, sad.valence)  # the labels follow the published coordinates

    def test_quality_is_reported_for_each_k(self):
        second = refresh(trigger="test")
        self.assertEqual([row["k"] for row in second.k_scan], settings.RECOMMENDER_K_SCAN)
        for row in second.k_scan:
            self.assertGreater(row["inertia_per_track"], 0)
            self.assertTrue(-1 <= row["silhouette"] <= 1)

    def test_fewer_clusters_than_emotions_still_serves_every_emotion(self):
        small = refresh(k=4, trigger="test", scan=False)
        self.assertEqual(len(set(small.clusters.values_list("emotion", flat=True))), 4)
        for emotion in EMOTIONS:
            result = recommend(emotion=emotion)
            self.assertEqual(result["clustering"], small.pk)
            self.assertEqual(len(result["tracks"]), 10)
            self.assertTrue(all(t["in_target_cluster"] for t in result["tracks"]), emotion)

    def test_more_clusters_than_emotions_label_every_cluster(self):
        large = refresh(k=10, trigger="test", scan=False)
        labels = list(large.clusters.values_list("emotion", flat=True))
        self.assertEqual(len(labels), 10)
        self.assertEqual(set(labels), set(EMOTIONS))

    def test_a_refresh_swaps_the_active_clustering(self):
        second = refresh(trigger="test", scan=False)
        self.first.refresh_from_db()
        self.assertFalse(self.first.is_active)
        self.assertTrue(second.is_active)
        self.assertEqual(Clustering.objects.filter(is_active=True).count(), 1)
        self.assertEqual(recommend(emotion="happy")["clustering"], second.pk)

    def test_a_recommendation_during_a_refresh_sees_the_old_clustering(self):
        seen = {}
        real_write = clustering._write_memberships

        def write_and_look(new, *args):
            real_write(new, *args)
            seen["during"] = recommend(emotion="sad")["clustering"]
            seen["new"] = new.pk

        with mock.patch.object(clustering, "_write_memberships", side_effect=write_and_look):
            refresh(trigger="test", scan=False)
        self.assertEqual(seen["during"], self.first.pk)
        self.assertNotEqual(seen["new"], self.first.pk)
        self.assertEqual(recommend(emotion="sad")["clustering"], seen["new"])

    def test_a_refresh_failing_midway_leaves_the_old_clustering_serving(self):
        real_write = clustering._write_memberships

        def write_then_fail(*args):
            real_write(*args)  # half the work is in the database when it breaks
            raise OSError("disk full")

        before = recommend(emotion="happy")
        with (
            mock.patch.object(clustering, "_write_memberships", side_effect=write_then_fail),
            self.assertRaises(OSError),
        ):
            refresh(trigger="test", scan=False)
        self.first.refresh_from_db()
        self.assertTrue(self.first.is_active)
        self.assertEqual(Clustering.objects.filter(status="ready").count(), 1)
        failed = Clustering.objects.get(status="failed")
        self.assertIn("disk full", failed.error)
        self.assertFalse(failed.is_active)
        self.assertEqual(ClusterMembership.objects.exclude(clustering=self.first).count(), 0)
        self.assertEqual(recommend(emotion="happy"), before)

    def test_too_few_tracks_is_a_clear_error(self):
        Track.objects.update(is_active=False)
        with self.assertRaisesMessage(ClusteringError, "0 active tracks cannot make 7 clusters"):
            refresh(trigger="test", scan=False)
        self.first.refresh_from_db()
        self.assertTrue(self.first.is_active)

    def test_the_celery_task_refreshes(self):
        new_id = refresh_clustering.delay(trigger="test").get()
        self.assertEqual(Clustering.objects.get(is_active=True).pk, new_id)
        self.assertNotEqual(new_id, self.first.pk)

    def test_an_import_that_changes_the_catalogue_queues_a_refresh(self):
        with self.captureOnCommitCallbacks(execute=True):
            import_catalogue(
                io.StringIO(
                    "name,album,artist,id,valence,energy,mood,genre\nNew Song,Album,New Artist,NEWID0000000000000001,0.9,0.8,Happy,pop\n"
                )
            )
        active = Clustering.objects.get(is_active=True)
        self.assertNotEqual(active.pk, self.first.pk)
        self.assertTrue(active.trigger.startswith("import"))
        self.assertTrue(ClusterMembership.objects.filter(clustering=active, track__title="New Song").exists())


class MissingDominanceTest(FreshIndexMixin, TestCase):
    def test_sources_without_dominance_cluster_with_imputed_dominance(self):
        import_tracks(SPOTIFY_MOODS)  # no dominance at all
        only_va = refresh(trigger="test", scan=False)
        self.assertEqual(only_va.scaler["dominance_fit"][1:], [0.0, 0.0])  # nothing to learn from: a constant
        import_tracks(MUSE_V3_HEAD)  # some dominance: a line through V and A
        mixed = refresh(trigger="test", scan=False)
        self.assertNotEqual(mixed.scaler["dominance_fit"][1:], [0.0, 0.0])
        self.assertEqual(mixed.n_tracks, 706)
        self.assertIsNone(Track.objects.filter(source="spotify_moods").first().dominance)  # stored value stays empty


class BeatScheduleTest(TestCase):
    def test_the_refresh_is_on_the_beat_schedule(self):
        entry = settings.CELERY_BEAT_SCHEDULE["recommender-refresh-clustering"]
        self.assertEqual(entry["task"], refresh_clustering.name)
        self.assertEqual(entry["schedule"], float(settings.RECOMMENDER_REFRESH_SECONDS))
        from emotunes.celery import app

        app.loader.import_default_modules()
        self.assertIn(entry["task"], app.tasks)
