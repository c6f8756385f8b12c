"""`make data`: imports the shared catalogues and videos, builds clusters, and is quick when nothing changed."""

import io
from pathlib import Path

from django.core.management import call_command
from django.test import TestCase, override_settings

from catalogue.models import Clustering, Track
from tests.rec_fixtures import DATA, FreshIndexMixin, temporary_dir


def small_data_dir(root: Path) -> Path:
    """A data folder of links to two real catalogues and the lexicons (no videos): quick to import."""
    (root / "catalogue").mkdir()
    for name in ("muse_v3_head.csv", "spotify_moods_686.csv"):
        (root / "catalogue" / name).symlink_to(DATA / "catalogue" / name)
    (root / "lexicons").symlink_to(DATA / "lexicons")
    return root


class LoadSharedDataTest(FreshIndexMixin, TestCase):
    def test_imports_clusters_then_skips_until_a_source_changes(self):
        data, var = small_data_dir(temporary_dir(self)), temporary_dir(self)
        with override_settings(EMOTUNES_DATA_DIR=data, VAR_DIR=var):
            out = io.StringIO()
            call_command("load_shared_data", stdout=out, stderr=io.StringIO())
            self.assertIn("spotify_moods_686.csv (spotify_moods): 686 rows, 686 new", out.getvalue())
            self.assertEqual(Track.objects.count(), 706)
            first = Clustering.objects.get(is_active=True)
            self.assertEqual(first.n_tracks, 706)

            out = io.StringIO()
            call_command("load_shared_data", stdout=out, stderr=io.StringIO())
            self.assertIn("up to date", out.getvalue())
            self.assertEqual(Clustering.objects.count(), 1)

            (data / "catalogue" / "extra.csv").write_text("x")  # not a catalogue file: ignored
            (data / "catalogue" / "muse_v3_head.csv").unlink()
            (data / "catalogue" / "muse_v3_head.csv").write_text(
                (DATA / "catalogue" / "muse_v3_head.csv").read_text(encoding="utf-8").replace(",6,4.55,", ",6,4.65,", 1)
            )
            out = io.StringIO()
            call_command("load_shared_data", stdout=out, stderr=io.StringIO())
            self.assertIn("20 rows, 0 new, 1 updated, 19 unchanged", out.getvalue())
            self.assertEqual(Track.objects.count(), 706)
            self.assertNotEqual(Clustering.objects.get(is_active=True).pk, first.pk)
