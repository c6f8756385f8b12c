"""Helpers for the engagement tests: a small catalogue and batches as the page sends them."""

import uuid

from catalogue.models import Track, Video


def make_items(n_tracks=3, n_videos=2):
    tracks = [
        Track.objects.create(
            title=f"Song {n}", artist=f"Artist {n}", valence=5, arousal=5, source="manual", source_id=f"e{n}"
        )
        for n in range(n_tracks)
    ]
    videos = [
        Video.objects.create(youtube_id=f"vid{n:08d}", valence=5, arousal=5, source="manual") for n in range(n_videos)
    ]
    return tracks, videos


def impression(key, tracks, videos=(), *, emotion="sad", strategy="match", source="camera", clustering=None):
    items = [{"type": "track", "id": t.pk} for t in tracks] + [{"type": "video", "id": v.pk} for v in videos]
    return {
        "key": key,
        "emotion": emotion,
        "strategy": strategy,
        "source": source,
        "clustering": clustering,
        "items": items,
    }


def event(key, item, action):
    return {
        "impression": key,
        "item_type": "track" if isinstance(item, Track) else "video",
        "item_id": item.pk,
        "action": action,
    }


def batch(impressions=(), events=(), page_view=None):
    return {"page_view": str(page_view or uuid.uuid4()), "impressions": list(impressions), "events": list(events)}
