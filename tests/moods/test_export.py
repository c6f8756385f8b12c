"""Exporting everything EmoTunes holds about a listener, as JSON and as a zip of CSVs."""

import csv
import io
import json
import zipfile
from datetime import timedelta

from django.urls import reverse

from moods.services import create_playlist
from tests.base import BaseTestCase
from tests.moods_support import NOON, like, make_track, record_sequence


class ExportTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks = [make_track(n) for n in range(1, 4)]
        record_sequence(self.alice, ["happy", "sad"])
        record_sequence(self.alice, ["neutral"], start=NOON + timedelta(minutes=5), source="manual")
        like(self.alice, self.tracks[0], emotion="happy")
        like(self.alice, self.tracks[1], emotion="sad", value=-1)
        create_playlist(
            user=self.alice,
            name='=HYPERLINK("http://evil")',
            track_ids=[self.tracks[2].id, self.tracks[0].id],
            emotion="happy",
        )
        # Bob's data must not leak into Alice's export.
        record_sequence(self.bob, ["fear", "angry", "disgust"])
        like(self.bob, self.tracks[2], emotion="fear")
        create_playlist(user=self.bob, name="Bob's secret mix", track_ids=[self.tracks[1].id])
        self.client.force_login(self.alice)

    def test_json_export_holds_history_ratings_and_playlists(self):
        response = self.client.get(reverse("moods:export_json"))
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment;", response["Content-Disposition"])
        self.assertIn(".json", response["Content-Disposition"])
        data = json.loads(response.content)
        self.assertEqual(data["account"]["username"], "alice")
        self.assertEqual(data["account"]["email"], "alice@example.org")
        self.assertEqual([e["emotion"] for e in data["mood_entries"]], ["happy", "sad", "neutral"])
        self.assertEqual([e["source"] for e in data["mood_entries"]], ["camera", "camera", "manual"])
        self.assertEqual(
            set(data["mood_entries"][0]),
            {"time", "emotion", "confidence", "valence", "arousal", "dominance", "source", "session_id"},
        )
        ratings = {r["track"]["title"]: (r["value"], r["emotion"]) for r in data["ratings"]}
        self.assertEqual(ratings, {"Song 1": (1, "happy"), "Song 2": (-1, "sad")})
        self.assertEqual(len(data["playlists"]), 1)
        self.assertEqual([t["title"] for t in data["playlists"][0]["tracks"]], ["Song 3", "Song 1"])
        text = response.content.decode()
        for secret in ("bob", "Bob's secret mix", "fear", "disgust"):
            self.assertNotIn(secret, text)

    def test_csv_export_is_a_zip_with_one_csv_per_kind(self):
        response = self.client.get(reverse("moods:export_csv"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn(".zip", response["Content-Disposition"])
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        self.assertEqual(
            sorted(archive.namelist()),
            ["account.csv", "engagement.csv", "mood_entries.csv", "neutral_face.csv", "playlists.csv", "ratings.csv"],
        )

        def rows(name):
            return list(csv.DictReader(io.StringIO(archive.read(name).decode())))

        self.assertEqual(rows("account.csv")[0]["username"], "alice")
        moods = rows("mood_entries.csv")
        self.assertEqual(
            [(r["emotion"], r["source"]) for r in moods],
            [("happy", "camera"), ("sad", "camera"), ("neutral", "manual")],
        )
        self.assertAlmostEqual(float(moods[1]["valence"]), 2.10)
        ratings = {r["title"]: (r["value"], r["emotion"], r["item_type"]) for r in rows("ratings.csv")}
        self.assertEqual(ratings, {"Song 1": ("1", "happy", "track"), "Song 2": ("-1", "sad", "track")})
        playlist = rows("playlists.csv")
        self.assertEqual([(r["position"], r["title"]) for r in playlist], [("1", "Song 3"), ("2", "Song 1")])
        # A name a spreadsheet would run as a formula is exported inert.
        self.assertTrue(playlist[0]["playlist_name"].startswith("'="))
        everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
        self.assertNotIn("Bob's secret mix", everything)
        self.assertNotIn("fear", everything)

    def test_the_export_page_links_both_formats(self):
        page = self.client.get(reverse("moods:export"))
        self.assertContains(page, reverse("moods:export_json"))
        self.assertContains(page, reverse("moods:export_csv"))

    def test_an_empty_account_exports_empty_lists(self):
        self.client.force_login(self.charlie)
        data = self.client.get(reverse("moods:export_json")).json()
        self.assertEqual((data["mood_entries"], data["ratings"], data["playlists"]), ([], [], []))
