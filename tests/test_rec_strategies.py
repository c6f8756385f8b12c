"""The three strategies: match stays with the mood, lift moves towards a better one, iso walks there."""

import statistics

from django.test import TestCase

from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.selectors import recommend
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


def distance(track, point):
    return ((track["valence"] - point[0]) ** 2 + (track["arousal"] - point[1]) ** 2) ** 0.5


class StrategiesTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.clustering = import_small_catalogue(videos=True)

    def test_match_answers_every_emotion_with_songs_of_its_cluster_and_videos(self):
        for emotion in EMOTIONS:
            result = recommend(emotion=emotion)
            self.assertEqual((result["emotion"], result["strategy"]), (emotion, "match"))
            self.assertEqual(len(result["tracks"]), 10, emotion)
            self.assertEqual(len(result["videos"]), 4, emotion)
            self.assertTrue(all(t["in_target_cluster"] and t["cluster_emotion"] == emotion for t in result["tracks"]))
            self.assertTrue(all(t["reason"].startswith(f"Fits {emotion}") for t in result["tracks"]))
            self.assertTrue(all(v["reason"] and v["youtube_id"] for v in result["videos"]))

    def test_match_is_closer_to_the_mood_than_the_catalogue_at_large(self):
        for emotion in ("happy", "sad"):
            target = WARRINER_VAD[emotion]
            matched = statistics.mean(distance(t, target) for t in recommend(emotion=emotion)["tracks"])
            other = "sad" if emotion == "happy" else "happy"
            elsewhere = statistics.mean(distance(t, target) for t in recommend(emotion=other)["tracks"])
            self.assertLess(matched, elsewhere)

    def test_lift_is_brighter_than_match_for_a_low_mood(self):
        for emotion in ("sad", "angry", "fear"):
            match = statistics.mean(t["valence"] for t in recommend(emotion=emotion)["tracks"])
            lift = statistics.mean(t["valence"] for t in recommend(emotion=emotion, strategy="lift")["tracks"])
            self.assertGreater(lift, match + 0.5, emotion)
            self.assertIn("towards", recommend(emotion=emotion, strategy="lift")["tracks"][0]["reason"])

    def test_iso_starts_at_the_mood_and_ends_at_the_goal(self):
        tracks = recommend(emotion="sad", strategy="iso")["tracks"]
        self.assertEqual(len(tracks), 10)
        sad, happy = WARRINER_VAD["sad"], WARRINER_VAD["happy"]
        self.assertLess(distance(tracks[0], sad), distance(tracks[0], happy))
        self.assertLess(distance(tracks[-1], happy), distance(tracks[-1], sad))
        valences = [t["valence"] for t in tracks]
        self.assertGreater(statistics.mean(valences[-3:]), statistics.mean(valences[:3]) + 2)
        self.assertEqual(tracks[3]["reason"], "Song 4 of 10 on the way from sad to happy")

    def test_iso_calms_an_agitated_mood(self):
        tracks = recommend(emotion="angry", strategy="iso")["tracks"]
        self.assertGreater(
            statistics.mean(t["arousal"] for t in tracks[:3]), statistics.mean(t["arousal"] for t in tracks[-3:]) + 1.5
        )
        self.assertIn("to calm", tracks[0]["reason"])

    def test_lists_are_diverse(self):
        for emotion in EMOTIONS:
            for strategy in ("match", "lift", "iso"):
                tracks = recommend(emotion=emotion, strategy=strategy, limit=20)["tracks"]
                artists = [t["artist"].casefold() for t in tracks]
                self.assertLessEqual(max(artists.count(a) for a in artists), 2, (emotion, strategy))
                songs = [(t["artist"].casefold(), t["title"].casefold()) for t in tracks]
                self.assertEqual(len(songs), len(set(songs)))
                self.assertEqual(len({t["id"] for t in tracks}), len(tracks))

    def test_a_vad_point_is_served_like_the_emotion_nearest_it(self):
        result = recommend(vad=(8.2, 6.0))
        self.assertEqual(result["emotion"], "happy")
        self.assertAlmostEqual(result["target_vad"]["valence"], 8.2)
        self.assertEqual(len(result["tracks"]), 10)

    def test_invalid_requests_are_refused(self):
        for kwargs in (
            {"emotion": "bored"},
            {"emotion": "happy", "strategy": "shuffle"},
            {},
            {"vad": (12, 5)},
            {"emotion": "happy", "limit": 0},
        ):
            with self.assertRaises(ValueError):
                recommend(**kwargs)
