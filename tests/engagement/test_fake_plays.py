"""Fake plays are bounded (issue #25, item 9).

450 anonymous batches from 4 addresses in 15 s added 5,400 lists and 10,800 plays (each batch a
fresh random page view), slowed the staff's dashboard from 0.03 to 1.75 s and, with the feedback
on, would have steered the ranking. Now:

- one page view shows at most ENGAGEMENT_MAX_LISTS_PER_PAGE_VIEW lists (a typed 400 beyond), and
  one address starts at most ENGAGEMENT_PAGE_VIEW_RATE page views (429 beyond);
- the feedback counts one vote per page view and song, however many lists the page view sent;
- the dashboard reads per-day roll-ups, not the lists and events; today's and yesterday's are made
  again only when older than ENGAGEMENT_DASHBOARD_REFRESH_S.
"""

import json
import uuid
from datetime import UTC, datetime, timedelta

from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test import Client, override_settings

from engagement import rollup, statistics
from engagement.feedback import track_penalties
from engagement.models import DayRollup, Event, Impression
from engagement.services import record_batch
from tests.base import BaseTestCase
from tests.engagement_support import batch, event, impression, make_items

URL = "/api/engagement/"
NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)


class FakePlaysTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.client = Client(enforce_csrf_checks=True)
        self.token = _mask_cipher_secret(_get_new_csrf_string())
        self.client.cookies["csrftoken"] = self.token
        self.tracks, self.videos = make_items(3, 1)

    def post(self, body):
        return self.client.post(
            URL, json.dumps(body), content_type="application/json", headers={"X-CSRFToken": self.token}
        )

    def lists(self, page_view, first: int, n: int, plays=True) -> dict:
        keys = [f"k{first + i}" for i in range(n)]
        return batch(
            [impression(k, self.tracks) for k in keys],
            [event(k, self.tracks[1], "play") for k in keys] if plays else [],
            page_view=page_view,
        )

    @override_settings(ENGAGEMENT_RATE="1000/m")
    def test_a_page_view_shows_at_most_the_limit_of_lists(self):
        page_view = uuid.uuid4()
        codes = [self.post(self.lists(page_view, 20 * n, 20)).status_code for n in range(5)]
        over = self.post(self.lists(page_view, 100, 1))
        print(f"\n5 batches of 20 lists on one page view: {codes}; a 101st list: {over.status_code} {over.json()}")
        self.assertEqual(codes, [202] * 5)
        self.assertEqual((over.status_code, over.json()["field"]), (400, "page_view"))
        self.assertEqual(Impression.objects.filter(page_view=page_view).count(), 100)
        self.assertEqual(Event.objects.count(), 100)  # one play per list: the 101st's was not kept

    @override_settings(ENGAGEMENT_RATE="1000/m", ENGAGEMENT_PAGE_VIEW_RATE="3/m")
    def test_an_address_starts_at_most_the_rate_of_page_views(self):
        page_views = [uuid.uuid4() for _ in range(5)]
        codes = [self.post(self.lists(p, 0, 1)).status_code for p in page_views]
        # A known page view goes on: a later event on its list, and a later list.
        later = self.post(batch([], [event("k0", self.tracks[0], "like")], page_view=page_views[0])).status_code
        more = self.post(self.lists(page_views[1], 1, 1)).status_code
        print(f"\n5 new page views from one address at 3/m: {codes}; a known page view's next batches: {later}, {more}")
        self.assertEqual(codes, [202, 202, 202, 429, 429])
        self.assertEqual((later, more), (202, 202))
        self.assertEqual(Impression.objects.values("page_view").distinct().count(), 3)

    def test_one_page_view_is_one_vote_in_the_feedback(self):
        x, y = self.tracks[0].pk, self.tracks[1].pk
        items = [{"type": "track", "id": x}, {"type": "track", "id": y}]

        def page_view_showing(n_lists):
            page_view = str(uuid.uuid4())
            for first in range(0, n_lists, 20):
                keys = [f"k{first + i}" for i in range(min(20, n_lists - first))]
                record_batch(
                    data={
                        "page_view": page_view,
                        "impressions": [
                            {"key": k, "emotion": "sad", "strategy": "match", "items": items} for k in keys
                        ],
                        "events": [
                            {"impression": k, "item_type": "track", "item_id": y, "action": "play"} for k in keys
                        ],
                    }
                )

        with override_settings(ENGAGEMENT_FEEDBACK=True):
            page_view_showing(60)  # one page view: 60 lists of x never played
            one_page_view = track_penalties("sad")
            for _ in range(30):  # 30 page views that each showed x and never played it
                page_view_showing(1)
            many = track_penalties("sad")
        print(f"\none page view's 60 lists: {one_page_view}; then 30 more page views: {many}")
        self.assertIsNone(one_page_view)  # 2 votes: too little evidence to move anything
        self.assertEqual(list(many[0]), [x])  # real evidence still counts

    def test_closed_days_are_read_from_their_roll_ups(self):
        when = NOW - timedelta(days=5)
        record_batch(data=self.lists(uuid.uuid4(), 0, 4))
        record_batch(data=self.lists(uuid.uuid4(), 0, 2, plays=False))
        Impression.objects.update(created_at=when)
        first = {tuple(r["group"]): r for r in statistics.table(days=30, now=NOW)}
        top = statistics.items(days=30, now=NOW, min_impressions=1)["track"]["top"]
        self.assertTrue(DayRollup.objects.filter(day=when.date()).exists())
        self.assertEqual((first[("sad", "match")]["impressions"], first[("sad", "match")]["plays"]), (6, 4))
        self.assertEqual({r["item_id"]: (r["impressions"], r["played"]) for r in top}[self.tracks[1].pk], (6, 4))
        # The closed day's lists change under the dashboard: it reads the roll-up, not them ...
        Impression.objects.update(emotion="angry")
        self.assertEqual({tuple(r["group"]) for r in statistics.table(days=30, now=NOW)}, {("sad", "match")})
        # ... until the day is rolled up again.
        rollup.roll_up(when.date())
        self.assertEqual({tuple(r["group"]) for r in statistics.table(days=30, now=NOW)}, {("angry", "match")})
        by_day = statistics.table(days=30, now=NOW, by="day")
        self.assertEqual([(r["group"], r["impressions"]) for r in by_day], [([when.date().isoformat()], 6)])

    def test_today_is_rolled_up_again_only_when_its_roll_up_is_stale(self):
        record_batch(data=self.lists(uuid.uuid4(), 0, 3))
        self.assertEqual(statistics.table(days=1)[0]["impressions"], 3)
        record_batch(data=self.lists(uuid.uuid4(), 0, 2))  # a flood goes on ...
        self.assertEqual(statistics.table(days=1)[0]["impressions"], 3)  # ... read once per refresh, not per look
        with override_settings(ENGAGEMENT_DASHBOARD_REFRESH_S=0):
            self.assertEqual(statistics.table(days=1)[0]["impressions"], 5)

    def test_the_period_is_the_whole_days_it_touches(self):
        days = rollup.days_of(NOW - timedelta(days=3), NOW)
        self.assertEqual([d.isoformat() for d in days], ["2026-03-17", "2026-03-18", "2026-03-19", "2026-03-20"])
        self.assertEqual(
            rollup.days_of(datetime(2026, 3, 12, tzinfo=UTC), datetime(2026, 3, 13, tzinfo=UTC)),
            [NOW.date().replace(day=12)],
        )
