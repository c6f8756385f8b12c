"""The admin's catalogue import as a Celery task (issue #16, item 9).

A size limit and a row limit before any parsing; the request only queues the task (run eagerly
here, as in the embedded set-up); the job's page shows its progress and summary, never a listing
of rejected rows, which come as a CSV to download; a control character (NUL and the like) in a
cell rejects its row.
"""

import csv
import io
import time
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from catalogue.models import Track
from tests.base import BaseTestCase
from tests.rec_fixtures import grant_curator_permissions

HEADER = "name,album,artist,id,valence,energy,mood,genre\n"
IMPORT = "admin:catalogue_track_import"


def row(n, title="Song", valence="0.8"):
    return f"{title} {n},LP,Curated Artist,ADMIN{n:017d},{valence},0.7,Happy,indie\n"


class CatalogueImportTaskTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)

    def upload(self, text: str | bytes, name="mine.csv"):
        data = text.encode() if isinstance(text, str) else text
        # Re-clustering a two-song catalogue is not the point here (tests/catalogue/test_admin.py does it).
        with mock.patch("catalogue.tasks.refresh_clustering"), self.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                reverse(IMPORT), {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "format": ""}
            )

    def test_an_upload_is_queued_and_its_page_offers_the_rejected_rows(self):
        text = HEADER + row(1) + row(2, valence="1.7") + row(3, title="Nul\x00Song") + row(4, title="Bell\x07") + row(5)
        started = time.perf_counter()
        response = self.upload(text)
        self.assertEqual(response.status_code, 302)
        page = self.client.get(response["Location"])
        print(f"\nqueued and imported in {time.perf_counter() - started:.2f} s")
        self.assertContains(page, 'data-status="done"')
        self.assertContains(page, "5 rows, 2 new")  # the NUL row, the bell row and the bad valence rejected
        self.assertContains(page, "3 rejected")
        self.assertNotContains(page, "valence 1.7 is outside")  # no listing on the page ...
        report = self.client.get(page.context["job_report_url"])  # ... but a CSV to download
        self.assertEqual(report["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn("attachment", report["Content-Disposition"])
        rows = list(csv.reader(io.StringIO(report.content.decode())))
        self.assertEqual(rows[0], ["line", "rejected because"])
        self.assertEqual([r[0] for r in rows[1:]], ["3", "4", "5"])
        self.assertIn("control character", rows[2][1])
        # (Compared in Python: SQLite's LIKE stops a pattern at a NUL.)
        self.assertFalse(any("\x00" in title for title in Track.objects.values_list("title", flat=True)))
        self.assertEqual(
            set(Track.objects.filter(source="spotify_moods").values_list("title", flat=True)), {"Song 1", "Song 5"}
        )

    @override_settings(CATALOGUE_IMPORT_MAX_BYTES=10_000)
    def test_a_file_over_the_size_limit_is_refused_before_it_is_read(self):
        response = self.upload(HEADER + row(1) * 400)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "larger than")
        self.assertFalse(Track.objects.filter(source="spotify_moods").exists())

    @override_settings(CATALOGUE_IMPORT_MAX_ROWS=1000)
    def test_a_file_of_too_many_rows_fails_without_reading_them_all(self):
        # The 2 MB file of 1,000,000 one-field rows took 14.2 s and a 60 MB page.
        started = time.perf_counter()
        response = self.upload(HEADER + "x\n" * 1_000_000)
        took = time.perf_counter() - started
        page = self.client.get(response["Location"])
        print(f"\n1,000,000 one-field rows: refused in {took:.2f} s, page of {len(page.content)} bytes")
        self.assertContains(page, 'data-status="failed"')
        self.assertContains(page, "more than 1000 rows")
        self.assertLess(len(page.content), 20_000)
        self.assertLess(took, 5.0)

    def test_a_job_page_that_does_not_exist_is_404(self):
        self.assertEqual(
            self.client.get(reverse("admin:catalogue_track_import_status", args=["0" * 32])).status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("admin:catalogue_track_import_rejected", args=["0" * 32])).status_code, 404
        )

    def test_listeners_cannot_see_a_job(self):
        response = self.upload(HEADER + row(1, valence="7"))
        job_url = response["Location"]
        self.client.force_login(self.alice)
        self.assertNotEqual(self.client.get(job_url).status_code, 200)
