"""The staff's mood statistics for a period with no mood recorded: one sentence, not a table of zeros."""

from django.urls import reverse

from tests.base import BaseTestCase
from tests.moods_support import NOON, record_sequence


class MoodStatisticsEmptyTests(BaseTestCase):
    def test_an_empty_period_says_so_and_a_full_one_shows_the_table(self):
        self.client.force_login(self.charlie)
        url = reverse("admin:moods_moodstatistics_changelist")
        empty = self.client.get(url, {"start": "2026-01-01", "end": "2026-01-30"}).content.decode()
        self.assertIn('id="mood-statistics-empty"', empty)
        self.assertIn("No mood was recorded between 1 Jan 2026 and 30 Jan 2026", empty)
        self.assertNotIn('id="mood-statistics"', empty)
        record_sequence(self.alice, ["happy", "sad"], start=NOON, step_s=120)
        day = NOON.date().isoformat()
        full = self.client.get(url, {"start": day, "end": day}).content.decode()
        self.assertIn('id="mood-statistics"', full)
        self.assertNotIn('id="mood-statistics-empty"', full)
