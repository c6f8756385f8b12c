"""Engagement fed back into the recommender: songs shown often for an emotion and never played
sink in its lists (a Beta prior: little evidence, little effect), and on simulated listeners the
feedback raises click-through (engagement.simulation, manage.py evaluate_feedback)."""

import io
import re
import uuid

from django.core.management import call_command
from django.test import TestCase, override_settings

from engagement.feedback import track_penalties
from engagement.models import Impression
from engagement.services import record_batch
from recommender.engine import feedback as engine_feedback
from recommender.selectors import recommend
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


def show(emotion, track_ids, times, played=()):
    for _ in range(times):
        items = [{"type": "track", "id": t} for t in track_ids]
        events = [{"impression": "k", "item_type": "track", "item_id": t, "action": "play"} for t in played]
        record_batch(
            data={
                "page_view": str(uuid.uuid4()),
                "impressions": [{"key": "k", "emotion": emotion, "strategy": "match", "items": items}],
                "events": events,
            }
        )


class FeedbackTests(FreshIndexMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        import_small_catalogue()

    def setUp(self):
        super().setUp()
        engine_feedback.forget()
        self.addCleanup(engine_feedback.forget)

    def sad_ids(self):
        engine_feedback.forget()
        return [t["id"] for t in recommend(emotion="sad", strategy="match", limit=10, video_limit=0)["tracks"]]

    def test_penalties_follow_the_evidence_with_a_prior(self):
        ids = self.sad_ids()
        show("sad", ids, 30, played=ids[1:])  # ids[0] shown 30 times, never played; the rest played each time
        with override_settings(ENGAGEMENT_FEEDBACK=True, ENGAGEMENT_FEEDBACK_PRIOR=20.0):
            found, penalties = track_penalties("sad")
            self.assertEqual(list(found), [ids[0]])
            self.assertAlmostEqual(penalties[0], 1 - 20 / 50)  # (0 + 20m) / (30 + 20) ÷ m
            self.assertIsNone(track_penalties("happy"))  # no lists shown for happy
        self.assertIsNone(track_penalties("sad"))  # off by default

    def test_a_song_shown_often_and_never_played_sinks_for_that_emotion_only(self):
        ids = self.sad_ids()
        show("sad", ids, 2, played=ids[1:])  # little evidence: nothing moves much
        with override_settings(ENGAGEMENT_FEEDBACK=True):
            self.assertIn(ids[0], self.sad_ids())
            show("sad", ids, 60, played=ids[1:])
            now = self.sad_ids()
            self.assertNotIn(ids[0], now)
            self.assertEqual(now[:5], ids[1:6])
            happy = [t["id"] for t in recommend(emotion="happy", strategy="match", video_limit=0)["tracks"]]
        with override_settings(ENGAGEMENT_FEEDBACK=False):
            self.assertEqual(self.sad_ids(), ids)
            engine_feedback.forget()
            self.assertEqual(
                [t["id"] for t in recommend(emotion="happy", strategy="match", video_limit=0)["tracks"]], happy
            )

    def test_on_simulated_listeners_the_feedback_raises_click_through(self):
        out = io.StringIO()
        call_command("evaluate_feedback", "--rounds", "490", stdout=out)
        text = out.getvalue()
        without = float(re.search(r"without feedback +click-through [\d.]+  second half ([\d.]+)", text).group(1))
        with_ = float(re.search(r"with feedback +click-through [\d.]+  second half ([\d.]+)", text).group(1))
        self.assertGreater(with_, without + 0.03, text)
        self.assertFalse(Impression.objects.exists())  # rolled back
