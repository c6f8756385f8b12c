"""Show that a listener's ratings change what they are offered.

A throwaway listener asks for recommendations, dislikes the first few songs and likes a few
songs from further down the list (through recommender.services.rate_item, the path the live
and history pages use), then asks again. Everything runs in a transaction that is rolled back,
so the database is left as it was.
"""

import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from catalogue.models import Track
from catalogue.recordings import primary_artist
from core.emotions import EMOTIONS
from recommender.selectors import STRATEGIES, recommend
from recommender.services import rate_item


class Command(BaseCommand):
    help = "Print recommend() for a new listener before and after a few ratings (nothing is kept)."

    def add_arguments(self, parser):
        parser.add_argument("--emotion", default="sad", choices=EMOTIONS)
        parser.add_argument("--strategy", default="match", choices=STRATEGIES)
        parser.add_argument("--limit", type=int, default=10)
        parser.add_argument("--dislikes", type=int, default=2, help="dislike this many of the first songs")
        parser.add_argument("--likes", type=int, default=3, help="like this many songs from below the list")

    def handle(self, *args, emotion, strategy, limit, dislikes, likes, **options):
        if not Track.objects.filter(is_active=True).exists():
            raise CommandError("The catalogue is empty: import it first (make data).")
        if not (1 <= limit <= 25) or dislikes > limit or likes > limit:
            raise CommandError("limit must be 1–25, and likes and dislikes at most limit.")
        with transaction.atomic():
            user = get_user_model().objects.create_user(f"personalisation-demo-{uuid.uuid4().hex[:8]}")
            ask = dict(emotion=emotion, strategy=strategy, user=user, video_limit=0)
            before = recommend(**ask, limit=limit)["tracks"]
            further = recommend(**ask, limit=min(50, limit * 3))["tracks"][limit:]
            disliked, liked = before[:dislikes], further[:likes]
            for track, value in [(t, -1) for t in disliked] + [(t, 1) for t in liked]:
                rate_item(
                    user=user, item_type="track", item_id=track["id"], value=value, emotion=emotion, strategy=strategy
                )
            after = recommend(**ask, limit=limit)
            transaction.set_rollback(True)

        self._list(f"Before any rating ({emotion}, {strategy}):", before)
        self.stdout.write("\nRatings:")
        for sign, tracks in (("👎", disliked), ("👍", liked)):
            for t in tracks:
                self.stdout.write(f"  {sign} {t['artist']} – {t['title']}" + (f" [{t['genre']}]" if t["genre"] else ""))
        self._list(
            f"\nAfter {len(disliked) + len(liked)} ratings (personalised={after['personalised']}):", after["tracks"]
        )
        before_ids = [t["id"] for t in before]
        after_ids = [t["id"] for t in after["tracks"]]
        explained = sum("you lik" in t["reason"] or "your taste" in t["reason"] for t in after["tracks"])
        disliked_artists = {primary_artist(t["artist"]) for t in disliked} - {
            primary_artist(t["artist"]) for t in liked
        }
        self.stdout.write(
            f"\n{len(set(after_ids) - set(before_ids))} of {limit} songs are new; "
            f"{sum(a != b for a, b in zip(before_ids, after_ids))} of {limit} positions changed; "
            f"{explained} songs are explained by the ratings; "
            f"disliked songs still offered: {len(set(before_ids[:dislikes]) & set(after_ids))}; "
            f"songs by disliked artists: before {sum(primary_artist(t['artist']) in disliked_artists for t in before)}, "
            f"after {sum(primary_artist(t['artist']) in disliked_artists for t in after['tracks'])}."
        )
        self.stdout.write("The demo listener and the ratings were rolled back.")

    def _list(self, title, tracks):
        self.stdout.write(title)
        for n, t in enumerate(tracks, 1):
            self.stdout.write(f"  {n:2}. {t['artist']} – {t['title']}  ({t['reason']})")
