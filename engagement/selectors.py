"""Reads of one listener's engagement (their export). The staff's aggregates are engagement.statistics."""

from engagement.models import Event, Impression

EVENT_CSV_HEADER = [
    "shown_at",
    "list_id",
    "emotion",
    "strategy",
    "mood_source",
    "item_type",
    "item_id",
    "position",
    "action",
    "acted_at",
]


def export_for_user(*, user) -> list[dict]:
    """The listener's lists shown, each with its items and what they did with them."""
    impressions = list(Impression.objects.filter(user=user).order_by("created_at", "id"))
    events = {}
    for ev in Event.objects.filter(impression__user=user).order_by("created_at", "id"):
        events.setdefault(ev.impression_id, []).append(
            {
                "item_type": ev.item_type,
                "item_id": ev.item_id,
                "position": ev.position,
                "action": ev.action,
                "at": ev.created_at.isoformat(),
            }
        )
    return [
        {
            "id": imp.pk,
            "shown_at": imp.created_at.isoformat(),
            "emotion": imp.emotion,
            "strategy": imp.strategy,
            "mood_source": imp.mood_source,
            "clustering": imp.clustering_id,
            "items": [{"item_type": i["t"], "item_id": i["id"], "position": i["p"]} for i in imp.items],
            "events": events.get(imp.pk, []),
        }
        for imp in impressions
    ]


def export_csv_rows(engagement: list[dict]):
    """One CSV row per item shown (action empty) and per action, in EVENT_CSV_HEADER's order."""
    for imp in engagement:
        head = [imp["shown_at"], imp["id"], imp["emotion"], imp["strategy"], imp["mood_source"]]
        for item in imp["items"]:
            yield [*head, item["item_type"], item["item_id"], item["position"], "", ""]
        for ev in imp["events"]:
            yield [*head, ev["item_type"], ev["item_id"], ev["position"], ev["action"], ev["at"]]
