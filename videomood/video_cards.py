"""What a person reads on a video card: a short title from the clip's aspects and the words behind its mood.

- `title(aspects, caption, mood, carried)`: "Melancholic piano ballad" — the strongest mood word
  that the clip's own aspects name (else the mood), its main instrument, its genre; ≤ 60 characters.
- `phrase(aspects, caption, carried)`: "Gentle, melancholic piano" — the words that carried the mood
  (videomood.mood_model finds them), then the instrument; the card adds " — for sad".
- `mood_word_candidates(aspects, caption, vocabulary)`: the words worth testing as carriers — the
  describing words of MusicCaps: whole words that musicians gave as a one-word aspect of at least
  three clips ("sad", "soulful", "eerie"), less those about the recording, the instruments, the
  genre, a place or a sound; so a reason never shows "consists", "pressed" or a fragment.
"""

import re
from collections import Counter
from functools import lru_cache

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

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
# The instrument and genre nouns ("guitar" of "distorted guitar"); their adjectives may carry a mood.
_NAMED = {n.split()[-1] for table in (INSTRUMENTS, VOCALS, GENRES) for names, _ in table for n in names}
_NOT_MOOD_TEXT = """low quality poor bad inferior recording recorded record noise noisy mono stereo amateur audio sound sounds
    sounding song songs music musical instrumental instrument instruments voice voices vocal vocals vocalist male
    female man woman men women singer singers singing sings sung melody melodies harmony harmonies bass beat beats
    tempo rhythm rhythmic track tracks background plays playing played play player features featuring feature live
    studio production produced mix mixed mixer hear heard listen listener listening like would could something
    someone video movie film game kick snare hats hat cymbal cymbals tom toms chords chord notes note line lines
    hits hit section pattern loop part parts second first end beginning tune tunes style genre lyrics language
    people crowd audience room home tutorial lesson performance concert show perform performed performing
    medium moderate tempo uptempo solo backing accompaniment arrangement arrangements effect effects reverb
    wide high higher pitched pitch mid range register key tone tones time count bar bars backup other single
    simple repeated repetitive steady sample samples youtube recorded quality fidelity acoustic electric electronic
    digital classic modern vintage contemporary traditional muffled reverberant reverberating boomy static roomy
    resonant resonance resonating echo echoes echoing thin hollow distant tinny muddy lo-res inaudible playback
    accordeon acapella ad-libs advertisement aerophone african afrobeat afrobeats alap alternative alto american amp
    amplified amplifier animals announcement applause arabian arabic arpeggio arpeggios autotune avant-garde bachata
    background-noises backgroundmusic bagpiper bansuri baritone baroque bassline bassoon beatbox beatboxing beep
    beeping bell birds blasts bluesrock bongo bongos boogie brazilian breakbeat busking cajon caribbean carols
    cartoon celli cellist celtic cembalo chant chanting chinese chiptune chorus christian church clap claps clave
    club coughing collage commercial compilation composer composers conductor conga congas congregational
    contrabass cover cowbell cowboys crackles crackling crickets cultural dancehall delay demonstration dhol djembe
    dobro documentary drone drones duet dulcimer e-piano eastern educational electropop explosions falsetto fans
    fingerpicking fingerstyle folkmusic footsteps gamelan garmon generic gig glockenspiel gong gongs goth grand
    grunting guiro guitarist gunshots guzheng harmonic harmonics harmonium harpist hi-hat hi-hats hindi hindu
    hiphop hissing hollering hooting humming hymns improvisation improvisations indian indie industrial informal
    informative instructional instructive interactive international interview intro irish j-pop jamaican jam
    karaoke k-pop korean latin learning lute mantra maracas masenqo mashup mezzo mid-range mid-tempo mridangam
    narration nature neo-soul oboe oboes offbeat oriental ost oud outdoor outdoors outro overtones pad
    percussionist percussions percussive performer plucking polka polyrhythms poprock practice prayer prayers puja
    punkrock qanun raga ragas rapper recital recorder reggaeton religious remix resonator review riser rocksteady
    rudiments rustling saxophones sci-fi scratching shaker shakers shofar shooting shrutibox shuffle silence
    singer-songwriter siren ska snaps snow soloist soprano sound-effects soundeffects spanish speaking sruti
    steeldrum strumming syncopated syncopation taal tablas talking tanpura tapping tenor thai theremin thunder
    timbale timpani toddlers tremolo triangle tribal trombones tubas tuning turntable unison unrelated vamp
    veena vibraphone vibration vibrations vibrato vinyls violas vocables vocalisation vocoder water waves
    whistling wind winds woodwind woodwinds yodeling zitar mood random hip hop"""
_NOT_MOOD = _NAMED | set(_NOT_MOOD_TEXT.split())


def _find(text: str, table) -> str:
    padded = f" {' '.join(WORD.findall(text.lower().replace('&', ' and ')))} "
    for names, shown in table:
        if any(f" {name} " in padded for name in names):
            return shown
    return ""


def instrument(aspects: list[str], caption: str = "") -> str:
    """The clip's main instrument as shown ("acoustic guitar"), else its vocals ("female vocals"), else drums, else ""."""
    for table in (INSTRUMENTS[:-1], VOCALS, INSTRUMENTS[-1:]):
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


def describing_words(aspect_lists, *, min_count: int = 3) -> frozenset[str]:
    """The words given as a one-word aspect of at least `min_count` clips, less the excluded ones."""
    counts = Counter(
        a.strip().lower() for aspects in aspect_lists for a in aspects if WORD.fullmatch(a.strip().lower())
    )
    return frozenset(w for w, n in counts.items() if n >= min_count and w not in _NOT_MOOD and len(w) >= 3)


@lru_cache(maxsize=1)
def musiccaps_describing_words() -> frozenset[str]:
    from videomood.video_sources import musiccaps_clips

    return describing_words(clip["aspects"] for _, clip in musiccaps_clips())


def mood_word_candidates(aspects: list[str], caption: str, vocabulary=None, limit: int = 12) -> list[str]:
    """Distinct describing words of the aspects, then the caption (at most `limit`)."""
    vocabulary = musiccaps_describing_words() if vocabulary is None else vocabulary
    seen = []
    for text in (*aspects, caption):
        for word in WORD.findall(text.lower()):
            if word in vocabulary and word not in ENGLISH_STOP_WORDS and word not in seen:
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
    adjective = carried[0] if carried else mood.lower()
    played, kind = instrument(aspects, caption), genre(aspects, caption)
    if played == "drums" and kind:
        played = ""
    if played.endswith("vocals") and kind:
        text = _fit([adjective, kind, "with", played])
    else:
        text = _fit([adjective, played, kind or ("" if played.endswith("s") else "music")])
    return text[:1].upper() + text[1:]


def phrase(aspects: list[str], caption: str, carried: list[str], *, words: int = 2) -> str:
    """ "Gentle, melancholic piano": the words that carried the mood, then the instrument; "" without words."""
    played = instrument(aspects, caption)
    shown = [w for w in carried if w not in played.split()][:words]
    if not shown:
        return ""
    text = f"{', '.join(shown)} {played}" if played else ", ".join(shown)
    return text[:1].upper() + text[1:]
