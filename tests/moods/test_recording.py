"""moods.services.record_mood: what is saved, and the throttling that keeps a flickering face
from flooding the table."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from core.emotions import WARRINER_VAD
from moods.models import MoodEntry
from moods.services import MoodError, record_mood
from tests.base import BaseTestCase
from tests.moods_support import NOON, record_sequence

THROTTLE = {"MOOD_MIN_INTERVAL_S": 10.0, "MOOD_MAX_PER_HOUR": 60, "MOOD_SESSION_GAP_S": 1800.0}


def at(seconds: float):
    return NOON + timedelta(seconds=seconds)


@override_settings(**THROTTLE)
class RecordMoodTests(BaseTestCase):
    def test_saves_a_change_with_its_details(self):
        entry = record_mood(
            user=self.alice, emotion="happy", confidence=0.91, source="camera", vad=(7.5, 6.0, 6.5), at=at(0)
        )
        stored = MoodEntry.objects.get(pk=entry.pk)
        self.assertEqual((stored.user, stored.emotion, stored.source), (self.alice, "happy", "camera"))
        self.assertAlmostEqual(stored.confidence, 0.91)
        self.assertEqual((stored.valence, stored.arousal, stored.dominance), (7.5, 6.0, 6.5))
        self.assertEqual(stored.created_at, at(0))

    def test_vad_defaults_to_the_emotion_words_norms_and_accepts_a_dict(self):
        sad = record_mood(user=self.alice, emotion="sad", confidence=0.7, source="camera", at=at(0))
        self.assertEqual((sad.valence, sad.arousal, sad.dominance), WARRINER_VAD["sad"])
        happy = record_mood(
            user=self.alice,
            emotion="happy",
            confidence=0.7,
            source="camera",
            at=at(60),
            vad={"valence": 8, "arousal": 6, "dominance": 7},
        )
        self.assertEqual((happy.valence, happy.arousal, happy.dominance), (8.0, 6.0, 7.0))

    def test_anonymous_visitors_and_no_user_leave_nothing(self):
        self.assertIsNone(record_mood(user=AnonymousUser(), emotion="happy", confidence=0.9, source="camera"))
        self.assertIsNone(record_mood(user=None, emotion="happy", confidence=0.9, source="camera"))
        self.assertFalse(MoodEntry.objects.exists())

    def test_the_same_mood_again_is_not_a_change(self):
        record_mood(user=self.alice, emotion="happy", confidence=0.9, source="camera", at=at(0))
        for seconds in (5, 30, 600):
            self.assertIsNone(
                record_mood(user=self.alice, emotion="happy", confidence=0.95, source="camera", at=at(seconds))
            )
        self.assertEqual(MoodEntry.objects.filter(user=self.alice).count(), 1)

    def emotions(self, user=None):
        return list(MoodEntry.objects.filter(user=user or self.alice).values_list("emotion", flat=True))

    def test_a_mood_that_lasts_less_than_the_interval_is_revised_not_followed(self):
        record_mood(user=self.alice, emotion="happy", confidence=0.9, source="camera", at=at(0))
        sad = record_mood(user=self.alice, emotion="sad", confidence=0.6, source="camera", at=at(60))
        # Three seconds later the face settles on neutral: "sad" was a passing look.
        self.assertIsNone(record_mood(user=self.alice, emotion="neutral", confidence=0.7, source="camera", at=at(63)))
        self.assertEqual(self.emotions(), ["happy", "neutral"])
        revised = MoodEntry.objects.get(pk=sad.pk)
        self.assertEqual((revised.emotion, revised.created_at), ("neutral", at(60)))
        self.assertEqual((revised.valence, revised.arousal, revised.dominance), WARRINER_VAD["neutral"])
        self.assertAlmostEqual(revised.confidence, 0.7)
        # Once the interval has passed, a change is a new row again.
        self.assertIsNotNone(record_mood(user=self.alice, emotion="sad", confidence=0.6, source="camera", at=at(70)))
        self.assertEqual(self.emotions(), ["happy", "neutral", "sad"])

    def test_a_blip_and_back_leaves_no_trace(self):
        record_mood(user=self.alice, emotion="happy", confidence=0.9, source="camera", at=at(0))
        record_mood(user=self.alice, emotion="surprise", confidence=0.5, source="camera", at=at(60))
        self.assertIsNone(record_mood(user=self.alice, emotion="happy", confidence=0.9, source="camera", at=at(62)))
        self.assertEqual(self.emotions(), ["happy"])

    def test_a_flickering_face_for_a_minute_leaves_a_handful_of_rows(self):
        # Four analyses a second alternating between two emotions for a minute.
        for i in range(240):
            record_mood(
                user=self.alice, emotion=("happy", "neutral")[i % 2], confidence=0.5, source="camera", at=at(i * 0.25)
            )
        self.assertLessEqual(MoodEntry.objects.count(), 7)  # at most one per 10 s

    def test_a_mood_picked_by_hand_is_not_held_back_by_the_interval_nor_revised_by_the_camera(self):
        record_mood(user=self.alice, emotion="sad", confidence=0.8, source="camera", at=at(0))
        manual = record_mood(user=self.alice, emotion="happy", confidence=1.0, source="manual", at=at(2))
        self.assertEqual(manual.source, "manual")
        self.assertIsNone(record_mood(user=self.alice, emotion="happy", confidence=1.0, source="manual", at=at(4)))
        self.assertIsNone(record_mood(user=self.alice, emotion="sad", confidence=0.6, source="camera", at=at(5)))
        self.assertEqual(
            list(MoodEntry.objects.values_list("emotion", "source")), [("sad", "camera"), ("happy", "manual")]
        )

    @override_settings(MOOD_MAX_PER_HOUR=5)
    def test_hourly_cap(self):
        emotions = ["happy", "sad", "angry", "fear", "surprise", "neutral", "disgust", "happy"]
        saved = [
            record_mood(user=self.alice, emotion=e, confidence=0.8, source="manual", at=at(i * 60))
            for i, e in enumerate(emotions)
        ]
        self.assertEqual(sum(entry is not None for entry in saved), 5)
        self.assertIsNone(saved[5])
        # An hour after the first entries, there is room again.
        self.assertIsNotNone(
            record_mood(user=self.alice, emotion="sad", confidence=0.8, source="camera", at=at(3600 + 61))
        )

    def test_throttling_is_per_user(self):
        record_mood(user=self.alice, emotion="happy", confidence=0.9, source="camera", at=at(0))
        self.assertIsNotNone(record_mood(user=self.bob, emotion="sad", confidence=0.9, source="camera", at=at(1)))
        self.assertIsNotNone(record_mood(user=self.bob, emotion="happy", confidence=0.9, source="camera", at=at(12)))

    def test_entries_close_together_share_a_session_and_a_long_pause_starts_another(self):
        first, second = record_sequence(self.alice, ["happy", "sad"], step_s=600)
        self.assertEqual(first.session_id, second.session_id)
        # After the session gap even the same emotion is recorded again, in a new session.
        again = record_mood(user=self.alice, emotion="sad", confidence=0.8, source="camera", at=at(600 + 1801))
        self.assertIsNotNone(again)
        self.assertNotEqual(again.session_id, first.session_id)
        bobs = record_mood(user=self.bob, emotion="happy", confidence=0.8, source="camera", at=at(10))
        self.assertNotEqual(bobs.session_id, first.session_id)

    def test_confidence_is_clamped_to_0_1(self):
        self.assertEqual(record_mood(user=self.alice, emotion="fear", confidence=1.7, source="camera").confidence, 1.0)

    def test_bad_input_is_refused_with_a_clear_error_and_nothing_saved(self):
        cases = [
            {"emotion": "elated", "confidence": 0.5, "source": "camera"},
            {"emotion": "happy", "confidence": 0.5, "source": "telepathy"},
            {"emotion": "happy", "confidence": "very", "source": "camera"},
            {"emotion": "happy", "confidence": float("nan"), "source": "camera"},
            {"emotion": "happy", "confidence": 0.5, "source": "camera", "vad": (1, 2)},
            {"emotion": "happy", "confidence": 0.5, "source": "camera", "vad": {"valence": 5}},
        ]
        for kwargs in cases:
            with self.subTest(**{k: repr(v) for k, v in kwargs.items()}), self.assertRaises(MoodError):
                record_mood(user=self.alice, **kwargs)
        self.assertFalse(MoodEntry.objects.exists())
