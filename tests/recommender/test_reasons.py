"""A song's reason never quotes a tag that contradicts the mood it was chosen for."""

from catalogue.vad import word_vad
from recommender.selectors import recommend
from tests.base import BaseTestCase
from tests.rec_fixtures import FreshIndexMixin, import_small_catalogue

UNPLEASANT, PLEASANT = {"angry", "disgust", "fear", "sad"}, {"happy", "surprise"}


class MatchReasonTestCase(FreshIndexMixin, BaseTestCase):
    def setUp(self):
        super().setUp()
        import_small_catalogue()

    def quoted_tags(self, reason):
        if ": tagged " not in reason:
            return []
        return [t.strip() for t in reason.split(": tagged ", 1)[1].split("·")[0].split(",")]

    def test_quoted_tags_agree_with_the_mood(self):
        quoted = 0
        for emotion in PLEASANT | UNPLEASANT:
            for track in recommend(emotion=emotion, strategy="match", limit=10)["tracks"]:
                for tag in self.quoted_tags(track["reason"]):
                    quoted += 1
                    valence = word_vad(tag.lower())[0]
                    if emotion in PLEASANT:
                        self.assertGreater(valence, 5.0, f"{emotion}: {track['reason']}")
                    else:
                        self.assertLess(valence, 5.0, f"{emotion}: {track['reason']}")
        self.assertGreater(quoted, 0, "no reason quoted any tag, so nothing was checked")

    def test_a_song_without_agreeing_tags_is_explained_by_its_coordinates(self):
        tracks = recommend(emotion="happy", strategy="match", limit=10)["tracks"]
        for track in tracks:
            if ": tagged " not in track["reason"]:
                self.assertIn("valence", track["reason"])
