"""Admin curation as staff charlie: filters, bulk (de)activation, CSV import, re-clustering, the scatter plot."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from recommender.models import Cluster, Clustering, Track, Video
from recommender.selectors import recommend
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, grant_curator_permissions, import_small_catalogue

CHANGELIST = "/admin/recommender/track/"


class AdminCurationTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue()
        cls.video = Video.objects.create(youtube_id="abcdefghijk", title="a sad slow ballad", mood_words=["sad"],
                                         valence=3, arousal=3, emotion="sad", source="manual")

    def setUp(self):
        super().setUp()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)

    def test_search_and_filters(self):
        response = self.client.get(CHANGELIST, {"q": "Metallica"})
        self.assertContains(response, "St. Anger")
        self.assertNotContains(response, "Loft Music")
        sad_cluster = Cluster.objects.get(clustering=self.clustering, emotion="sad")
        for params in ({"emotion": "sad"}, {"cluster": str(sad_cluster.pk)}):
            response = self.client.get(CHANGELIST, params)
            self.assertEqual(response.status_code, 200)
            shown = response.context["cl"].queryset
            self.assertEqual(shown.count(), sad_cluster.size)
            self.assertTrue(all(t.active_emotion == "sad" for t in shown[:20]))
        response = self.client.get(CHANGELIST, {"genre": "metal"})
        self.assertTrue(all(t.genre == "metal" for t in response.context["cl"].queryset))
        response = self.client.get(CHANGELIST, {"source__exact": "spotify_moods", "is_active__exact": "1"})
        self.assertEqual(response.context["cl"].queryset.count(), 686)
        response = self.client.get("/admin/recommender/video/", {"emotion__exact": "sad", "q": "ballad"})
        self.assertContains(response, "abcdefghijk")

    def test_bulk_deactivate_and_activate(self):
        shown = [t["id"] for t in recommend(emotion="happy")["tracks"]][:3]
        response = self.client.post(CHANGELIST, {"action": "deactivate", "_selected_action": shown})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Track.objects.filter(pk__in=shown, is_active=False).count(), 3)
        self.assertFalse(set(shown) & {t["id"] for t in recommend(emotion="happy", limit=50)["tracks"]})
        self.client.post(CHANGELIST, {"action": "activate", "_selected_action": shown})
        self.assertEqual(Track.objects.filter(pk__in=shown, is_active=True).count(), 3)
        self.assertIn(shown[0], [t["id"] for t in recommend(emotion="happy")["tracks"]])

    def test_edit_vad_and_youtube_id(self):
        track = Track.objects.get(title="St. Anger")
        response = self.client.get(f"{CHANGELIST}{track.pk}/change/")
        form = response.context["adminform"].form
        data = {name: form.initial.get(name) for name in form.fields}
        data.update(valence="2.5", arousal="7.5", dominance="", youtube_id="dQw4w9WgXcQ", mood_tags='["aggressive"]',
                    is_active="on")
        response = self.client.post(f"{CHANGELIST}{track.pk}/change/", {k: v for k, v in data.items() if v is not None})
        self.assertEqual(response.status_code, 302, getattr(response, "context", None) and response.context["adminform"].form.errors)
        track.refresh_from_db()
        self.assertEqual((track.valence, track.arousal, track.dominance, track.youtube_id), (2.5, 7.5, None, "dQw4w9WgXcQ"))

    def test_import_a_csv_from_the_admin(self):
        upload = SimpleUploadedFile("mine.csv", (
            "name,album,artist,id,valence,energy,mood,genre\n"
            "Admin Song,LP,Curated Artist,ADMIN00000000000000001,0.8,0.7,Happy,indie\n"
            "Broken Song,LP,Curated Artist,ADMIN00000000000000002,1.7,0.7,Happy,indie\n"
        ).encode(), content_type="text/csv")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:recommender_track_import"), {"file": upload, "format": ""})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "2 rows, 1 new")
        self.assertContains(response, "<td>3</td><td>valence 1.7 is outside 0–1</td>", html=False)
        self.assertTrue(Track.objects.filter(title="Admin Song", source="spotify_moods").exists())
        self.assertNotEqual(Clustering.objects.get(is_active=True).pk, self.clustering.pk)  # and re-clustered

    def test_an_unreadable_upload_is_refused_clearly(self):
        upload = SimpleUploadedFile("odd.csv", b"a,b\n1,2\n", content_type="text/csv")
        response = self.client.post(reverse("admin:recommender_track_import"), {"file": upload})
        self.assertContains(response, "cannot tell the catalogue format")

    def test_recluster_from_the_admin(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:recommender_track_recluster"))
        self.assertRedirects(response, reverse("admin:recommender_clustering_changelist"))
        active = Clustering.objects.get(is_active=True)
        self.assertNotEqual(active.pk, self.clustering.pk)
        self.assertIn("charlie", active.trigger)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(CHANGELIST, {"action": "recluster", "_selected_action": [Track.objects.first().pk]})
        self.assertNotEqual(Clustering.objects.get(is_active=True).pk, active.pk)

    def test_clustering_page_draws_the_scatter_plot(self):
        response = self.client.get(f"/admin/recommender/clustering/{self.clustering.pk}/change/")
        self.assertEqual(response.status_code, 200)
        content = response.content.decode()
        self.assertIn("<svg", content)
        self.assertIn("valence (unpleasant → pleasant)", content)
        self.assertEqual(content.count('r="9"'), 7)  # one marker per cluster centroid
        self.assertGreater(content.count('r="2"'), 1000)  # the tracks


class AdminRefusedTest(FreshIndexMixin, BaseTestCase):
    def test_listeners_cannot_curate(self):
        track = Track.objects.create(title="Song", artist="A", valence=5, arousal=5, source="manual", source_id="x")
        self.client.force_login(self.alice)
        for url in (CHANGELIST, reverse("admin:recommender_track_import")):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn("/admin/login/", response["Location"])
        response = self.client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [track.pk]})
        self.assertEqual(response.status_code, 302)
        response = self.client.post(reverse("admin:recommender_track_recluster"))
        self.assertIn("/admin/login/", response["Location"])
        track.refresh_from_db()
        self.assertTrue(track.is_active)
        self.assertFalse(Clustering.objects.exists())

    def test_staff_without_catalogue_permissions_cannot_either(self):
        track = Track.objects.create(title="Song", artist="A", valence=5, arousal=5, source="manual", source_id="x")
        self.client.force_login(self.charlie)  # staff, but no recommender permissions
        self.assertEqual(self.client.get(CHANGELIST).status_code, 403)
        self.client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [track.pk]})
        self.client.post(reverse("admin:recommender_track_recluster"))
        track.refresh_from_db()
        self.assertTrue(track.is_active)
        self.assertFalse(Clustering.objects.exists())
