"""The history page's chart data endpoints, computed from real entries."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.base import BaseTestCase
from tests.moods_support import NOON, like, make_track, record_sequence


@override_settings(MOOD_MIN_INTERVAL_S=10.0, MOOD_MAX_PER_HOUR=60, MOOD_SESSION_GAP_S=1800.0, TIME_ZONE="UTC")
class ChartDataTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        day1 = NOON - timedelta(days=2)
        # Monday: happy → sad → happy in one session; Wednesday: neutral → angry.
        self.monday = record_sequence(self.alice, ["happy", "sad", "happy"], start=day1, step_s=120)
        self.wednesday = record_sequence(self.alice, ["neutral", "angry"], start=NOON)
        record_sequence(self.bob, ["fear", "disgust"], start=NOON)  # Bob's must never show up
        self.client.force_login(self.alice)

    def get(self, name, **params):
        response = self.client.get(reverse(name), params)
        return response, response.json()

    def test_daily_counts_per_emotion_with_mean_valence(self):
        response, data = self.get("moods:api_daily", start="2026-11-23", end="2026-11-25")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(data["days"], ["2026-11-23", "2026-11-24", "2026-11-25"])
        self.assertEqual(data["counts"]["happy"], [2, 0, 0])
        self.assertEqual(data["counts"]["sad"], [1, 0, 0])
        self.assertEqual(data["counts"]["neutral"], [0, 0, 1])
        self.assertEqual(data["counts"]["angry"], [0, 0, 1])
        self.assertEqual(data["counts"]["fear"], [0, 0, 0])
        self.assertEqual(data["totals"], [3, 0, 2])
        self.assertAlmostEqual(data["mean_valence"][0], (8.47 * 2 + 2.10) / 3, places=3)
        self.assertIsNone(data["mean_valence"][1])
        self.assertAlmostEqual(data["mean_valence"][2], (5.50 + 2.50) / 2, places=3)

    def test_shares_over_the_chosen_period(self):
        _, everything = self.get("moods:api_shares", start="2026-11-23", end="2026-11-25")
        shares = {row["emotion"]: row for row in everything["shares"]}
        self.assertEqual(everything["total"], 5)
        self.assertEqual(shares["happy"]["count"], 2)
        self.assertAlmostEqual(shares["happy"]["share"], 0.4)
        self.assertEqual(shares["fear"]["count"], 0)
        self.assertAlmostEqual(sum(row["share"] for row in everything["shares"]), 1.0)
        # Only Wednesday.
        _, wednesday = self.get("moods:api_shares", start="2026-11-25", end="2026-11-25")
        self.assertEqual(wednesday["total"], 2)
        self.assertEqual({r["emotion"] for r in wednesday["shares"] if r["count"]}, {"neutral", "angry"})

    def test_days_parameter_counts_back_from_today(self):
        response, data = self.get("moods:api_daily", days=7)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(data["days"]), 7)
        self.assertEqual(data["end"], timezone.localdate().isoformat())

    def test_sessions_and_one_session_timeline(self):
        _, data = self.get("moods:api_sessions", start="2026-11-23", end="2026-11-25")
        self.assertEqual([s["entries"] for s in data["sessions"]], [2, 3])  # newest first
        monday_id = data["sessions"][1]["id"]
        self.assertEqual(monday_id, str(self.monday[0].session_id))
        response = self.client.get(reverse("moods:api_session", args=[monday_id]))
        timeline = response.json()
        self.assertEqual([e["emotion"] for e in timeline["entries"]], ["happy", "sad", "happy"])
        self.assertEqual([e["source"] for e in timeline["entries"]], ["camera"] * 3)
        times = [e["time"] for e in timeline["entries"]]
        self.assertEqual(times, sorted(times))

    def test_liked_songs_grouped_by_the_mood_they_were_liked_in(self):
        calm, upbeat, meh = make_track(1), make_track(2), make_track(3)
        like(self.alice, calm, emotion="sad")
        like(self.alice, upbeat, emotion="happy")
        like(self.alice, meh, emotion="happy", value=-1)  # a dislike is not a liked song
        like(self.bob, meh, emotion="happy")
        _, data = self.get("moods:api_liked")
        groups = {group["emotion"]: [row["track"]["title"] for row in group["tracks"]] for group in data["moods"]}
        self.assertEqual(groups, {"sad": ["Song 1"], "happy": ["Song 2"]})

    def test_bad_periods_answer_400_with_a_reason(self):
        for params in (
            {"start": "yesterday"},
            {"days": "-3"},
            {"days": "many"},
            {"start": "2026-11-25", "end": "2026-11-01"},
            {"start": "2020-01-01", "end": "2026-01-01"},
        ):
            with self.subTest(params=params):
                response, data = self.get("moods:api_daily", **params)
                self.assertEqual(response.status_code, 400)
                self.assertTrue(data["error"])
