"""A database made by the old layout (the catalogue inside `recommender`) migrates with every row kept.

Before this step the catalogue's models belonged to the recommender app (its migrations 0001–0003;
moods 0001 points a playlist item at recommender.Track). The test migrates the test database back
to exactly those migrations, which are unchanged, so what it holds is what the old code made;
fills every table the move concerns through the old models; migrates forward; and then compares
every row of every table, byte for byte, with what it was, reads the rows through the new models,
and checks that a curator's permission and the admin's history followed the models to `catalogue`.

It runs on the test run's database (SQLite by default); the PostgreSQL variant runs the same test
in a child pytest against a real server, where foreign keys and sequences are enforced.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TransactionTestCase

from tests.servers import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
# The last migration of each app before the catalogue moved (commit e692bc0), and the app that did not exist.
OLD_LAYOUT = [("recommender", "0003_video_mood_model"), ("moods", "0001_initial"), ("catalogue", None)]
MOVED = ("track", "video", "clustering", "cluster", "clustermembership", "cataloguestate")


def snapshot() -> dict[str, list[tuple]]:
    """Every row of every table but Django's own bookkeeping, ordered, as the database returns it."""
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table in ("django_migrations", "django_content_type"):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            tables[table] = sorted(cursor.fetchall(), key=repr)
    return tables


