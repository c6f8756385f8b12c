"""Recommender test helpers: a small catalogue imported from the real shared files."""

import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission

from catalogue.clustering import refresh
from catalogue.importers import import_tracks
from recommender.selectors import reset_indexes
from videomood.videos import import_videos

DATA = Path(settings.EMOTUNES_DATA_DIR)
CATALOGUE = DATA / "catalogue"
MUSE_V3_HEAD = CATALOGUE / "muse_v3_head.csv"
MUSE_SAMPLE = CATALOGUE / "muse_sample_1000.csv"
SPOTIFY_MOODS = CATALOGUE / "spotify_moods_686.csv"
DEEZER_TEST = CATALOGUE / "deezer_mood" / "test.csv"


def import_small_catalogue(*, videos: bool = False, k: int = 7):
    """MuSe v3 head + MuSe sample + Spotify moods (~1,700 real songs), clustered; optionally the videos."""
    for path in (MUSE_V3_HEAD, MUSE_SAMPLE, SPOTIFY_MOODS):
        import_tracks(path)
    if videos:
        import_videos()
    return refresh(k=k, trigger="test", scan=False)


def write_csv(tmp_dir: Path, name: str, text: str) -> Path:
    path = Path(tmp_dir) / name
    path.write_text(text, encoding="utf-8")
    return path


def temporary_dir(test) -> Path:
    """A temporary folder removed when the test ends."""
    path = Path(tempfile.mkdtemp(prefix="emotunes-rec-"))
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path


def grant_curator_permissions(user) -> None:
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="catalogue"))


class FreshIndexMixin:
    """Each test rolls the database back under the in-process index: start every test without one."""

    def setUp(self):
        super().setUp()
        reset_indexes()

    def tearDown(self):
        reset_indexes()
        super().tearDown()
