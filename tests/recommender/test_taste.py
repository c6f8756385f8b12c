"""The listener's taste: dislikes never return, liked artists and genres rise, similar listeners count."""

from django.contrib.auth import get_user_model
from django.db.models import Count

from catalogue.models import Track
from core.emotions import EMOTIONS
from recommender.engine.taste import taste_of
from recommender.models import Rating
from recommender.selectors import recommend
from recommender.services import rate_item
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue


class PersonalisationTest(FreshIndexMixin, BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        import_small_catalogue()

    def ids(self, **kwargs):
        return [t["id"] for t in recommend(**kwargs)["tracks"]]

    def test_a_disliked_track_never_comes_back(self):
        top = self.ids(emotion="sad", user=self.alice)[0]
        # The same song from a second source must not sneak back in either.
        original = Track.objects.get(pk=top)
        twin = Track.objects.create(
            title=original.title.upper(),
            artist=original.artist,
            valence=original.valence,
            arousal=original.arousal,
            source="manual",
            source_id="twin",
        )
        rate_item(user=self.alice, item_type="track", item_id=top, value=-1, emotion="sad", strategy="match")
        for emotion in EMOTIONS:
            for strategy in ("match", "lift", "iso"):
                shown = self.ids(emotion=emotion, strategy=strategy, user=self.alice, limit=50)
                self.assertNotIn(top, shown)
                self.assertNotIn(twin.pk, shown)
        self.assertIn(top, self.ids(emotion="sad", user=self.bob))  # Bob's list is his own

    def test_a_liked_artist_rises(self):
        # An artist with several songs in the happy cluster, none of them in the plain top 10.
        plain = recommend(emotion="happy", limit=10)["tracks"]
        plain_artists = {t["artist"] for t in plain}
        candidates = recommend(emotion="happy", limit=50)["tracks"]
        by_artist = {}
        for t in candidates:
            by_artist.setdefault(t["artist"], []).append(t["id"])
        artist = next(
            a
            for a in Track.objects.filter(is_active=True)
            .values("artist")
            .annotate(n=Count("id"))
            .filter(n__gte=3)
            .values_list("artist", flat=True)
            if a not in plain_artists
            and Track.objects.filter(artist=a, memberships__cluster__emotion="happy").count() >= 2
        )
        liked, *others = Track.objects.filter(artist=artist, memberships__cluster__emotion="happy").values_list(
            "id", flat=True
        )
        rate_item(user=self.alice, item_type="track", item_id=liked, value=1, emotion="happy")
        personal = recommend(emotion="happy", user=self.alice)
        self.assertTrue(personal["personalised"])
        mine = [t for t in personal["tracks"] if t["artist"] == artist]
        self.assertTrue(mine, "a song by the liked artist should rise into the top 10")
        self.assertNotIn(liked, [t["id"] for t in personal["tracks"]])  # the known song itself gives way
        self.assertIn(f"you liked {artist}", mine[0]["reason"])
        self.assertNotIn(artist, {t["artist"] for t in recommend(emotion="happy", user=self.bob)["tracks"]})

    def test_a_liked_genre_rises(self):
        ranked = recommend(emotion="neutral", limit=50)["tracks"]
        top_genres = {t["genre"] for t in ranked[:10]}
        # A genre just below the plain top 10 (in places 11–50) and not in it.
        below = [t["genre"] for t in ranked[10:] if t["genre"] and t["genre"] not in top_genres]
        listed = {t["id"] for t in ranked}
        # Alice likes a song of that genre by an artist who is nowhere in the list.
        genre, liked = next(
            (g, liked)
            for g in below
            for liked in [
                Track.objects.filter(genre=g)
                .exclude(pk__in=listed)
                .exclude(artist__in=[t["artist"] for t in ranked])
                .first()
            ]
            if liked
        )
        rate_item(user=self.alice, item_type="track", item_id=liked.pk, value=1)
        personal = recommend(emotion="neutral", user=self.alice)["tracks"]
        risen = [t for t in personal if t["genre"] == genre]
        self.assertTrue(risen)
        self.assertIn(f"you like {genre}", risen[0]["reason"])

    def test_listeners_with_similar_ratings_recommend_to_each_other(self):
        User = get_user_model()
        shared = self.ids(emotion="surprise", limit=40)
        common, tip = shared[30:36], shared[39]
        # Three listeners agree with Alice on six songs and also love `tip`.
        for n in range(3):
            other = User.objects.create_user(f"listener{n}")
            for track_id in common + [tip]:
                Rating.objects.create(user=other, track_id=track_id, value=1)
        for track_id in common:
            rate_item(user=self.alice, item_type="track", item_id=track_id, value=1)
        tracks = recommend(emotion="surprise", user=self.alice)["tracks"]
        tipped = [t for t in tracks if t["id"] == tip]
        self.assertTrue(tipped, "the neighbours' favourite should reach Alice's list")
        self.assertIn("listeners with your taste liked it", tipped[0]["reason"])
        self.assertNotIn(tip, self.ids(emotion="surprise", user=self.bob))

    def test_rating_again_replaces_the_rating(self):
        track_id = self.ids(emotion="happy")[0]
        rate_item(user=self.alice, item_type="track", item_id=track_id, value=1)
        rate_item(user=self.alice, item_type="track", item_id=track_id, value=-1, emotion="happy", strategy="lift")
        rating = Rating.objects.get(user=self.alice)
        self.assertEqual((rating.value, rating.emotion, rating.strategy), (-1, "happy", "lift"))

    def test_a_taste_is_kept_until_the_listeners_ratings_change_and_is_read_only(self):
        self.assertIsNone(taste_of(None))
        first = taste_of(self.alice)
        self.assertFalse(first.personalised)
        self.assertIs(taste_of(self.alice), first)
        track_id = self.ids(emotion="happy")[0]
        rate_item(user=self.alice, item_type="track", item_id=track_id, value=1)
        second = taste_of(self.alice)
        self.assertIsNot(second, first)
        self.assertEqual((second.n_ratings, second.rated_track_ids.tolist()), (1, [track_id]))
        with self.assertRaises(AttributeError):
            second.n_ratings = 0
        with self.assertRaises(TypeError):
            second.liked_artists["someone"] = 1
        with self.assertRaises(ValueError):
            second.rated_track_ids[0] = 0
