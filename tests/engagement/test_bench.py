"""`manage.py bench_engagement`: p50/p95 of the event endpoint and of recommendations, nothing kept."""

import io
import re

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from engagement.models import Impression
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


class BenchEngagementTest(FreshIndexMixin, TestCase):
    def test_prints_the_timings_and_keeps_nothing(self):
        import_small_catalogue()
        out = io.StringIO()
        call_command("bench_engagement", "--calls", "21", "--fill", "300", stdout=out)
        text = out.getvalue()
        self.assertEqual(len(re.findall(r"p50 +[\d.]+ ms  p95 +[\d.]+ ms", text)), 6, text)
        self.assertIn("GET /api/recommendations/ 321 lists", text)  # 21 posted + 300 filled
        self.assertIn("added to a recommendations request", text)
        self.assertFalse(Impression.objects.exists())

    def test_refuses_without_a_clustering(self):
        with self.assertRaises(CommandError):
            call_command("bench_engagement", stdout=io.StringIO())
