"""The staff's catalogue import page says things in words: a binary or non-UTF-8 upload gets a
sentence on what to do (never Python's decode error), times are formatted, the re-clustering an
import asks for is reported as finished once it has, and each format's header line is shown."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue.importers import EXAMPLE_HEADERS, FORMATS, detect_format
from catalogue.models import Clustering
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, grant_curator_permissions, import_small_catalogue

SPOTIFY = (
    b"name,album,artist,id,valence,energy,mood,genre\n"
    b"Admin Song,LP,Curated Artist,ADMIN00000000000000001,0.8,0.7,Happy,indie\n"
)


class ImportPageTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue()

    def setUp(self):
        super().setUp()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)

    def upload(self, name, data):
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("admin:catalogue_track_import"), {"file": SimpleUploadedFile(name, data), "format": ""}
            )
        self.assertEqual(response.status_code, 302)
        return self.client.get(response["Location"])

    def test_a_binary_file_is_refused_in_words(self):
        xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 4
        page = self.upload("moods.xlsx", xlsx).content.decode()
        self.assertIn("This is not a CSV text file", page)
        self.assertIn("CSV UTF-8", page)
        self.assertNotIn("codec", page)
        self.assertNotIn("position", page)

    def test_a_latin1_file_is_refused_in_words(self):
        page = self.upload("latin.csv", SPOTIFY.replace(b"Admin Song", b"Caf\xe9 Song")).content.decode()
        self.assertIn("This file is not UTF-8 text", page)
        self.assertNotIn("codec", page)

    def test_times_are_formatted_and_the_reclustering_is_reported_finished(self):
        page = self.upload("mine.csv", SPOTIFY)
        text = page.content.decode()
        times = re.search(r'id="import-times">(.*?)</p>', text, re.S).group(1)
        self.assertIsNone(re.search(r"\d{4}-\d\d-\d\dT", times), times)  # no raw ISO timestamp
        self.assertRegex(times, r"Queued by charlie on \d{1,2} \w{3} \d{4}, \d\d:\d\d")
        # Eager Celery: the re-clustering ran with the import, so the page says it finished.
        newest = Clustering.objects.latest("created_at")
        self.assertNotEqual(newest.pk, self.clustering.pk)
        self.assertIn('data-status="done"', text)
        self.assertIn(f"clustering #{newest.pk}", text)
        self.assertNotIn("is being re-clustered", text)

    def test_each_format_shows_a_header_line_that_it_is_detected_from(self):
        page = self.client.get(reverse("admin:catalogue_track_import")).content.decode()
        self.assertEqual(set(EXAMPLE_HEADERS), set(FORMATS))
        for fmt, header in EXAMPLE_HEADERS.items():
            self.assertEqual(detect_format(header.split(",")), fmt)
            self.assertIn(f"<code>{header}</code>", page)
