"""Admin curation as staff charlie: filters, bulk (de)activation, CSV import, re-clustering, the scatter plot."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.models import Cluster, Clustering, Track, Video
from recommender.selectors import recommend
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, grant_curator_permissions, import_small_catalogue

CHANGELIST = "/admin/catalogue/track/"


class AdminCurationTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue()
        cls.video = Video.objects.create(
            youtube_id="abcdefghijk",
            title="a sad slow ballad",
            mood_words=["sad"],
            valence=3,
            arousal=3,
            emotion="sad",
            source="manual",
        )

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
        response = self.client.get("/admin/catalogue/video/", {"emotion__exact": "sad", "q": "ballad"})
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
        data.update(
            valence="2.5",
            arousal="7.5",
            dominance="",
            youtube_id="dQw4w9WgXcQ",
            mood_tags='["aggressive"]',
            is_active="on",
        )
        response = self.client.post(f"{CHANGELIST}{track.pk}/change/", {k: v for k, v in data.items() if v is not None})
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["adminform"].form.errors
        )
        track.refresh_from_db()
        self.assertEqual(
            (track.valence, track.arousal, track.dominance, track.youtube_id), (2.5, 7.5, None, "dQw4w9WgXcQ")
        )

    def test_import_a_csv_from_the_admin(self):
        upload = SimpleUploadedFile(
            "mine.csv",
            (
                b"name,album,artist,id,valence,energy,mood,genre\n"
                b"Admin Song,LP,Curated Artist,ADMIN00000000000000001,0.8,0.7,Happy,indie\n"
                b"Broken Song,LP,Curated Artist,ADMIN00000000000000002,1.7,0.7,Happy,indie\n"
            ),
            content_type="text/csv",
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalogue_track_import"), {"file": upload, "format": ""})
        # Imported by a Celery task (eager here); its page has the summary, the rejected rows are a CSV.
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"])
        self.assertContains(page, "2 rows, 1 new")
        report = self.client.get(page.context["job_report_url"])
        self.assertIn("3,valence 1.7 is outside 0–1", report.content.decode())
        self.assertTrue(Track.objects.filter(title="Admin Song", source="spotify_moods").exists())
        self.assertNotEqual(Clustering.objects.get(is_active=True).pk, self.clustering.pk)  # and re-clustered

    def test_an_unreadable_upload_is_refused_clearly(self):
        upload = SimpleUploadedFile("odd.csv", b"a,b\n1,2\n", content_type="text/csv")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalogue_track_import"), {"file": upload})
        self.assertContains(self.client.get(response["Location"]), "cannot tell the catalogue format")

    def test_recluster_from_the_admin(self):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalogue_track_recluster"))
        self.assertRedirects(response, reverse("admin:catalogue_clustering_changelist"))
        active = Clustering.objects.get(is_active=True)
        self.assertNotEqual(active.pk, self.clustering.pk)
        self.assertIn("charlie", active.trigger)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(CHANGELIST, {"action": "recluster", "_selected_action": [Track.objects.first().pk]})
        self.assertNotEqual(Clustering.objects.get(is_active=True).pk, active.pk)

    def test_clustering_page_draws_the_scatter_plot(self):
        response = self.client.get(f"/admin/catalogue/clustering/{self.clustering.pk}/change/")
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
        for url in (CHANGELIST, reverse("admin:catalogue_track_import")):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 302)
            self.assertIn("/admin/login/", response["Location"])
        response = self.client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [track.pk]})
        self.assertEqual(response.status_code, 302)
        response = self.client.post(reverse("admin:catalogue_track_recluster"))
        self.assertIn("/admin/login/", response["Location"])
        track.refresh_from_db()
        self.assertTrue(track.is_active)
        self.assertFalse(Clustering.objects.exists())

    def test_staff_without_catalogue_permissions_cannot_either(self):
        track = Track.objects.create(title="Song", artist="A", valence=5, arousal=5, source="manual", source_id="x")
        self.client.force_login(self.charlie)  # staff, but no recommender permissions
        self.assertEqual(self.client.get(CHANGELIST).status_code, 403)
        self.client.post(CHANGELIST, {"action": "deactivate", "_selected_action": [track.pk]})
        self.client.post(reverse("admin:catalogue_track_recluster"))
        track.refresh_from_db()
        self.assertTrue(track.is_active)
        self.assertFalse(Clustering.objects.exists())


class AdminFiguresAndImportWordsTest(FreshIndexMixin, BaseTestCase):
    """Staff see figures to a sensible precision, and import errors in the form's own terms."""

    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue()
        cls.track = Track.objects.create(
            title="Noisy",
            artist="Floats",
            genre="",
            valence=7.544999999999999,
            arousal=3.2100000000000004,
            dominance=None,
            source="manual",
            source_id="n1",
        )
        Clustering.objects.filter(pk=cls.clustering.pk).update(
            silhouette=0.478632445093167, inertia=1234.56789, duration_s=0.08123
        )

    def setUp(self):
        super().setUp()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)

    def test_vad_and_clustering_figures_are_rounded(self):
        listing = self.client.get(CHANGELIST, {"q": "Noisy"}).content.decode()
        self.assertIn(">7.54<", listing)
        self.assertIn(">3.21<", listing)
        self.assertNotIn("7.544999", listing)
        form = self.client.get(f"{CHANGELIST}{self.track.pk}/change/").content.decode()
        self.assertIn('value="7.54"', form)
        self.assertNotIn("7.544999", form)
        runs = self.client.get("/admin/catalogue/clustering/").content.decode()
        self.assertIn(">0.479<", runs)
        self.assertIn(">0.08 s<", runs)
        self.assertNotIn("0.478632", runs)
        page = self.client.get(f"/admin/catalogue/clustering/{self.clustering.pk}/change/").content.decode()
        self.assertIn("0.479", page)
        self.assertIn("1,234.57", page)
        self.assertNotIn("0.478632", page)
        for cluster in Cluster.objects.filter(clustering=self.clustering):
            self.assertIn(f"{cluster.valence:.2f}", page)
            if len(repr(cluster.valence)) > 6:
                self.assertNotIn(repr(cluster.valence), page)
        # Sorting still goes by the stored number.
        ordered = self.client.get(CHANGELIST, {"o": "4"})
        self.assertEqual(ordered.status_code, 200)

    def test_an_unknown_header_is_explained_with_the_forms_format_menu_and_the_name_as_uploaded(self):
        upload = SimpleUploadedFile("My_Catalogue.CSV", b"a,b\n1,2\n", content_type="text/csv")
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalogue_track_import"), {"file": upload, "format": ""})
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("cannot tell the catalogue format from the header (a, b…); choose it in the Format menu", page)
        self.assertNotIn("--format", page)
        self.assertIn("My_Catalogue.CSV", page)
        self.assertNotIn("My_catalogue.csv", page)
        # Named in the menu, the same file is read as that format.
        form = self.client.get(reverse("admin:catalogue_track_import")).content.decode()
        self.assertIn('name="format"', form)

    def test_a_summary_quotes_the_file_name_as_uploaded(self):
        upload = SimpleUploadedFile(
            "lowercase-Mixed.csv",
            (
                b"name,album,artist,id,valence,energy,mood,genre\n"
                b"Admin Song,LP,Curated Artist,ADMIN00000000000000009,0.8,0.7,Happy,N/A\n"
            ),
            content_type="text/csv",
        )
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("admin:catalogue_track_import"), {"file": upload, "format": ""})
        page = self.client.get(response["Location"]).content.decode()
        self.assertIn("lowercase-Mixed.csv (spotify_moods): 1 rows, 1 new", page)
        self.assertNotIn("Lowercase-Mixed.csv", page)
        self.assertEqual(Track.objects.get(title="Admin Song").genre, "")  # "N/A" is no genre
