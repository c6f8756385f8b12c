"""Ratings given on the history page change what the recommender offers the listener."""

from django.urls import reverse

from recommender.selectors import recommend, reset_indexes
from tests.base import BaseTestCase
from tests.moods_support import make_track


class PersonalisationTests(BaseTestCase):
    def setUp(self):
        super().setUp()
        reset_indexes()
        # Twelve pop songs close to "sad" (valence 2.1, arousal 3.5), two folk songs by one
        # artist a little further away, and songs elsewhere so the scale is the whole 1–9 range.
        self.near = [make_track(n, valence=2.0 + 0.1 * n, arousal=3.5, dominance=3.8) for n in range(12)]
        self.folk = [
            make_track(100 + n, valence=3.6 + 0.1 * n, arousal=3.6, dominance=3.9, genre="folk") for n in range(2)
        ]
        for n in range(12):
            make_track(200 + n, valence=5 + n / 3, arousal=4 + n / 3, dominance=5)
        self.folk_artist = "Folk Artist"
        for track in self.folk:
            track.artist = self.folk_artist
            track.save()
        self.client.force_login(self.alice)

    def offered(self):
        return recommend(emotion="sad", user=self.alice, limit=14, video_limit=0)["tracks"]

    def test_likes_and_dislikes_from_the_history_page_reorder_the_recommendations(self):
        before = self.offered()
        ids_before = [t["id"] for t in before]
        folk_second = self.folk[1].id
        top = ids_before[0]
        self.assertIn(folk_second, ids_before)
        self.assertFalse(recommend(emotion="sad", user=self.alice, limit=14, video_limit=0)["personalised"])

        # On the history page Alice likes the first folk song and dislikes the song offered first.
        self.client.post(reverse("moods:rate"), {"track_id": self.folk[0].id, "value": "1", "emotion": "sad"})
        self.client.post(reverse("moods:rate"), {"track_id": top, "value": "-1", "emotion": "sad"})

        after = recommend(emotion="sad", user=self.alice, limit=14, video_limit=0)
        ids_after = [t["id"] for t in after["tracks"]]
        self.assertTrue(after["personalised"])
        self.assertNotIn(top, ids_after)  # a disliked song is not offered again
        self.assertNotIn(self.folk[0].id, ids_after)  # nor one already rated
        self.assertLess(ids_after.index(folk_second), ids_before.index(folk_second))
        reason = after["tracks"][ids_after.index(folk_second)]["reason"]
        self.assertIn(f"you liked {self.folk_artist}", reason)
        # Bob has rated nothing: his list is untouched by Alice's taste.
        bobs = recommend(emotion="sad", user=self.bob, limit=14, video_limit=0)["tracks"]
        self.assertEqual([t["id"] for t in bobs], ids_before)
