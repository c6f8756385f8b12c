"""The video pick: clips whose music mood fits the emotion and strategy, human labels first, no clip twice."""

from django.test import TestCase

from catalogue.models import Video
from catalogue.mood_map import MOODS, expected_vad, fits
from core.emotions import EMOTIONS, WARRINER_VAD
from recommender.engine.strategies import STRATEGIES
from recommender.engine.video_pick import pick_videos, video_index
from tests.rec_fixtures import FreshIndexMixin


def add_video(youtube_id, mood, *, human=False, p=0.6, phrase="Gentle, sad piano", start_s=30, caption="A caption."):
    v, a, d = expected_vad({mood: 1.0})
    return Video.objects.create(
        youtube_id=youtube_id,
        start_s=start_s,
        title=f"{mood} piano music {youtube_id}",  # a list shows a title once
        caption=caption,
        mood=mood,
        mood_source="human" if human else "model",
        mood_probabilities={m: (p if m == mood else (1 - p) / 6) for m in MOODS},
        mood_words=phrase.lower().replace(",", "").split()[:2] if phrase else [],
        mood_phrase=phrase,
        audioset_moods=[mood] if human else [],
        valence=v,
        arousal=a,
        dominance=d,
        source="musiccaps",
    )


class VideoPickTest(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        for number, mood in enumerate(MOODS):
            for i in range(5):  # per mood: 2 human-labelled clips, 3 predicted with rising certainty
                add_video(f"{mood[:3]}{i}-{number}", mood, human=i < 2, p=0.4 + 0.1 * i)
            # and ten less certain ones, so that 21 lists of clips in at most 3 lists each can be made
            for i in range(10):
                add_video(f"fill{number}-{i:02d}", mood, p=0.3 - 0.01 * i)

    def moods_of(self, cards):
        return [c["mood"] for c in cards]

    def test_every_emotion_and_strategy_gets_four_fitting_videos(self):
        for emotion in EMOTIONS:
            for strategy in STRATEGIES:
                with self.subTest(emotion=emotion, strategy=strategy):
                    cards = pick_videos(WARRINER_VAD[emotion], emotion=emotion, strategy=strategy)
                    self.assertEqual(len(cards), 4)
                    self.assertTrue(all(fits(emotion, strategy, human=[], predicted=c["mood"]) for c in cards))
                    self.assertEqual(len({c["youtube_id"] for c in cards}), 4)

    def test_match_takes_turns_and_iso_walks_from_the_mood_to_the_goal(self):
        sad = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="match")
        self.assertEqual(self.moods_of(sad), ["Sad", "Tender", "Sad", "Tender"])
        self.assertTrue(all(c["mood_source"] == "human" for c in sad))  # human labels first
        iso = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="iso")
        self.assertEqual(self.moods_of(iso), ["Sad", "Tender", "Tender", "Happy"])
        self.assertEqual(iso[0]["reason"], "Gentle, sad piano — for a sad mood")
        self.assertEqual(iso[-1]["reason"], "Gentle, sad piano — towards happy")
        lift = pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="lift")
        self.assertEqual(self.moods_of(lift), ["Exciting", "Happy", "Exciting", "Happy"])
        self.assertTrue(all(c["reason"].endswith("happy, with more energy") for c in lift))
        calm = pick_videos(WARRINER_VAD["fear"], emotion="fear", strategy="lift")
        self.assertTrue(all(c["reason"].endswith("towards calm") for c in calm))

    def test_after_the_human_labels_the_surest_prediction(self):
        cards = pick_videos(WARRINER_VAD["fear"], emotion="fear", strategy="match", limit=5)
        # Human labels (model's certainty 0.5, 0.4), then predictions (0.8, 0.7); the next page prefers
        # a Scary clip no other list shows (disgust's match list took 0.6's) to one in two lists.
        self.assertEqual([c["youtube_id"] for c in cards[:4]], ["Sca1-6", "Sca0-6", "Sca4-6", "Sca3-6"])
        self.assertEqual(cards[4]["mood"], "Scary")

    def test_a_card_names_its_words_or_says_where_its_mood_came_from(self):
        add_video("nophrase001", "Angry", human=True, p=0.99, phrase="")
        Video.objects.filter(youtube_id__startswith="Ang").update(is_active=False)
        card = pick_videos(WARRINER_VAD["angry"], emotion="angry", strategy="match", limit=1)[0]
        self.assertEqual(card["reason"], "Labelled “angry music” on AudioSet — for an angry mood")
        self.assertEqual(
            set(card),
            {"id", "youtube_id", "start_s", "title", "caption", "mood", "mood_source", "mood_words", "reason"},
        )

    def test_no_clip_twice_none_rated_and_the_nearest_when_the_moods_run_out(self):
        Video.objects.filter(youtube_id__startswith="fill").update(is_active=False)
        add_video("Sad0-2", "Sad", human=True, p=0.99, start_s=90)  # a second clip of a video already there
        first = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="match", limit=20)
        self.assertEqual(len(first), 20)
        self.assertEqual(len({c["youtube_id"] for c in first}), 20)
        # All ten fitting clips first (the first page alternates), then the nearest others.
        self.assertEqual(self.moods_of(first[:4]), ["Sad", "Tender"] * 2)
        self.assertEqual(set(self.moods_of(first[:10])), {"Sad", "Tender"})
        self.assertNotIn("Sad", self.moods_of(first[10:]))
        self.assertNotIn("Tender", self.moods_of(first[10:]))
        skip = frozenset(c["id"] for c in first[:3])
        again = pick_videos(WARRINER_VAD["sad"], emotion="sad", strategy="match", skip=skip, limit=20)
        self.assertFalse(skip & {c["id"] for c in again})

    def test_a_card_is_the_callers_own(self):
        card = pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=1)[0]
        card["mood_words"].append("changed")
        again = pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=1)[0]
        self.assertNotIn("changed", again["mood_words"])
        with self.assertRaises(ValueError):
            video_index().vad[0, 0] = 0

    def test_no_videos_asked_or_none_stored(self):
        self.assertEqual(pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=0), [])
        Video.objects.all().delete()
        self.assertEqual(pick_videos(WARRINER_VAD["happy"], emotion="happy", strategy="match", limit=4), [])
