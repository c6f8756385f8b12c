"""The staff's engagement figures on a fixed set of lists and events: per emotion × strategy, per
day and week, per item, the admin page (aggregates, chart data, CSV) and the report command."""

import csv
import io
from datetime import UTC, datetime, timedelta

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from engagement import statistics
from engagement.models import Impression
from engagement.services import record_batch
from tests.base import BaseTestCase
from tests.engagement_support import batch, event, impression, make_items

DAY1 = datetime(2026, 3, 10, 12, tzinfo=UTC)  # a Tuesday
DAY2 = datetime(2026, 3, 12, 12, tzinfo=UTC)  # the Thursday of the same week
NOW = datetime(2026, 3, 13, tzinfo=UTC)


class EngagementFiguresTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks, self.videos = make_items(3, 1)
        t0, t1, t2 = self.tracks
        v0 = self.videos[0]

        def shown(key, emotion, strategy, events, when):
            record_batch(
                data=batch(
                    [impression(key, self.tracks, self.videos, emotion=emotion, strategy=strategy)],
                    [event(key, *e) for e in events],
                ),
                user=self.alice if key in "AB" else None,
            )
            Impression.objects.filter(key=key).update(created_at=when)

        shown("A", "sad", "match", [(t1, "play"), (t1, "like"), (t0, "save")], DAY1)
        shown("B", "sad", "match", [(t0, "open"), (t2, "play")], DAY1)
        shown("C", "sad", "match", [], DAY1)
        shown("F", "sad", "iso", [(t1, "play")], DAY1)
        shown("D", "sad", "lift", [(t0, "dislike")], DAY2)
        shown("E", "happy", "match", [(v0, "play")], DAY2)
        Impression.objects.create(
            page_view="00000000-0000-4000-8000-000000000000",
            key="old",
            emotion="sad",
            strategy="match",
            items=[],
            created_at=NOW - timedelta(days=40),
        )  # outside the period

    def by_group(self, **kw):
        return {tuple(r["group"]): r for r in statistics.table(days=30, now=NOW, **kw)}

    def test_wilson_interval(self):
        low, high = statistics.wilson(2, 3)
        self.assertAlmostEqual(low, 0.2077, places=4)
        self.assertAlmostEqual(high, 0.9385, places=4)
        self.assertEqual(statistics.wilson(0, 0), (0.0, 1.0))
        self.assertEqual(statistics.wilson(0, 10)[0], 0.0)

    def test_per_emotion_and_strategy(self):
        rows = self.by_group()
        self.assertEqual(set(rows), {("sad", "match"), ("sad", "iso"), ("sad", "lift"), ("happy", "match")})
        sad = rows[("sad", "match")]
        self.assertEqual((sad["impressions"], sad["plays"]), (3, 3))
        self.assertAlmostEqual(sad["ctr"]["rate"], 2 / 3)
        self.assertAlmostEqual(sad["ctr"]["low"], 0.2077, places=4)
        self.assertAlmostEqual(sad["like"]["rate"], 1 / 3)
        self.assertAlmostEqual(sad["save"]["rate"], 1 / 3)
        self.assertEqual(sad["dislike"]["rate"], 0)
        self.assertEqual(sad["mean_first_play"], 1.5)  # A's first play at 2, B's at 1
        lift = rows[("sad", "lift")]
        self.assertEqual(
            (lift["impressions"], lift["ctr"]["rate"], lift["dislike"]["rate"], lift["mean_first_play"]),
            (1, 0, 1, None),
        )
        happy = rows[("happy", "match")]
        self.assertEqual((happy["ctr"]["rate"], happy["mean_first_play"]), (1, 1))
        self.assertLess(happy["ctr"]["low"], 0.3)  # one list: a wide interval

    def test_over_time(self):
        days = self.by_group(by="day")
        self.assertEqual(set(days), {("2026-03-10",), ("2026-03-12",)})
        self.assertEqual((days[("2026-03-10",)]["impressions"], days[("2026-03-10",)]["plays"]), (4, 4))
        self.assertAlmostEqual(days[("2026-03-10",)]["ctr"]["rate"], 3 / 4)
        self.assertAlmostEqual(days[("2026-03-12",)]["ctr"]["rate"], 1 / 2)
        weeks = self.by_group(by="week")
        self.assertEqual(list(weeks), [("2026-03-09",)])
        self.assertEqual(weeks[("2026-03-09",)]["impressions"], 6)
        self.assertAlmostEqual(weeks[("2026-03-09",)]["ctr"]["rate"], 4 / 6)

    def test_per_item_top_and_bottom(self):
        t0, t1, t2 = self.tracks
        items = statistics.items(days=30, now=NOW, n=2)
        self.assertEqual(items["track"]["count"], 3)
        top = items["track"]["top"]
        self.assertEqual([(r["item_id"], r["impressions"], r["played"]) for r in top], [(t1.pk, 6, 2), (t0.pk, 6, 1)])
        self.assertEqual((top[0]["likes"], top[1]["saves"], top[1]["dislikes"]), (1, 1, 1))
        self.assertEqual(top[0]["name"], "Artist 1 — Song 1")
        # The bottom repeats nothing of the top (issue 26: both were the same list when nothing played).
        self.assertEqual([r["item_id"] for r in items["track"]["bottom"]], [t2.pk])
        self.assertEqual([(r["played"], r["impressions"]) for r in items["video"]["top"]], [(1, 6)])


class EngagementAdminTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks, self.videos = make_items(3, 1)
        t0, t1, _ = self.tracks
        record_batch(data=batch([impression("A", self.tracks)], [event("A", t1, "play")]), user=self.alice)
        record_batch(
            data=batch([impression("B", self.tracks, strategy="lift")], [event("B", t0, "like")]), user=self.bob
        )
        self.url = reverse("admin:engagement_engagementstatistics_changelist")

    def test_staff_see_aggregates_charts_and_a_csv(self):
        self.client.force_login(self.charlie)
        page = self.client.get(self.url + "?days=7&by=week")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'id="engagement-data"')
        self.assertContains(page, "vendor/chartjs/chart.umd.js")
        self.assertContains(page, "sad / match")
        self.assertNotContains(page, "alice")  # aggregates, no listener
        self.assertNotContains(page, "<script>")  # CSP: no inline script
        response = self.client.get(self.url + "?format=csv")
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        self.assertEqual(rows[0], ["section", *statistics.TABLE_HEADER])
        match = next(r for r in rows if r[:2] == ["emotion_strategy", "sad / match"])
        self.assertEqual(match[2:5], ["1", "1", "1.0"])

    def test_listeners_are_refused(self):
        self.client.force_login(self.alice)
        self.assertNotEqual(self.client.get(self.url).status_code, 200)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)

    def test_the_command_prints_the_same_table(self):
        out = io.StringIO()
        call_command("engagement_report", "--days", "7", stdout=out)
        text = out.getvalue()
        self.assertIn("sad / match", text)
        self.assertIn("sad / lift", text)
        self.assertIn("1.000 [", text)
        out = io.StringIO()
        call_command("engagement_report", "--csv", "--by", "day", stdout=out)
        rows = list(csv.reader(io.StringIO(out.getvalue())))
        self.assertEqual(rows[0], statistics.TABLE_HEADER)
        self.assertEqual(rows[1][0], timezone.now().date().isoformat())
        self.assertEqual(rows[1][1:3], ["2", "1"])
