"""Writes: a batch of impressions and events from a page, deletion, retention.

A batch is checked whole before anything is written (a bad one writes nothing), then written in
at most two bulk inserts. The same impression key or the same action on the same item again is
ignored, so a page may send a batch twice (a retry, pagehide after a timer) without counting twice.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalogue.models import Track, Video
from core.emotions import EMOTIONS
from engagement import rollup
from engagement.models import Action, Event, Impression, ItemType, MoodSourceChoice

STRATEGIES = ("match", "lift", "iso")
MAX_IMPRESSIONS = 20  # per batch
MAX_ITEMS = 80  # per impression: the API shows at most 50 songs and 20 videos
MAX_EVENTS = 200  # per batch
ACTIONS = frozenset(Action.values)
ITEM_TYPES = frozenset(ItemType.values)


class PageViewLimit(Exception):
    """This address has started more page views than ENGAGEMENT_PAGE_VIEW_RATE allows (a 429)."""


def _fail(message: str, field: str):
    raise ValidationError(message, code=field)


def _choice(value, allowed, field: str, message: str) -> str:
    """``value`` when it is one of the ``allowed`` strings. The type is checked first: a list or an
    object where a string belongs cannot be looked up in a set (TypeError: unhashable, a 500)."""
    if not isinstance(value, str) or value not in allowed:
        _fail(message, field)
    return value


def _int(value, field: str, low: int = 1, high: int = 2**63 - 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(f"{field} must be a whole number from {low}.", field)
    return value


def _page_view(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        _fail("page_view must be a UUID.", "page_view")


def _key(value) -> str:
    if not isinstance(value, str) or not 1 <= len(value) <= 16 or not value.isascii() or not value.isalnum():
        _fail("Each impression needs a key of 1–16 letters or digits.", "key")
    return value


def _impression(raw, page_view, user, now) -> Impression:
    if not isinstance(raw, dict):
        _fail("Each impression must be an object.", "impressions")
    _choice(raw.get("emotion"), EMOTIONS, "emotion", "emotion must be one of " + ", ".join(EMOTIONS) + ".")
    _choice(raw.get("strategy"), STRATEGIES, "strategy", "strategy must be match, lift or iso.")
    source = raw.get("source")
    if source is None or source == "":  # no source: a mood of unknown origin
        source = ""
    else:
        _choice(source, MoodSourceChoice.values, "source", "source must be camera or manual.")
    clustering = raw.get("clustering")
    if clustering is not None:
        clustering = _int(clustering, "clustering", 1, 2**31 - 1)
    items = raw.get("items")
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_ITEMS:
        _fail(f"items must list 1–{MAX_ITEMS} items.", "items")
    stored, seen, counts = [], set(), {"track": 0, "video": 0}
    for item in items:
        if not isinstance(item, dict):
            _fail("Each item needs a type (track or video) and an id.", "items")
        _choice(item.get("type"), ITEM_TYPES, "items", "Each item needs a type (track or video) and an id.")
        pair = (item["type"], _int(item.get("id"), "item id"))
        if pair in seen:
            _fail("An item is listed twice.", "items")
        seen.add(pair)
        counts[pair[0]] += 1
        stored.append({"t": pair[0], "id": pair[1], "p": counts[pair[0]]})
    return Impression(
        page_view=page_view,
        key=_key(raw.get("key")),
        user=user,
        emotion=raw["emotion"],
        strategy=raw["strategy"],
        mood_source=source,
        clustering_id=clustering,
        items=stored,
        n_tracks=counts["track"],
        n_videos=counts["video"],
        created_at=now,
    )


def _check_known(impressions: list[Impression]) -> None:
    """Every item shown must be in the catalogue (one query per item type)."""
    for item_type, model in (("track", Track), ("video", Video)):
        ids = {item["id"] for imp in impressions for item in imp.items if item["t"] == item_type}
        if ids and model.objects.filter(pk__in=ids).count() != len(ids):
            _fail(f"Unknown {item_type} id.", "items")


def _bound_page_view(page_view, new: list[Impression], admit_page_view) -> None:
    """What one page view may claim: at most ENGAGEMENT_MAX_LISTS_PER_PAGE_VIEW lists, and a page
    view new to the server only as ``admit_page_view`` allows (the view's rate per address).

    Its plays were bounded already (once per item and list, only items shown); but a fresh random
    page view per batch let 4 addresses add 5,400 lists and 10,800 plays in 15 s.
    """
    if not new:
        return
    shown = set(Impression.objects.filter(page_view=page_view).values_list("key", flat=True))
    fresh = sum(imp.key not in shown for imp in new)
    if not shown and admit_page_view is not None and not admit_page_view():
        raise PageViewLimit("Too many new page views from this address; slow down.")
    limit = settings.ENGAGEMENT_MAX_LISTS_PER_PAGE_VIEW
    if len(shown) + fresh > limit:
        _fail(f"A page view may show at most {limit} lists.", "page_view")


def record_batch(*, data: dict, user=None, admit_page_view=None) -> dict:
    """Store a page's batch: {"page_view", "impressions": [...], "events": [...]}. Raises ValidationError,
    or PageViewLimit when the batch starts a page view and ``admit_page_view()`` says no."""
    user = user if user is not None and user.is_authenticated else None
    page_view = _page_view(data.get("page_view"))
    raw_impressions = data.get("impressions") or []
    raw_events = data.get("events") or []
    if not isinstance(raw_impressions, list) or len(raw_impressions) > MAX_IMPRESSIONS:
        _fail(f"At most {MAX_IMPRESSIONS} impressions a batch.", "impressions")
    if not isinstance(raw_events, list) or len(raw_events) > MAX_EVENTS:
        _fail(f"At most {MAX_EVENTS} events a batch.", "events")
    now = timezone.now()
    new = [_impression(raw, page_view, user, now) for raw in raw_impressions]
    if len({imp.key for imp in new}) != len(new):
        _fail("Two impressions share a key.", "key")
    _check_known(new)
    _bound_page_view(page_view, new, admit_page_view)
    events = []
    wanted_keys = set()
    for raw in raw_events:
        needs = "Each event needs an impression key, an item_type, an item_id and an action."
        if not isinstance(raw, dict):
            _fail(needs, "events")
        _choice(raw.get("action"), ACTIONS, "events", needs)
        _choice(raw.get("item_type"), ITEM_TYPES, "events", needs)
        events.append(
            (_key(raw.get("impression")), raw["item_type"], _int(raw.get("item_id"), "item_id"), raw["action"])
        )
        wanted_keys.add(events[-1][0])
    with transaction.atomic():
        Impression.objects.bulk_create(new, ignore_conflicts=True)
        # The impressions events refer to: this batch's or an earlier one of the same page view and
        # listener (an anonymous page view cannot reach a listener's lists, nor the reverse).
        stored = {
            imp.key: imp
            for imp in Impression.objects.filter(page_view=page_view, key__in=wanted_keys, user=user).only(
                "id", "key", "items"
            )
        }
        rows = []
        for key, item_type, item_id, action in events:
            imp = stored.get(key)
            if imp is None:
                _fail("An event names an impression this page view did not send.", "impression")
            position = next((i["p"] for i in imp.items if i["t"] == item_type and i["id"] == item_id), None)
            if position is None:
                _fail("An event names an item that was not in its impression.", "item_id")
            rows.append(
                Event(
                    impression_id=imp.id,
                    item_type=item_type,
                    item_id=item_id,
                    action=action,
                    position=position,
                    created_at=now,
                )
            )
        Event.objects.bulk_create(rows, ignore_conflicts=True)
    return {"impressions": len(new), "events": len(rows)}


def delete_for_user(*, user) -> int:
    """Forget the listener's impressions and their events. Returns the number of rows deleted."""
    return Impression.objects.filter(user=user).delete()[0]


def purge_older_than(days: int | None = None, *, now=None) -> int:
    """Delete impressions (and their events) and stray events older than the retention period."""
    days = settings.ENGAGEMENT_RETENTION_DAYS if days is None else days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        deleted = Event.objects.filter(created_at__lt=cutoff).delete()[0]
        deleted += Impression.objects.filter(created_at__lt=cutoff).delete()[0]
        deleted += rollup.purge_before(cutoff)
    return deleted
