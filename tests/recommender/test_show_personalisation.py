"""`manage.py show_personalisation`: the demo prints both lists and keeps nothing.

The command lives in recommender/ (it only drives recommender.selectors and services); it
moved there from moods/, and its test from tests/moods/test_personalisation.py.
"""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from recommender.models import Rating
from recommender.selectors import reset_indexes
from tests.base import BaseTestCase
from tests.moods_support import make_track


class ShowPersonalisationTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        reset_indexes()
        # Songs close to "sad" (valence 2.1, arousal 3.5) and songs elsewhere, so the scale is
        # the whole 1–9 range.
        for n in range(12):
            make_track(n, valence=2.0 + 0.1 * n, arousal=3.5, dominance=3.8)
        for n in range(12):
            make_track(200 + n, valence=5 + n / 3, arousal=4 + n / 3, dominance=5)

    def test_the_demo_command_prints_both_lists_and_keeps_nothing(self):
        out = StringIO()
        call_command(
            "show_personalisation", "--emotion", "sad", "--limit", "5", "--likes", "2", "--dislikes", "1", stdout=out
        )
        text = out.getvalue()
        self.assertIn("Before any rating", text)
        self.assertIn("After 3 ratings (personalised=True)", text)
        self.assertIn("disliked songs still offered: 0", text)
        self.assertFalse(get_user_model().objects.filter(username__startswith="personalisation-demo").exists())
        self.assertFalse(Rating.objects.exists())
