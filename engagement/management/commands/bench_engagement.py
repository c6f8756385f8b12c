"""Time what engagement adds, through the whole HTTP stack (django.test.Client, middleware included):

* POST /api/engagement/ with the batch the live page sends for one list (the impression: its
  songs and videos) and with a batch of three actions on it;
* GET /api/recommendations/ with empty engagement tables and again after --fill lists (with their
  actions) were recorded: the recommendations request writes nothing, so what engagement adds to
  it is the difference; then with ENGAGEMENT_FEEDBACK on (penalties cached per process), and the
  cost of re-reading one emotion's penalties, which a process pays once per TTL per emotion.

Everything written is rolled back.
"""

import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test import Client, override_settings

from catalogue.models import Clustering
from core.emotions import EMOTIONS
from engagement.feedback import track_penalties
from engagement.models import Event, Impression
from recommender.engine import feedback as engine_feedback
from recommender.selectors import reset_indexes

STRATEGIES = ("match", "lift", "iso")


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


class Command(BaseCommand):
    help = "p50/p95 of the engagement endpoint and of a recommendations request with and without engagement rows."

    def add_arguments(self, parser):
        parser.add_argument("--calls", type=int, default=210, help="requests per case")
        parser.add_argument(
            "--fill", type=int, default=20_000, help="lists recorded before the second recommendations run"
        )

    def handle(self, *args, calls, fill, **options):
        if not Clustering.objects.filter(is_active=True).exists():
            raise CommandError("No active clustering: run `make data` (manage.py load_shared_data) first.")
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]  # django.test.Client's host
        with override_settings(DEBUG=False, ALLOWED_HOSTS=hosts, ENGAGEMENT_RATE="100000000/m"), transaction.atomic():
            client = Client()
            cases = [(EMOTIONS[i % len(EMOTIONS)], STRATEGIES[(i // len(EMOTIONS)) % 3]) for i in range(calls)]
            for emotion, strategy in cases[:21]:  # warm the indexes
                self.recommend(client, emotion, strategy)
            before, answers = self.time_recommendations(client, cases)
            post_list, post_actions = self.time_posts(client, answers)
            self.fill(answers, fill)
            after, _ = self.time_recommendations(client, cases)
            with override_settings(ENGAGEMENT_FEEDBACK=True):
                engine_feedback.forget()
                rereads = []
                for emotion in EMOTIONS * 3:
                    started = time.perf_counter()
                    track_penalties(emotion)
                    rereads.append((time.perf_counter() - started) * 1000)
                self.time_recommendations(client, cases[:21])  # the penalties read once per emotion
                with_feedback, _ = self.time_recommendations(client, cases)
                engine_feedback.forget()
            out = self.stdout.write
            out(f"Engagement benchmark, {calls} requests per case, through the HTTP stack (django.test.Client)")
            for name, values in (
                ("POST /api/engagement/ one list shown", post_list),
                ("POST /api/engagement/ three actions", post_actions),
                ("GET /api/recommendations/ no engagement", before),
                (f"GET /api/recommendations/ {Impression.objects.count()} lists", after),
                ("  the same, ENGAGEMENT_FEEDBACK on", with_feedback),
                ("  feedback re-read, one emotion (per TTL)", rereads),
            ):
                out(f"  {name:<48} p50 {percentile(values, 50):7.2f} ms  p95 {percentile(values, 95):7.2f} ms")
            out(
                f"  added to a recommendations request (p95 after − before): {percentile(after, 95) - percentile(before, 95):+.2f} ms"
            )
            out(f"  added with the feedback on (p95): {percentile(with_feedback, 95) - percentile(before, 95):+.2f} ms")
            transaction.set_rollback(True)
        reset_indexes()

    def recommend(self, client, emotion, strategy):
        response = client.get("/api/recommendations/", {"emotion": emotion, "strategy": strategy})
        assert response.status_code == 200, response.content
        return response.json()

    def time_recommendations(self, client, cases):
        times, answers = [], []
        for emotion, strategy in cases:
            started = time.perf_counter()
            answers.append(self.recommend(client, emotion, strategy))
            times.append((time.perf_counter() - started) * 1000)
        return times, answers

    def time_posts(self, client, answers):
        shown, acted = [], []
        for answer in answers:
            page_view = str(uuid.uuid4())
            items = [{"type": "track", "id": t["id"]} for t in answer["tracks"]]
            items += [{"type": "video", "id": v["id"]} for v in answer["videos"]]
            body = {"page_view": page_view, "impressions": [_impression("i1", answer, items)], "events": []}
            shown.append(self.post(client, body))
            picks = items[:3]
            events = [
                {"impression": "i1", "item_type": i["type"], "item_id": i["id"], "action": a}
                for i, a in zip(picks, ("play", "like", "save"))
            ]
            acted.append(self.post(client, {"page_view": page_view, "impressions": [], "events": events}))
        return shown, acted

    def post(self, client, body):
        started = time.perf_counter()
        response = client.post("/api/engagement/", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 202, response.content
        return elapsed

    def fill(self, answers, n):
        """n more lists (bulk), each with a play of its first item."""
        impressions = []
        for i in range(n):
            answer = answers[i % len(answers)]
            items = [{"t": "track", "id": t["id"], "p": p} for p, t in enumerate(answer["tracks"], 1)]
            impressions.append(
                Impression(
                    page_view=uuid.uuid4(),
                    key="f",
                    emotion=answer["emotion"],
                    strategy=answer["strategy"],
                    items=items,
                    n_tracks=len(items),
                )
            )
        Impression.objects.bulk_create(impressions, batch_size=2000)
        Event.objects.bulk_create(
            [
                Event(impression=imp, item_type="track", item_id=imp.items[0]["id"], action="play", position=1)
                for imp in impressions
                if imp.items
            ],
            batch_size=2000,
        )


def _impression(key, answer, items):
    return {
        "key": key,
        "emotion": answer["emotion"],
        "strategy": answer["strategy"],
        "source": "manual",
        "clustering": answer.get("clustering"),
        "items": items,
    }
