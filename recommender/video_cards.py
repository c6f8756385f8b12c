"""What a person reads on a video card: a short title from the clip's aspects and the words behind its mood.

- `title(aspects, caption, mood, carried)`: "Melancholic piano ballad" — the strongest mood word
  that the clip's own aspects name (else the mood), its main instrument, its genre; ≤ 60 characters.
- `phrase(aspects, caption, carried)`: "Gentle, melancholic piano" — the words that carried the mood
  (recommender.mood_model finds them), then the instrument; the card adds " — for sad".
- `mood_word_candidates(aspects, caption)`: the words worth testing as carriers — whole words of
  the lexicons that are not stop-words and say nothing about the recording, the instruments or the
  genre, so a reason never shows "consists", "pressed" or a fragment.
"""

import re

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from recommender.vad import lexicon

TITLE_MAX = 60
WORD = re.compile(r"[a-z]+(?:-[a-z]+)?")

# (words in the text, as shown); the first that a clip's aspects, then its caption, name is its instrument.
INSTRUMENTS = [
    (("acoustic guitar", "acoustic guitars", "acoustic rhythm guitar"), "acoustic guitar"),
    (("electric guitar", "electric guitars", "e-guitar", "e-guitars", "distorted guitar"), "electric guitar"),
    (("classical guitar", "nylon guitar", "spanish guitar"), "classical guitar"),
    (("steel guitar", "slide guitar"), "slide guitar"),
    (("electric piano", "rhodes"), "electric piano"),
    (("piano", "grand piano", "acoustic piano"), "piano"),
    (("string section", "strings", "string ensemble", "orchestral strings"), "strings"),
    (("violin", "violins", "fiddle"), "violin"),
    (("cello", "cellos"), "cello"),
    (("harp",), "harp"),
    (("flute", "flutes", "pan flute"), "flute"),
    (("clarinet",), "clarinet"),
    (("saxophone", "sax"), "saxophone"),
    (("trumpet", "trumpets"), "trumpet"),
    (("trombone",), "trombone"),
    (("tuba",), "tuba"),
    (("brass", "brass section", "horns", "horn section"), "brass"),
    (("organ", "church organ"), "organ"),
    (("accordion",), "accordion"),
    (("harmonica",), "harmonica"),
    (("banjo",), "banjo"),
    (("mandolin",), "mandolin"),
    (("ukulele",), "ukulele"),
    (("sitar",), "sitar"),
    (("tabla",), "tabla"),
    (("didgeridoo",), "didgeridoo"),
    (("bagpipes", "bagpipe"), "bagpipes"),
    (("harpsichord",), "harpsichord"),
    (("marimba", "xylophone"), "marimba"),
    (("music box", "bells", "chimes"), "bells"),
    (("choir", "choral"), "choir"),
    (("orchestra", "philharmonic"), "orchestra"),
    (("synth", "synths", "synthesizer", "synthesiser", "synth pad", "synth lead"), "synth"),
    (("keyboard", "keyboards", "keys"), "keyboard"),
    (("guitar", "guitars"), "guitar"),
    (("bass guitar", "e-bass", "upright bass", "double bass"), "bass"),
    (("drums", "drum", "percussion", "drumming"), "drums"),
]
VOCALS = [
    (("female vocal", "female vocals", "female voice", "female singer", "female vocalist"), "female vocals"),
    (("male vocal", "male vocals", "male voice", "male singer", "male vocalist", "male rapper"), "male vocals"),
]
GENRES = [
    (("heavy metal", "metal", "nu-metal", "death metal", "thrash metal", "metalcore"), "metal"),
    (("punk rock", "punk"), "punk"),
    (("hard rock",), "hard rock"),
    (("hip-hop", "hip hop"), "hip-hop"),
    (("r and b", "rhythm and blues"), "R&B"),
    (("bossa nova",), "bossa nova"),
    (("drum and bass",), "drum and bass"),
    (("lullaby",), "lullaby"),
    (("ballad", "love song"), "ballad"),
    (("hymn", "worship", "devotional", "gospel"), "gospel"),
    (("christmas", "carol"), "Christmas song"),
    (("march", "marching"), "march"),
    (("waltz",), "waltz"),
    (("opera", "aria"), "opera"),
    (("lo-fi", "lofi"), "lo-fi"),
    (("dubstep",), "dubstep"),
    (("techno",), "techno"),
    (("trance",), "trance"),
    (("house music", "house"), "house"),
    (("edm", "electronic dance music", "club music"), "dance track"),
    (("disco",), "disco"),
    (("reggae",), "reggae"),
    (("funk", "funky"), "funk"),
    (("soul",), "soul"),
    (("blues",), "blues"),
    (("jazz", "jazzy", "swing"), "jazz"),
    (("bluegrass",), "bluegrass"),
    (("country",), "country"),
    (("folk",), "folk song"),
    (("flamenco",), "flamenco"),
    (("salsa",), "salsa"),
    (("rap", "trap", "rapping"), "rap"),
    (("soundtrack", "movie soundtrack", "film score", "cinematic"), "film score"),
    (("video game", "game music", "chiptune"), "game music"),
    (("theme",), "theme"),
    (("jingle",), "jingle"),
    (("ambient",), "ambient piece"),
    (("classical",), "classical piece"),
    (("electronic", "electronica", "electro"), "electronic track"),
    (("rock",), "rock"),
    (("pop",), "pop song"),
    (("dance",), "dance track"),
]
_NAMED = {w for table in (INSTRUMENTS, VOCALS, GENRES) for names, _ in table for n in names for w in n.split()}
_NOT_MOOD = _NAMED | set(
    """low quality poor bad inferior recording recorded record noise noisy mono stereo amateur audio sound sounds
    sounding song songs music musical instrumental instrument instruments voice voices vocal vocals vocalist male
    female man woman men women singer singers singing sings sung melody melodies harmony harmonies bass beat beats
    tempo rhythm rhythmic track tracks background plays playing played play player features featuring feature live
    studio production produced mix mixed mixer hear heard listen listener listening like would could something
    someone video movie film game kick snare hats hat cymbal cymbals tom toms chords chord notes note line lines
    hits hit section pattern loop part parts second first end beginning tune tunes style genre lyrics language
    people crowd audience room home tutorial lesson performance concert show perform performed performing
    medium moderate tempo uptempo solo backing accompaniment arrangement arrangements effect effects reverb
    wide high higher pitched pitch mid range register key tone tones time count bar bars backup other single
    simple repeated repetitive steady sample samples youtube recorded quality fidelity""".split()
)


