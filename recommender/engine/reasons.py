"""Why a song was chosen, in one sentence: the mood it fits or the way it leads, then the listener's part.

"Fits a sad mood: tagged melancholy, lonely", "A step from sad towards happy: a gentle, warm song",
"Song 4 of 10 on the way from sad to happy", each followed by "· you liked Adele" and the like
when the listener's taste moved the song up. For a mood that is already the goal (happy):
"Keeps you happy, with more energy: a lively, bright song" and "Song 4 of 10 winding down from
happy to calm".

A reason is for a listener, so it never quotes a valence or arousal number: `sound_words` says
where the song sits in words; the numbers go to `track_detail`, which the page shows as a tooltip.
"""

from catalogue.recordings import primary_artist
from catalogue.vad import SCALE_MID, word_vad
from core.emotions import ADJECTIVE, WARRINER_VAD
from recommender.engine.strategies import already_there, goal_name
from recommender.engine.taste import Taste


def track_reason(track: dict, *, emotion: str, strategy: str, taste: Taste | None, position: int, n: int) -> str:
    """The reason shown under a song; `track` holds its id, artist, genre, valence, arousal and mood_tags."""
    if strategy == "match":
        agreeing = tags_agreeing_with(track["mood_tags"], emotion)
        mood = ADJECTIVE[emotion]
        article = "an" if mood[0] in "aeiou" else "a"
        reason = f"Fits {article} {mood} mood: " + (
            f"tagged {', '.join(agreeing[:3])}" if agreeing else sound_words(track["valence"], track["arousal"])
        )
    elif strategy == "lift" and already_there(emotion):
        reason = f"Keeps you {emotion}, with {goal_name(emotion, strategy)}: {sound_words(track['valence'], track['arousal'])}"
    elif strategy == "lift":
        reason = f"A step from {ADJECTIVE[emotion]} towards {goal_name(emotion, strategy)}: {sound_words(track['valence'], track['arousal'])}"
    elif already_there(emotion):
        reason = f"Song {position + 1} of {n} winding down from {emotion} to {goal_name(emotion, strategy)}"
    else:
        reason = f"Song {position + 1} of {n} on the way from {ADJECTIVE[emotion]} to {goal_name(emotion, strategy)}"
    personal = _personal(track, taste) if taste and taste.personalised else []
    return reason + (" · " + ", ".join(personal) if personal else "")


def tags_agreeing_with(tags, emotion: str) -> list[str]:
    """The listener tags on the same side of pleasant/unpleasant as the emotion.

    A song can sit near an emotion by its numbers yet carry a tag that says otherwise (a
    "sad" label on a bright-sounding track); quoting that tag as the reason would read as
    a contradiction.
    """
    side = WARRINER_VAD[emotion][0] - SCALE_MID
    agreeing = []
    for tag in tags or ():
        vad = word_vad(tag.lower())
        if vad is not None and (vad[0] - SCALE_MID) * side > 0:
            agreeing.append(tag)
    return agreeing


# Where a song sits on Warriner's 1–9 scales, in the words a listener would use: (upper bound, word).
_ENERGY = ((3.5, "calm"), (4.7, "gentle"), (5.9, "steady"), (7.0, "lively"), (10.0, "energetic"))
_FEEL = ((3.2, "dark"), (4.4, "wistful"), (5.6, "mellow"), (6.8, "warm"), (10.0, "bright"))


def sound_words(valence: float, arousal: float) -> str:
    """ "a calm, dark song", "an energetic, bright song": arousal, then valence, in words."""
    energy = next(word for bound, word in _ENERGY if arousal < bound)
    feel = next(word for bound, word in _FEEL if valence < bound)
    article = "an" if energy[0] in "aeiou" else "a"
    return f"{article} {energy}, {feel} song"


def track_detail(track: dict) -> str:
    """The numbers behind the words, for a tooltip: "Valence 3.8, arousal 5.4 (1–9)"."""
    return f"Valence {track['valence']:.1f}, arousal {track['arousal']:.1f} (on a 1–9 scale)"


def _personal(track: dict, taste: Taste) -> list[str]:
    said = []
    artist, genre = track["artist"], track["genre"]
    if taste.liked_artists.get(primary_artist(artist)):
        said.append(f"you liked {artist}")
    if genre and taste.liked_genres.get(genre):
        said.append(f"you like {genre}")
    if taste.neighbour_likes.get(track["id"]):
        said.append("listeners with your taste liked it")
    return said
