"""Video cards a person can read: titles from real MusicCaps aspects, reasons naming the words behind the mood."""

import re

from django.test import SimpleTestCase
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from videomood.mood_features import clip_text
from videomood.mood_model import ensure_model
from videomood.video_cards import (
    TITLE_MAX,
    genre,
    instrument,
    mood_word_candidates,
    musiccaps_describing_words,
    phrase,
    title,
)
from videomood.video_sources import musiccaps_clips

# Real clips (YouTube id, start second) of musiccaps.csv, with their human AudioSet mood where they have one.
SAD_BALLAD = ("-0Gj8-vB1q4", 30)  # "It sounds sad and soulful"; no AudioSet mood label
DEATH_METAL = ("0ZXWSO_Y2C0", 160)  # Angry music
TENDER_COVER = ("-8cgbhIR_pw", 30)  # Tender music
SUSPENSE = ("-FlvaZQOr2I", 90)  # Scary music
TEEN_POP = ("06Brdf83RZE", 30)  # Tender music
PARODY = ("18mS4cLPOb8", 50)  # "female vocals", "anthem", "comedy", "parody"


def real_clips(*keys) -> dict:
    wanted = set(keys)
    return {k: c for _, c in musiccaps_clips() if (k := (c["youtube_id"], c["start_s"])) in wanted}


class TitleTest(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clips = real_clips(SAD_BALLAD, DEATH_METAL, TENDER_COVER, SUSPENSE, TEEN_POP, PARODY)

    def title_of(self, key, mood, carried):
        clip = self.clips[key]
        return title(clip["aspects"], clip["caption"], mood, carried)

    def test_mood_word_instrument_and_genre_from_the_aspects(self):
        self.assertEqual(self.title_of(SAD_BALLAD, "Sad", ["sad", "mellow"]), "Sad strings ballad")
        self.assertEqual(self.title_of(DEATH_METAL, "Angry", ["aggressive"]), "Aggressive electric guitar metal")
        self.assertEqual(self.title_of(TENDER_COVER, "Tender", ["emotional"]), "Emotional acoustic guitar ballad")
        self.assertEqual(self.title_of(TEEN_POP, "Tender", []), "Tender acoustic guitar pop song")
        self.assertEqual(self.title_of(PARODY, "Funny", ["parody"]), "Parody theme with female vocals")
        self.assertEqual(self.title_of(SUSPENSE, "Scary", ["suspense"]), "Suspense strings film score")

    def test_short_whatever_the_caption(self):
        for key, clip in self.clips.items():
            with self.subTest(key=key):
                text = title(clip["aspects"], clip["caption"], "Tender", ["a" * 50])
                self.assertLessEqual(len(text), TITLE_MAX)
                self.assertNotIn(clip["caption"][:80], text)
        self.assertEqual(title([], "", "Sad", []), "Sad music")
        self.assertEqual(title(["Theme music", "Piano"], "", "Sad", []), "Sad piano theme")  # an AudioSet segment

    def test_instrument_and_genre_words(self):
        metal = self.clips[DEATH_METAL]
        self.assertEqual((instrument(metal["aspects"]), genre(metal["aspects"])), ("electric guitar", "metal"))
        self.assertEqual(instrument(["groovy drumming rhythm", "distorted guitar rhythm"]), "electric guitar")
        self.assertEqual(instrument(["soft female vocal"]), "female vocals")
        self.assertEqual(genre(["R&B"]), "R&B")
        self.assertEqual((instrument(["tutorial"]), genre(["tutorial"])), ("", ""))


class ReasonWordsTest(SimpleTestCase):
    """The words the caption model says carried a clip's mood: whole describing words, never stop-words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clips = real_clips(SAD_BALLAD, DEATH_METAL, TENDER_COVER, SUSPENSE)
        cls.model = ensure_model()
        cls.moods = {SAD_BALLAD: "Sad", DEATH_METAL: "Angry", TENDER_COVER: "Tender", SUSPENSE: "Scary"}
        keys = list(cls.moods)
        texts = [clip_text(cls.clips[k]["aspects"], cls.clips[k]["caption"]) for k in keys]
        candidates = [mood_word_candidates(cls.clips[k]["aspects"], cls.clips[k]["caption"]) for k in keys]
        carried = cls.model.carried_words(texts, [cls.moods[k] for k in keys], candidates)
        cls.carried = dict(zip(keys, carried))

    def reason(self, key):
        clip = self.clips[key]
        return phrase(clip["aspects"], clip["caption"], self.carried[key])

    def test_the_words_that_carried_the_mood(self):
        self.assertEqual(self.carried[SAD_BALLAD][0], "sad")
        self.assertIn("aggressive", self.carried[DEATH_METAL][:2])
        self.assertIn("suspense", self.carried[SUSPENSE][:2])
        self.assertTrue(self.reason(SAD_BALLAD).startswith("Sad, "))
        self.assertTrue(self.reason(SAD_BALLAD).endswith(" strings"))
        self.assertTrue(self.reason(DEATH_METAL).endswith("electric guitar"))

    def test_no_stop_words_recording_words_or_fragments(self):
        vocabulary = musiccaps_describing_words()
        for key, words in self.carried.items():
            clip = self.clips[key]
            text = " ".join([*clip["aspects"], clip["caption"]]).lower()
            with self.subTest(key=key, words=words):
                self.assertTrue(words)
                for word in words:
                    self.assertRegex(text, rf"(?<![a-z-]){re.escape(word)}(?![a-z-])")  # a whole word of the clip
                    self.assertIn(word, vocabulary)
                    self.assertNotIn(word, ENGLISH_STOP_WORDS)
                    self.assertNotIn(word, {"low", "quality", "recording", "consists", "noisy", "cover", "guitar"})
                self.assertLessEqual(len(self.reason(key).split(", ")), 2)

    def test_candidates_are_describing_words_only(self):
        clip = self.clips[TENDER_COVER]
        words = mood_word_candidates(clip["aspects"], clip["caption"])
        self.assertIn("passionate", words)
        self.assertIn("emotional", words)
        self.assertFalse({"low", "quality", "cover", "noisy", "muddy", "guitar", "features", "consists"} & set(words))