def _find(text: str, table) -> str:
    padded = f" {' '.join(WORD.findall(text.lower().replace('&', ' and ')))} "
    for names, shown in table:
        if any(f" {name} " in padded for name in names):
            return shown
    return ""


def instrument(aspects: list[str], caption: str = "") -> str:
    """The clip's main instrument as shown ("acoustic guitar"), else its vocals ("female vocals"), else ""."""
    for table in (INSTRUMENTS, VOCALS):
        for text in (*aspects, caption):
            found = _find(text, table)
            if found:
                return found
    return ""


def genre(aspects: list[str], caption: str = "") -> str:
    for text in (*aspects, caption):
        found = _find(text, GENRES)
        if found:
            return found
    return ""


def mood_word_candidates(aspects: list[str], caption: str, limit: int = 16) -> list[str]:
    """Distinct lexicon words of the aspects, then the caption, that may carry a mood (at most `limit`)."""
    known, seen = lexicon(), []
    for text in (*aspects, caption):
        for word in WORD.findall(text.lower()):
            if len(word) < 3 or word in ENGLISH_STOP_WORDS or word in _NOT_MOOD or word not in known or word in seen:
                continue
            seen.append(word)
            if len(seen) >= limit:
                return seen
    return seen


def _fit(parts: list[str], limit: int = TITLE_MAX) -> str:
    text = " ".join(p for p in parts if p)
    while len(text) > limit and " " in text:
        text = text.rsplit(" ", 1)[0]
    return text[:limit]


def title(aspects: list[str], caption: str, mood: str, carried: list[str]) -> str:
    """ "Melancholic piano ballad", "Sad ballad with female vocals", "Angry metal", "Tender music"."""
    single = {a.strip().lower() for a in aspects if " " not in a.strip()}
    adjective = next((w for w in carried if w in single), mood.lower())
    played, kind = instrument(aspects, caption), genre(aspects, caption)
    if played.endswith("vocals") and kind:
        text = _fit([adjective, kind, "with", played])
    else:
        text = _fit([adjective, played, kind or ("" if played.endswith("s") else "music")])
    return text[:1].upper() + text[1:]


def phrase(aspects: list[str], caption: str, carried: list[str], *, words: int = 2) -> str:
    """ "Gentle, melancholic piano": the words that carried the mood, then the instrument; "" without words."""
    if not carried:
        return ""
    text = ", ".join(carried[:words])
    played = instrument(aspects, caption)
    text = f"{text} {played}" if played else text
    return text[:1].upper() + text[1:]
