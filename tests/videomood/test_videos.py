"""Music videos from MusicCaps and AudioSet: each clip's mood (human label, else the caption model) and its card."""

import io

from django.core.management import call_command
from django.test import TestCase

from catalogue.models import Video
from catalogue.mood_map import MOODS
from catalogue.vad import text_vad
from core.emotions import EMOTIONS
from recommender.engine.strategies import STRATEGIES
from recommender.selectors import recommend
from tests.rec_fixtures import FreshIndexMixin
from videomood.videos import import_videos


class VideoImportTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.report = import_videos()

    def test_every_clip_gets_a_mood_distribution_and_vad(self):
        self.assertEqual(self.report.errors, [])
        self.assertEqual((self.report.created, Video.objects.count()), (5792, 5792))
        self.assertEqual(Video.objects.filter(source="musiccaps").count(), 5521)
        self.assertEqual((self.report.human, self.report.predicted), (551 + 271, 4970))
        for video in Video.objects.order_by("?")[:200]:
            with self.subTest(video=str(video)):
                self.assertIn(video.mood, MOODS)
                self.assertAlmostEqual(sum(video.mood_probabilities.values()), 1.0, places=2)
                self.assertTrue(1 <= video.valence <= 9 and 1 <= video.arousal <= 9)
                self.assertLessEqual(len(video.title), 60)
                self.assertIn(video.emotion, EMOTIONS)
        self.assertFalse(Video.objects.filter(source="audioset", audioset_moods=[]).exists())

    def test_a_human_label_is_the_truth_and_the_model_reads_the_rest(self):
        labelled = Video.objects.exclude(audioset_moods=[])
        self.assertFalse(labelled.exclude(mood_source="human").exists())
        self.assertTrue(all(v.mood in v.audioset_moods for v in labelled))
        self.assertFalse(Video.objects.filter(audioset_moods=[]).exclude(mood_source="model").exists())
        # MusicCaps -0Gj8-vB1q4 has no AudioSet mood: "It sounds sad and soulful".
        sad = Video.objects.get(youtube_id="-0Gj8-vB1q4", start_s=30)
        self.assertEqual((sad.source, sad.mood_source, sad.mood), ("musiccaps", "model", "Sad"))
        self.assertEqual(sad.mood, max(sad.mood_probabilities, key=sad.mood_probabilities.get))
        self.assertEqual(sad.mood_words[0], "sad")
        self.assertEqual(sad.title, "Sad strings ballad")
        self.assertTrue(sad.caption.startswith("The low quality recording features a ballad song"))
        self.assertLess(sad.valence, 4.5)
        metal = Video.objects.get(youtube_id="0ZXWSO_Y2C0", start_s=160)  # AudioSet: Angry music
        self.assertEqual((metal.mood, metal.mood_source, metal.emotion), ("Angry", "human", "angry"))
        self.assertEqual(metal.title, "Aggressive electric guitar metal")
        self.assertEqual(metal.mood_phrase, "Aggressive, distorted electric guitar")
        self.assertEqual((metal.valence, metal.arousal), (2.53, 6.2))  # Warriner's "angry"

    def test_reimport_updates_not_duplicates(self):
        Video.objects.filter(youtube_id="-0Gj8-vB1q4").update(valence=9, title="changed")
        again = import_videos()
        self.assertEqual((again.created, again.updated, again.unchanged), (0, 1, 5791))
        self.assertEqual(Video.objects.count(), 5792)
        self.assertEqual(Video.objects.get(youtube_id="-0Gj8-vB1q4", start_s=30).title, "Sad strings ballad")

    def test_every_list_of_the_catalogue_shows_fitting_readable_cards(self):
        out = io.StringIO()
        call_command("video_mood_agreement", "--no-tune", stdout=out)
        self.assertIn("Fitting: 84/84 (100%) over 21 emotion × strategy lists", out.getvalue())
        for emotion in EMOTIONS:
            for strategy in STRATEGIES:
                videos = recommend(emotion=emotion, strategy=strategy)["videos"]
                with self.subTest(emotion=emotion, strategy=strategy):
                    self.assertEqual(len({v["id"] for v in videos}), 4)
                    self.assertEqual(len({v["youtube_id"] for v in videos}), 4)
                    for video in videos:
                        self.assertLessEqual(len(video["title"]), 60)
                        self.assertNotEqual(video["title"], video["caption"])
                        self.assertRegex(video["reason"], r"^[A-Z][a-z-]+(, [a-z-]+)?( [a-z ]+)? — ")

    def test_lexicon_vad_weights_emotional_words(self):
        vad, words = text_vad("a happy, joyful upbeat song")
        self.assertGreater(vad[0], 7)
        self.assertEqual(words[0], "happy")
        self.assertEqual(text_vad("guitar recording"), (None, []))
