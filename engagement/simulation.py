"""Simulated listeners for the feedback's offline evaluation (manage.py evaluate_feedback).

Every song gets a hidden appeal (a share of them are duds nobody plays) and every listener two
genres they like twice as much; shown a list, a listener plays each song with its appeal (doubled
for a liked genre, a little less further down the list). The lists come from recommend() itself
and what was played goes through engagement's own write path (record_batch), so with
ENGAGEMENT_FEEDBACK on the recommender sees the plays, as it would in production. The same seed
gives the same hidden taste and the same listeners with and without feedback. Nothing here is real
listening data; the command rolls it all back.
"""

import random
import uuid

from django.test import override_settings

from catalogue.models import Track
from core.emotions import EMOTIONS
from engagement.services import record_batch
from recommender.engine import feedback as engine_feedback
from recommender.selectors import recommend

DUD_SHARE = 0.3


def hidden_taste(seed: int, n_listeners: int = 50):
    """Per track id its appeal; per listener the genres it likes."""
    rng = random.Random(seed)
    rows = list(Track.objects.filter(is_active=True).order_by("id").values_list("id", "genre"))
    appeal = {tid: 0.0 if rng.random() < DUD_SHARE else rng.uniform(0.02, 0.15) for tid, _ in rows}
    genre = dict(rows)
    genres = sorted({g for _, g in rows if g}) or [""]
    listeners = [set(rng.sample(genres, min(2, len(genres)))) for _ in range(n_listeners)]
    return appeal, genre, listeners


def run(
    *,
    feedback: bool,
    rounds: int = 700,
    seed: int = 0,
    strategy: str = "match",
    limit: int = 10,
    refresh_every: int = 14,
) -> dict:
    """Show `rounds` lists (the emotions in turn) to simulated listeners; the click-through figures."""
    appeal, genre, listeners = hidden_taste(seed)
    rng = random.Random(seed + 1)
    lists = played_lists = plays = shown = in_target = 0
    second_half = [0, 0]
    with override_settings(ENGAGEMENT_FEEDBACK=feedback):
        engine_feedback.forget()
        for r in range(rounds):
            if r % refresh_every == 0:
                engine_feedback.forget()  # as the per-process cache's expiry would
            emotion = EMOTIONS[r % len(EMOTIONS)]
            answer = recommend(emotion=emotion, strategy=strategy, limit=limit, video_limit=0)
            likes = rng.choice(listeners)
            key = "s"
            events = []
            for position, track in enumerate(answer["tracks"]):
                p = (
                    appeal.get(track["id"], 0.0)
                    * (2.0 if genre.get(track["id"]) in likes else 1.0)
                    / (1 + 0.05 * position)
                )
                if rng.random() < p:
                    events.append({"impression": key, "item_type": "track", "item_id": track["id"], "action": "play"})
            items = [{"type": "track", "id": t["id"]} for t in answer["tracks"]]
            impression = {"key": key, "emotion": emotion, "strategy": strategy, "source": "manual", "items": items}
            record_batch(data={"page_view": str(uuid.uuid4()), "impressions": [impression], "events": events})
            lists += 1
            shown += len(answer["tracks"])
            in_target += sum(bool(t["in_target_cluster"]) for t in answer["tracks"])
            plays += len(events)
            played_lists += bool(events)
            if r >= rounds // 2:
                second_half[0] += 1
                second_half[1] += bool(events)
    engine_feedback.forget()
    return {
        "lists": lists,
        "ctr": played_lists / lists,
        "plays_per_list": plays / lists,
        "ctr_second_half": second_half[1] / max(1, second_half[0]),
        "in_target_cluster": in_target / max(1, shown),  # what the feedback may cost the mood fit
    }
