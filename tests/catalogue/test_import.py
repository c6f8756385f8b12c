"""Catalogue import: every format from the real shared files, bad rows by line, re-import updates."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from catalogue.importers import FormatError, import_tracks, song_key
from catalogue.models import Track
from tests.rec_fixtures import (
    DEEZER_TEST,
    MUSE_SAMPLE,
    MUSE_V3_HEAD,
    SPOTIFY_MOODS,
    FreshIndexMixin,
    temporary_dir,
    write_csv,
)

MUSE_HEADER = "track,artist,seeds,number_of_emotion_tags,valence_tags,arousal_tags,dominance_tags,mbid,spotify_id,genre"


def rows_of(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


class ImportFormatsTest(FreshIndexMixin, TestCase):
    def setUp(self):
        super().setUp()
        self.tmp = temporary_dir(self)

    def test_muse_v3_head_keeps_warriner_vad_tags_and_ids(self):
        report = import_tracks(MUSE_V3_HEAD)
        self.assertEqual(report.format, "muse_v3")
        self.assertEqual((report.rows, report.created, report.errors), (20, 20, []))
        first = rows_of(MUSE_V3_HEAD)[0]
        track = Track.objects.get(source="muse_v3", source_id=song_key(first["artist"], first["track"]))
        self.assertEqual((track.title, track.artist, track.genre), ("'Till I Collapse", "Eminem", "rap"))
        self.assertAlmostEqual(track.valence, 4.55)
        self.assertAlmostEqual(track.arousal, 5.273125)
        self.assertAlmostEqual(track.dominance, 5.690625)
        self.assertEqual(track.mood_tags, ["aggressive"])
        self.assertEqual(track.mood_tag_count, 6)
        self.assertEqual(track.spotify_id, "4xkOaSrkexMciUUogZKVTS")
        self.assertEqual(track.musicbrainz_id, "cab93def-26c5-4fb0-bedd-26ec4c1619e1")

    def test_muse_v3_with_leading_lastfm_url_is_the_same_catalogue(self):
        import_tracks(MUSE_V3_HEAD)
        lines = MUSE_V3_HEAD.read_text(encoding="utf-8").splitlines()
        with_url = ["lastfm_url," + lines[0]] + [
            f"https://www.last.fm/music/x/_/{i}," + line for i, line in enumerate(lines[1:])
        ]
        report = import_tracks(write_csv(self.tmp, "v3_full.csv", "\n".join(with_url) + "\n"))
        self.assertEqual(report.format, "muse_v3")
        self.assertEqual((report.created, report.unchanged), (0, 20))
        self.assertEqual(Track.objects.count(), 20)

    def test_muse_sample(self):
        report = import_tracks(MUSE_SAMPLE)
        self.assertEqual((report.format, report.created, report.errors), ("muse_sample", 1000, []))
        track = Track.objects.get(source="muse_sample", source_id=song_key("The Weeknd", "Loft Music"))
        self.assertEqual((track.valence, track.arousal, track.dominance), (8.0, 5.36, 5.92))
        self.assertEqual(track.mood_tags, ["ethereal"])

    def test_deezer_z_scores_become_warriner_scale_without_dominance(self):
        # The first 300 rows of the real file: the format is the point, not the volume.
        head = "".join(DEEZER_TEST.read_text(encoding="utf-8").splitlines(keepends=True)[:301])
        subset = write_csv(self.tmp, "deezer_head.csv", head)
        report = import_tracks(subset)
        self.assertEqual(report.format, "deezer")
        self.assertEqual((report.created, report.errors), (300, []))
        row = rows_of(subset)[0]
        track = Track.objects.get(source="deezer", source_id=row["dzr_sng_id"])
        self.assertEqual(track.deezer_id, row["dzr_sng_id"])
        self.assertAlmostEqual(track.valence, min(9, max(1, 5.92 + float(row["valence"]) * 1.33)))
        self.assertAlmostEqual(track.arousal, min(9, max(1, 4.60 + float(row["arousal"]) * 0.97)))
        self.assertIsNone(track.dominance)
        self.assertEqual(Track.objects.filter(source="deezer").count(), 300)

    def test_spotify_moods_valence_and_energy_become_valence_and_arousal(self):
        report = import_tracks(SPOTIFY_MOODS)
        self.assertEqual((report.format, report.created, report.errors), ("spotify_moods", 686, []))
        track = Track.objects.get(source="spotify_moods", source_id="2H7PHVdQ3mXqEHXcvclTB0")
        self.assertEqual(
            (track.title, track.artist, track.genre, track.mood_tags), ("1999", "Prince", "funk", ["happy"])
        )
        self.assertAlmostEqual(track.valence, 1 + 8 * 0.625)
        self.assertAlmostEqual(track.arousal, 1 + 8 * 0.73)
        self.assertIsNone(track.dominance)

    def test_unknown_header_is_refused_as_a_whole(self):
        path = write_csv(self.tmp, "odd.csv", "a,b,c\n1,2,3\n")
        with self.assertRaisesMessage(FormatError, "cannot tell the catalogue format") as refused:
            import_tracks(path)
        self.assertTrue(refused.exception.format_unknown)
        self.assertEqual(Track.objects.count(), 0)
        # The command line says how to name it there (the admin says it in its own words).
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("import_catalogue", str(path), "--no-refresh", stdout=io.StringIO(), stderr=err)
        self.assertIn("name it with --format (muse_v3, muse_sample, deezer, spotify_moods)", err.getvalue())


class BadRowsTest(FreshIndexMixin, TestCase):
    def test_each_bad_row_is_reported_with_its_line_and_the_rest_imported(self):
        text = (
            "\n".join(
                [
                    MUSE_HEADER,
                    "Good One,Artist A,['happy'],3,7.1,5.0,6.0,,,pop",  # line 2
                    ",Artist B,['sad'],3,2.1,3.0,4.0,,,pop",  # line 3: no title
                    "Too Bright,Artist C,['happy'],3,12,5.0,6.0,,,pop",  # line 4: out of range
                    "Broken,Artist D,['happy'],3,seven,5.0,6.0,,,pop",  # line 5: not a number
                    "\"Two\nLines\",Artist E,['calm'],2,6.0,3.0,5.0,,,folk",  # lines 6-7: a quoted newline is fine
                    "Short,Artist F,3",  # line 8: missing fields
                    "No Dominance,Artist G,['calm'],2,6.0,3.0,,,,folk",  # line 9: dominance may be missing
                    "Infinite,Artist H,['calm'],2,inf,3.0,5.0,,,folk",  # line 10: not a number
                ]
            )
            + "\n"
        )
        report = import_tracks(io.StringIO(text), name="upload.csv")
        self.assertEqual(
            report.errors,
            [
                (3, "missing track"),
                (4, "valence_tags 12 is outside 1–9"),
                (5, "valence_tags 'seven' is not a number"),
                (8, "expected 10 fields, found 3"),
                (10, "valence_tags 'inf' is not a number"),
            ],
        )
        self.assertEqual(report.rows, 8)
        self.assertEqual(report.created, 3)
        self.assertEqual(
            sorted(Track.objects.values_list("title", flat=True)), ["Good One", "No Dominance", "Two\nLines"]
        )
        self.assertIsNone(Track.objects.get(title="No Dominance").dominance)

    def test_a_repeated_track_is_noted_not_dropped_silently(self):
        text = f"{MUSE_HEADER}\nSame,Artist,[],1,6,5,5,,,\nSame,Artist,[],1,7,5,5,,,\n"
        report = import_tracks(io.StringIO(text))
        self.assertEqual(report.notes, [(3, "same track as line 2; this later row wins")])
        self.assertEqual(Track.objects.get().valence, 7)

    def test_command_prints_progress_line_errors_and_summary(self):
        path = write_csv(
            temporary_dir(self), "bad.csv", f"{MUSE_HEADER}\nFine,A,[],1,6,5,5,,,\nBad,B,[],1,0.5,5,5,,,\n"
        )
        out, err = io.StringIO(), io.StringIO()
        call_command("import_catalogue", str(path), "--no-refresh", stdout=out, stderr=err)
        self.assertIn(f"{path}, line 3: valence_tags 0.5 is outside 1–9", err.getvalue())
        self.assertIn("bad.csv: 2/2 (100%)", err.getvalue())
        self.assertIn("2 rows, 1 new, 0 updated, 0 unchanged, 1 rejected", out.getvalue())

    def test_command_refuses_an_unreadable_file(self):
        path = write_csv(temporary_dir(self), "odd.csv", "x,y\n1,2\n")
        with pytest.raises(CommandError):
            call_command("import_catalogue", str(path), "--no-refresh", stdout=io.StringIO(), stderr=io.StringIO())


class ReimportTest(FreshIndexMixin, TestCase):
    def test_reimport_updates_in_place_and_keeps_curation(self):
        import_tracks(MUSE_V3_HEAD)
        first = rows_of(MUSE_V3_HEAD)[0]
        track = Track.objects.get(source_id=song_key(first["artist"], first["track"]))
        track.youtube_id, track.is_active = "dQw4w9WgXcQ", False
        track.save()
        changed = MUSE_V3_HEAD.read_text(encoding="utf-8").replace(",6,4.55,5.273125,", ",6,4.75,5.273125,", 1)
        report = import_tracks(io.StringIO(changed))
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 1, 19))
        self.assertEqual(Track.objects.count(), 20)
        track.refresh_from_db()
        self.assertEqual(track.valence, 4.75)
        self.assertEqual((track.youtube_id, track.is_active), ("dQw4w9WgXcQ", False))

    def test_reimporting_the_same_file_changes_nothing(self):
        import_tracks(SPOTIFY_MOODS)
        report = import_tracks(SPOTIFY_MOODS)
        self.assertEqual((report.created, report.updated, report.unchanged), (0, 0, 686))
        self.assertEqual(Track.objects.count(), 686)