class MigrationFromRecommenderTest(TransactionTestCase):
    def migrate(self, targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        return executor.migrate(targets)

    def latest(self):
        executor = MigrationExecutor(connection)
        return executor.loader.graph.leaf_nodes()

    def tearDown(self):
        self.migrate(self.latest())  # whatever happened, the next test finds today's layout
        super().tearDown()

    def test_a_database_of_the_old_layout_keeps_every_row(self):
        old = self.migrate(OLD_LAYOUT).apps
        with self.assertRaises(LookupError):
            old.get_model("catalogue", "Track")  # really the old layout: no catalogue app yet
        User = old.get_model("auth", "User")
        Track, Video = old.get_model("recommender", "Track"), old.get_model("recommender", "Video")
        Clustering, Cluster = old.get_model("recommender", "Clustering"), old.get_model("recommender", "Cluster")
        Membership, State = (
            old.get_model("recommender", "ClusterMembership"),
            old.get_model("recommender", "CatalogueState"),
        )
        Rating = old.get_model("recommender", "Rating")
        Playlist, Item = old.get_model("moods", "Playlist"), old.get_model("moods", "PlaylistItem")
        ContentType, Permission = old.get_model("contenttypes", "ContentType"), old.get_model("auth", "Permission")

        alice = User.objects.create(username="alice", password="!")
        charlie = User.objects.create(username="charlie", password="!", is_staff=True)
        sad = Track.objects.create(
            title="Hurt", artist="Johnny Cash", genre="country", valence=2.1, arousal=3.4, dominance=None,
            mood_tags=["sad", "dark"], source="muse_v3", source_id="m-1",
        )  # fmt: skip
        happy = Track.objects.create(
            title="Happy", artist="Pharrell", valence=8.1, arousal=6.2, dominance=6.0, source="manual", source_id="m-2"
        )
        clip = Video.objects.create(
            youtube_id="abcdefghijk", start_s=30, end_s=40, title="Gentle piano", caption="A gentle piano.",
            mood="Tender", mood_source="model", mood_probabilities={"Tender": 0.8, "Sad": 0.2},
            valence=6.4, arousal=3.2, dominance=5.8, emotion="neutral", source="musiccaps",
        )  # fmt: skip
        run = Clustering.objects.create(k=2, is_active=True, n_tracks=2, scaler={"mean": [5, 5, 5]})
        low = Cluster.objects.create(clustering=run, index=0, emotion="sad", valence=2, arousal=3, dominance=4, size=1)
        high = Cluster.objects.create(
            clustering=run, index=1, emotion="happy", valence=8, arousal=6, dominance=6, size=1
        )
        Membership.objects.create(clustering=run, cluster=low, track=sad)
        Membership.objects.create(clustering=run, cluster=high, track=happy)
        State.objects.create(pk=1, tracks_version=7, videos_version=3)
        Rating.objects.create(user=alice, track=sad, value=1, emotion="sad", strategy="match")
        Rating.objects.create(user=alice, video=clip, value=-1, emotion="neutral", strategy="lift")
        playlist = Playlist.objects.create(user=alice, name="Rainy day")
        Item.objects.create(playlist=playlist, track=sad, position=1)
        # A curator's permission and an admin history entry hang on the old content type.
        track_type = ContentType.objects.get(app_label="recommender", model="track")
        charlie.user_permissions.add(Permission.objects.get(content_type=track_type, codename="change_track"))
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO django_admin_log (action_time, user_id, content_type_id, object_id, object_repr,"
                " action_flag, change_message) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                ["2026-12-01 10:00:00", charlie.pk, track_type.pk, str(sad.pk), "Johnny Cash – Hurt", 2, "[]"],
            )
        before = snapshot()
        self.assertEqual(len(before["recommender_track"]), 2)

        self.migrate(self.latest())

        after = snapshot()
        self.assertEqual(before.keys() - after.keys(), set())  # no table dropped
        # Tables made by later migrations of other models (moods' neutral face, engagement's day
        # roll-ups) start empty: nothing of the old rows went there.
        self.assertEqual({t: after[t] for t in after.keys() - before.keys() if after[t]}, {})
        for table in before:
            self.assertEqual(after[table], before[table], table)
        # Read through today's models: the same rows, their relations intact.
        from catalogue.models import CatalogueState
        from catalogue.models import Cluster as NewCluster
        from catalogue.models import Track as NewTrack
        from catalogue.models import Video as NewVideo
        from moods.models import PlaylistItem
        from recommender.models import Rating as NewRating

        self.assertEqual(NewTrack._meta.app_label, "catalogue")
        hurt = NewTrack.objects.get(pk=sad.pk)
        self.assertEqual((hurt.title, hurt.mood_tags, hurt.dominance), ("Hurt", ["sad", "dark"], None))
        self.assertEqual(NewVideo.objects.get(pk=clip.pk).mood_probabilities, {"Tender": 0.8, "Sad": 0.2})
        self.assertEqual(
            sorted(NewCluster.objects.values_list("emotion", "memberships__track__title")),
            [("happy", "Happy"), ("sad", "Hurt")],
        )
        self.assertEqual(CatalogueState.versions(), (7, 3))
        self.assertEqual(
            sorted((r.track or r.video).pk for r in NewRating.objects.select_related("track", "video")),
            sorted([sad.pk, clip.pk]),
        )
        self.assertEqual(PlaylistItem.objects.get().track, hurt)
        # The content types were renamed, not recreated: the permission and the history still point at them.
        curator = get_user_model().objects.get(username="charlie")
        self.assertTrue(curator.has_perm("catalogue.change_track"))
        from django.contrib.admin.models import LogEntry
        from django.contrib.contenttypes.models import ContentType as NewContentType

        self.assertEqual(LogEntry.objects.get().get_edited_object(), hurt)
        self.assertFalse(NewContentType.objects.filter(app_label="recommender", model__in=MOVED).exists())

    def test_the_old_layout_is_reached_again_from_today(self):
        """The control: migrating back really brings the old state (and forward again), so the test
        above starts from what the old code made, not from today's models under other names."""
        old = self.migrate(OLD_LAYOUT).apps
        self.assertEqual(old.get_model("recommender", "Track")._meta.db_table, "recommender_track")
        self.assertEqual(
            old.get_model("moods", "PlaylistItem")._meta.get_field("track").related_model._meta.label,
            "recommender.Track",
        )
        new = self.migrate(self.latest()).apps
        self.assertEqual(
            new.get_model("moods", "PlaylistItem")._meta.get_field("track").related_model._meta.label, "catalogue.Track"
        )
        with self.assertRaises(LookupError):
            new.get_model("recommender", "Track")


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_migration_on_postgresql():
    server = PostgresServer().start()
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DEBUG")}
        env["DATABASE_URL"] = server.url
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"{__file__}::MigrationFromRecommenderTest",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.close()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout
