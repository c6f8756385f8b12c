"""The table from AudioSet's seven music moods to the face emotions and strategies, in code and in the docs."""

import re
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase

from catalogue.mood_map import EMOTION_OF_MOOD, MOOD_MAP, MOODS, expected_vad, fits, mood_at, mood_vad
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.strategies import STRATEGIES, already_there


class MoodMapTest(SimpleTestCase):
    def test_every_emotion_and_strategy_has_fitting_moods(self):
        self.assertEqual(set(MOOD_MAP), set(EMOTIONS))
        for emotion in EMOTIONS:
            self.assertEqual(set(MOOD_MAP[emotion]), set(STRATEGIES))
            for strategy in STRATEGIES:
                moods = MOOD_MAP[emotion][strategy]
                with self.subTest(emotion=emotion, strategy=strategy):
                    self.assertTrue(moods)
                    self.assertTrue(set(moods) <= set(MOODS))
                    self.assertEqual(len(set(moods)), len(moods))
        used = {m for row in MOOD_MAP.values() for moods in row.values() for m in moods}
        self.assertEqual(used, set(MOODS))
        self.assertEqual(set(EMOTION_OF_MOOD), set(MOODS))

    def test_the_issues_examples_and_the_iso_paths(self):
        self.assertEqual(set(MOOD_MAP["sad"]["match"]), {"Sad", "Tender"})
        self.assertEqual(set(MOOD_MAP["sad"]["lift"]), {"Happy", "Exciting"})
        for emotion in EMOTIONS:
            path = MOOD_MAP[emotion]["iso"]
            with self.subTest(emotion=emotion):
                self.assertGreater(len(path), 1)
                self.assertEqual(path[0], MOOD_MAP[emotion]["match"][0])  # iso meets the listener first
                if not already_there(emotion):
                    self.assertIn(path[-1], MOOD_MAP[emotion]["lift"])  # and arrives where lift points
        self.assertEqual(MOOD_MAP["happy"]["iso"][-1], "Tender")  # happy winds down to calm

    def test_positions_take_turns_or_walk_the_path(self):
        self.assertEqual([mood_at("sad", "iso", i, 4) for i in range(4)], ["Sad", "Tender", "Tender", "Happy"])
        self.assertEqual([mood_at("angry", "iso", i, 4) for i in range(4)], ["Angry", "Exciting", "Happy", "Tender"])
        self.assertEqual([mood_at("sad", "match", i, 4) for i in range(4)], ["Sad", "Tender", "Sad", "Tender"])
        self.assertEqual(mood_at("fear", "iso", 0, 1), "Scary")

    def test_a_human_label_decides_before_the_prediction(self):
        self.assertTrue(fits("sad", "match", human=["Tender"], predicted="Angry"))
        self.assertFalse(fits("sad", "match", human=["Angry"], predicted="Sad"))
        self.assertTrue(fits("sad", "match", human=[], predicted="Sad"))
        self.assertTrue(fits("sad", "match", human=["Angry", "Sad"], predicted="Angry"))

    def test_vad_follows_the_mood_distribution(self):
        self.assertEqual(expected_vad({"Sad": 1.0}), WARRINER_VAD["sad"])
        half = expected_vad({"Happy": 0.5, "Sad": 0.5})
        self.assertAlmostEqual(half[0], (mood_vad()["Happy"][0] + mood_vad()["Sad"][0]) / 2, places=2)

    def test_the_docs_show_the_same_table(self):
        text = (Path(settings.BASE_DIR) / "docs" / "recommender.md").read_text(encoding="utf-8")
        rows = {}
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) == 4 and cells[0] in EMOTIONS:
                rows[cells[0]] = [re.findall("|".join(MOODS), cell) for cell in cells[1:]]
        self.assertEqual(set(rows), set(EMOTIONS))
        for emotion, (match, lift, iso) in rows.items():
            with self.subTest(emotion=emotion):
                self.assertEqual(
                    (tuple(match), tuple(lift), tuple(iso)),
                    (MOOD_MAP[emotion]["match"], MOOD_MAP[emotion]["lift"], MOOD_MAP[emotion]["iso"]),
                )
