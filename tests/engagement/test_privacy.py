"""A listener's engagement is theirs: in their export, gone with their history or account; older
rows go after ENGAGEMENT_RETENTION_DAYS (the Celery beat task)."""

import csv
import io
import zipfile
from datetime import timedelta

from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from engagement.models import Event, Impression
from engagement.services import record_batch
from engagement.tasks import purge_old_engagement
from tests.base import PASSWORD, BaseTestCase
from tests.engagement_support import batch, event, impression, make_items


class EngagementPrivacyTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        self.tracks, self.videos = make_items()
        t = self.tracks
        record_batch(
            data=batch([impression("a", t, self.videos)], [event("a", t[1], "play"), event("a", t[1], "like")]),
            user=self.alice,
        )
        record_batch(data=batch([impression("b", t, emotion="fear")], [event("b", t[0], "save")]), user=self.bob)
        record_batch(data=batch([impression("c", t, emotion="angry")], [event("c", t[2], "open")]), user=None)

    def test_the_export_holds_the_listener_s_lists_and_actions_only(self):
        self.client.force_login(self.alice)
        data = self.client.get(reverse("moods:export_json")).json()
        [shown] = data["engagement"]
        self.assertEqual((shown["emotion"], shown["strategy"], len(shown["items"])), ("sad", "match", 5))
        self.assertEqual(
            {(e["item_id"], e["action"], e["position"]) for e in shown["events"]},
            {(self.tracks[1].pk, "play", 2), (self.tracks[1].pk, "like", 2)},
        )
        archive = zipfile.ZipFile(io.BytesIO(self.client.get(reverse("moods:export_csv")).content))
        rows = list(csv.DictReader(io.StringIO(archive.read("engagement.csv").decode())))
        self.assertEqual(len(rows), 5 + 2)
        self.assertEqual({r["emotion"] for r in rows}, {"sad"})  # bob's fear and the anonymous angry are not here
        self.assertEqual(sorted(r["action"] for r in rows if r["action"]), ["like", "play"])

    def test_deleting_the_history_deletes_the_listener_s_engagement(self):
        self.client.force_login(self.alice)
        self.client.post(reverse("moods:delete_history"), {"confirmation": "Delete my history"})
        self.assertFalse(Impression.objects.filter(user=self.alice).exists())
        self.assertEqual(Impression.objects.count(), 2)  # bob's and the anonymous list stay
        self.assertEqual(Event.objects.count(), 2)

    def test_deleting_the_account_deletes_the_listener_s_engagement(self):
        self.client.force_login(self.bob)
        self.client.post(reverse("delete_account"), {"password": PASSWORD})
        self.assertEqual(sorted(Impression.objects.values_list("emotion", flat=True)), ["angry", "sad"])
        self.assertFalse(Event.objects.filter(action="save").exists())

    def test_the_retention_task_deletes_older_rows(self):
        self.assertEqual(settings.ENGAGEMENT_RETENTION_DAYS, 180)
        self.assertEqual(
            settings.CELERY_BEAT_SCHEDULE["engagement-purge-old-events"]["task"], purge_old_engagement.name
        )
        old = timezone.now() - timedelta(days=31)
        Impression.objects.filter(emotion="fear").update(created_at=old)
        Event.objects.filter(action="save").update(created_at=old)
        Event.objects.filter(action="like").update(created_at=old)  # an old event on a recent list
        with override_settings(ENGAGEMENT_RETENTION_DAYS=30):
            self.assertEqual(purge_old_engagement.delay().get(), 3)
        self.assertEqual(sorted(Impression.objects.values_list("emotion", flat=True)), ["angry", "sad"])
        self.assertEqual(sorted(Event.objects.values_list("action", flat=True)), ["open", "play"])
