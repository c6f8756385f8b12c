"""Music videos from MusicCaps and AudioSet, with VAD from the lexicons, and their mood agreement figure."""

import io

from django.core.management import call_command
from django.test import TestCase

from core.emotions import EMOTIONS
from recommender.models import Video
from recommender.vad import text_vad
from recommender.videos import import_videos
from tests.rec_fixtures import FreshIndexMixin


class VideoImportTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.report = import_videos()

    def test_clips_get_lexicon_vad_and_mood_words(self):
        self.assertEqual(self.report.errors, [])
        self.assertGreater(self.report.created, 5000)
        self.assertEqual(Video.objects.count(), self.report.created)
        self.assertFalse(Video.objects.filter(valence__lt=1).exists() or Video.objects.filter(valence__gt=9).exists())
        self.assertEqual(set(Video.objects.values_list("emotion", flat=True)), set(EMOTIONS))
        sad = Video.objects.get(youtube_id="-0Gj8-vB1q4", start_s=30)  # "It sounds sad and soulful"
        self.assertEqual(sad.source, "musiccaps")
        self.assertEqual(sad.mood_words[0], "sad")
        # Captions average many words, so compare with the typical clip rather than the scale's middle.
        valences = sorted(Video.objects.values_list("valence", flat=True))
        arousals = sorted(Video.objects.values_list("arousal", flat=True))
        self.assertLess(sad.valence, valences[len(valences) // 2])
        self.assertLess(sad.arousal, arousals[len(arousals) // 2])
        self.assertTrue(Video.objects.filter(source="audioset").exists())
        self.assertFalse(Video.objects.filter(audioset_moods=[], source="audioset").exists())

    def test_reimport_updates_not_duplicates(self):
        Video.objects.filter(youtube_id="-0Gj8-vB1q4").update(valence=9)
        again = import_videos()
        self.assertEqual((again.created, again.updated), (0, 1))
        self.assertEqual(Video.objects.count(), self.report.created)
        self.assertLess(Video.objects.get(youtube_id="-0Gj8-vB1q4", start_s=30).valence, 6)

    def test_lexicon_vad_weights_emotional_words(self):
        vad, words = text_vad("a happy, joyful upbeat song")
        self.assertGreater(vad[0], 7)
        self.assertEqual(words[0], "happy")
        self.assertEqual(text_vad("guitar recording"), (None, []))


class MoodAgreementCommandTest(TestCase):
    def test_prints_agreement_with_human_audioset_labels(self):
        out = io.StringIO()
        call_command("video_mood_agreement", stdout=out)
        text = out.getvalue()
        self.assertIn("MusicCaps clips with an AudioSet music-mood label: 551 scored", text)
        self.assertRegex(text, r"Agreement with the human label \(7 moods\): \d+\.\d%")
        for mood in ("Happy", "Sad", "Tender", "Exciting", "Angry", "Scary", "Funny"):
            self.assertIn(mood, text)
