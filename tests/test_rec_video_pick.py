"""The video pick: clips nearest the list's target, one per YouTube video, none the listener has rated."""

from django.test import TestCase

from core.emotions import WARRINER_VAD
from recommender.engine.video_pick import pick_videos, video_index
from recommender.models import Video
from recommender.videos import import_videos
from tests.rec_fixtures import FreshIndexMixin


class VideoPickTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        import_videos()

    def test_sad_clips_for_sad_and_bright_ones_for_happy(self):
        sad = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="match", limit=10)
        happy = pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=10)
        valence = dict(Video.objects.values_list("id", "valence"))
        self.assertEqual((len(sad), len(happy)), (10, 10))
        self.assertLess(max(valence[v["id"]] for v in sad), min(valence[v["id"]] for v in happy))
        self.assertTrue(all(v["reason"].endswith("for sad") for v in sad))
        lift = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="lift", limit=1)
        self.assertTrue(lift[0]["reason"].endswith("towards happy"))

    def test_one_clip_per_video_and_none_rated(self):
        first = pick_videos(WARRINER_VAD["fear"], emotion="fear", strategy="match", limit=20)
        self.assertEqual(len({v["youtube_id"] for v in first}), 20)
        skip = frozenset(v["id"] for v in first[:5])
        again = pick_videos(WARRINER_VAD["fear"], emotion="fear", strategy="match", skip=skip, limit=20)
        self.assertFalse(skip & {v["id"] for v in again})
        self.assertEqual([v["id"] for v in again[:15]], [v["id"] for v in first[5:]])

    def test_a_card_is_the_callers_own(self):
        card = pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=1)[0]
        card["mood_words"].append("changed")
        self.assertNotIn(
            "changed", pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=1)[0]["mood_words"]
        )
        with self.assertRaises(ValueError):
            video_index().vad[0, 0] = 0

    def test_no_videos_asked_or_none_stored(self):
        self.assertEqual(pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=0), [])
        Video.objects.all().delete()
        self.assertEqual(pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=4), [])
