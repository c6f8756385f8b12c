"""Valence/arousal/dominance: the scale, the conversions from each source, and lexicon VAD for text.

Everything is stored on the 1–9 scale of Warriner, Kuperman & Brysbaert (2013), which is the
scale MuSe publishes. The conversions below are the only place another scale enters.
"""

import csv
import math
import re
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from core.emotions import EMOTIONS, WARRINER_VAD

SCALE_MIN, SCALE_MAX, SCALE_MID = 1.0, 9.0, 5.0

# Deezer's valence/arousal were made like MuSe's (last.fm tags scored with Warriner's norms),
# then standardised. We undo the standardisation with the mean and standard deviation of
# MuSe's own song VAD (measured on the MuSe authors' 1,000-song sample): x = mean + z * sd.
DEEZER_Z_TO_WARRINER = {"valence": (5.92, 1.33), "arousal": (4.60, 0.97)}


def clamp(value: float) -> float:
    return min(SCALE_MAX, max(SCALE_MIN, value))


def deezer_to_warriner(z: float, dimension: str) -> float:
    mean, sd = DEEZER_Z_TO_WARRINER[dimension]
    return clamp(mean + z * sd)


def unit_to_warriner(x: float) -> float:
    """A 0–1 value (Spotify's valence/energy, the NRC VAD lexicon) mapped linearly onto 1–9."""
    return SCALE_MIN + (SCALE_MAX - SCALE_MIN) * x


def moments(points) -> tuple[list[float], list[float]]:
    """Per-dimension mean and (population) standard deviation of a set of points."""
    columns = list(zip(*points))
    means = [sum(c) / len(c) for c in columns]
    sds = [max(1e-6, (sum((x - m) ** 2 for x in c) / len(c)) ** 0.5) for c, m in zip(columns, means)]
    return means, sds


EMOTION_MEAN, EMOTION_SD = moments(list(WARRINER_VAD.values()))


def map_between(vad, source: tuple[list[float], list[float]], target: tuple[list[float], list[float]]):
    """Carry a point from one VAD distribution to another, keeping its z-score per dimension.

    Captions average many words, so lexicon VAD of videos crowds the middle of the scale: the
    Warriner point for "sad" lies beyond every video. Mapping through z-scores compares ranks
    instead (the saddest videos for sad), without using any labels.
    """
    (src_mean, src_sd), (dst_mean, dst_sd) = source, target
    return tuple(dst_mean[i] + (vad[i] - src_mean[i]) / src_sd[i] * dst_sd[i] for i in range(len(vad)))


def nearest_emotion(valence: float, arousal: float, dominance: float | None = None) -> str:
    """The basic emotion whose Warriner coordinates lie closest (V/A, plus D when known)."""
    best, best_distance = EMOTIONS[0], math.inf
    for emotion in EMOTIONS:
        v, a, d = WARRINER_VAD[emotion]
        distance = (valence - v) ** 2 + (arousal - a) ** 2
        if dominance is not None:
            distance += (dominance - d) ** 2
        if distance < best_distance:
            best, best_distance = emotion, distance
    return best


# --- Lexicon VAD for captions and mood words --------------------------------------------

# Words that describe the recording or the instrumentation rather than a feeling; Warriner
# gives several of them strong values ("low" is sad, "noise" is arousing) that would swamp
# the caption's mood.
_NOT_MOOD_WORDS = """low quality poor recording recorded record noise noisy mono stereo amateur audio sound sounds song songs
    music musical instrumental instrument voice vocal vocals male female man woman singer singing sings sung
    melody harmony bass drum drums guitar piano keyboard synth beat beats tempo rhythm track background
    plays playing played play features featuring feature live studio production produced mix mixed
    hear heard listen listening like would could something someone video movie film game"""
_NOT_MOOD = frozenset(_NOT_MOOD_WORDS.split())
# A word counts as a mood word when Warriner places it this far from the neutral middle.
MOOD_WORD_MIN_SALIENCE = 1.5


def _lexicon_dir() -> Path:
    return Path(settings.EMOTUNES_DATA_DIR) / "lexicons"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[float, float, float]]:
    """Warriner (1–9) first; NRC VAD v1 (0–1, mapped linearly onto 1–9) for words Warriner lacks."""
    words: dict[str, tuple[float, float, float]] = {}
    nrc_path = _lexicon_dir() / "nrc_vad_v1.tsv"
    if nrc_path.exists():
        with nrc_path.open(encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter="\t")
            next(reader, None)
            for row in reader:
                if len(row) >= 4:
                    words[row[0].lower()] = tuple(unit_to_warriner(float(x)) for x in row[1:4])
    with (_lexicon_dir() / "warriner_2013_vad.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            words[row["Word"].lower()] = (float(row["V.Mean.Sum"]), float(row["A.Mean.Sum"]), float(row["D.Mean.Sum"]))
    return words


def word_vad(word: str) -> tuple[float, float, float] | None:
    words = lexicon()
    # Crude lemmatising: the norms list lemmas ("relax"), captions inflect them ("relaxing").
    candidates = [word]
    for suffix, replacement in (
        ("ing", ""),
        ("ing", "e"),
        ("ed", ""),
        ("ed", "e"),
        ("es", ""),
        ("s", ""),
        ("ly", ""),
        ("ness", ""),
        ("ful", ""),
    ):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            candidates.append(word[: -len(suffix)] + replacement)
    for candidate in candidates:
        if candidate in words:
            return words[candidate]
    return None


def salience(vad: tuple[float, float, float]) -> float:
    return max(abs(vad[0] - SCALE_MID), abs(vad[1] - SCALE_MID))


def text_vad(*texts: str) -> tuple[tuple[float, float, float] | None, list[str]]:
    """VAD of the mood words in the texts, each weighted by how emotional it is, and those words
    (most emotional first).

    Returns (None, []) when no word carries a mood.
    """
    weights, sums, mood_words = 0.0, [0.0, 0.0, 0.0], {}
    for text in texts:
        for word in re.findall(r"[a-z]+", text.lower()):
            if word in _NOT_MOOD or len(word) < 3:
                continue
            vad = word_vad(word)
            if vad is None or salience(vad) < MOOD_WORD_MIN_SALIENCE:
                continue
            weight = salience(vad)
            weights += weight
            for i in range(3):
                sums[i] += weight * vad[i]
            mood_words[word] = weight
    if not weights:
        return None, []
    # Most emotional first: "sad" before "strings".
    return tuple(round(s / weights, 3) for s in sums), sorted(mood_words, key=mood_words.get, reverse=True)
