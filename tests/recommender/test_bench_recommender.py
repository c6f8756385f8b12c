"""`manage.py bench_recommender`: times recommend() on the shared catalogue and on a generated scale set."""

import io
import re

from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import TestCase

from catalogue.models import Clustering, Track
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue

CASES = ("personalised", "personalised, cold", "anonymous")


class BenchRecommenderTest(FreshIndexMixin, TestCase):
    def test_prints_the_timings_of_both_sets_and_keeps_nothing(self):
        clustering = import_small_catalogue()
        tracks = Track.objects.count()
        out = io.StringIO()
        call_command("bench_recommender", "--calls", "21", "--scale", "3000", stdout=out, stderr=io.StringIO())
        text = out.getvalue()
        self.assertIn(f"recommend() on the shared catalogue ({tracks} active tracks), 21 calls", text)
        self.assertIn("recommend() on the GENERATED set (3000 active tracks), 21 calls", text)
        self.assertIn("Refresh of a GENERATED scale set of 3000 tracks", text)
        self.assertIn("index build", text)
        for case in CASES:
            rows = re.findall(rf"^  {re.escape(case)} +wall p50 +[\d.]+ ms  p95 +[\d.]+ ms", text, re.MULTILINE)
            self.assertEqual(len(rows), 2, case)  # one per set
        # Everything it made was rolled back.
        self.assertEqual(Track.objects.count(), tracks)
        self.assertEqual(Clustering.objects.get(is_active=True), clustering)
        self.assertFalse(Track.objects.filter(title__startswith="Generated").exists())

    def test_refuses_without_a_clustering(self):
        with self.assertRaises(CommandError):
            call_command("bench_recommender", "--skip-scale", stdout=io.StringIO())
