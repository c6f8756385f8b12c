"""Which music moods fit which face emotion, for each strategy: the one table the video pick reads.

A clip's mood is one of AudioSet's seven music-mood classes (a human label, or the caption model's
prediction, videomood.mood_model). The face emotions are the seven of core.emotions. For every
emotion and strategy the table names the music moods whose clips fit:

- match: stay with the mood (sad → Sad, Tender);
- lift: one step towards the goal, happy, or calm for angry, fear and disgust (sad → Happy, Exciting);
  from happy, which is already there, the same mood with more energy (Exciting, Happy);
- iso: the path from the mood to the goal, in order; a list's videos walk it, the first ones
  meet the listener's mood and the last ones arrive (sad → Sad, Tender, Happy; happy winds down
  to calm: Happy, Tender). recommender.engine.strategies says where each list goes.

docs/recommender.md shows the same table; tests check that every emotion × strategy is covered.
"""

from catalogue.vad import word_vad
from core.emotions import ANGRY, DISGUST, EMOTIONS, FEAR, HAPPY, NEUTRAL, SAD, SURPRISE

HAPPY_M, FUNNY, SAD_M, TENDER, EXCITING, ANGRY_M, SCARY = (
    "Happy",
    "Funny",
    "Sad",
    "Tender",
    "Exciting",
    "Angry",
    "Scary",
)
# AudioSet's order (/t/dd00031 … /t/dd00037); the model's class order.
MOODS = (HAPPY_M, FUNNY, SAD_M, TENDER, EXCITING, ANGRY_M, SCARY)

# emotion → strategy → music moods (for iso: the path, in order).
MOOD_MAP = {
    ANGRY: {"match": (ANGRY_M,), "lift": (TENDER, HAPPY_M), "iso": (ANGRY_M, EXCITING, HAPPY_M, TENDER)},
    DISGUST: {"match": (ANGRY_M, SCARY), "lift": (TENDER, HAPPY_M), "iso": (ANGRY_M, EXCITING, TENDER)},
    FEAR: {"match": (SCARY,), "lift": (TENDER, HAPPY_M), "iso": (SCARY, SAD_M, TENDER)},
    HAPPY: {"match": (HAPPY_M, FUNNY, EXCITING), "lift": (EXCITING, HAPPY_M), "iso": (HAPPY_M, TENDER)},
    SAD: {"match": (SAD_M, TENDER), "lift": (HAPPY_M, EXCITING), "iso": (SAD_M, TENDER, HAPPY_M)},
    SURPRISE: {"match": (EXCITING, FUNNY), "lift": (HAPPY_M, FUNNY), "iso": (EXCITING, FUNNY, HAPPY_M)},
    NEUTRAL: {"match": (TENDER, HAPPY_M), "lift": (HAPPY_M, FUNNY, EXCITING), "iso": (TENDER, HAPPY_M, EXCITING)},
}

# The face emotion a clip of each mood matches first (the Video.emotion shown in the admin).
EMOTION_OF_MOOD = {
    HAPPY_M: HAPPY,
    FUNNY: SURPRISE,
    SAD_M: SAD,
    TENDER: NEUTRAL,
    EXCITING: SURPRISE,
    ANGRY_M: ANGRY,
    SCARY: FEAR,
}
assert set(MOOD_MAP) == set(EMOTIONS) and all(m in MOODS for row in MOOD_MAP.values() for s in row.values() for m in s)


def fitting_moods(emotion: str, strategy: str) -> tuple[str, ...]:
    return MOOD_MAP[emotion][strategy]


def mood_at(emotion: str, strategy: str, position: int, n: int) -> str:
    """The mood wanted at a position of a list of n videos: iso walks its path, the others take turns."""
    moods = MOOD_MAP[emotion][strategy]
    if strategy == "iso":
        return moods[round(position * (len(moods) - 1) / max(1, n - 1))]
    return moods[position % len(moods)]


def fits(emotion: str, strategy: str, *, human: list[str], predicted: str) -> bool:
    """A clip fits when one of its human labels does, or (without one) its predicted mood does."""
    wanted = MOOD_MAP[emotion][strategy]
    return any(m in wanted for m in human) if human else predicted in wanted


def mood_vad() -> dict[str, tuple[float, float, float]]:
    """Warriner's coordinates of each mood's own word ("tender": 6.47/3.22/5.85)."""
    return {mood: word_vad(mood.lower()) for mood in MOODS}


def expected_vad(probabilities: dict[str, float]) -> tuple[float, float, float]:
    """A clip's VAD: its mood distribution's average of the mood words' coordinates."""
    coordinates = mood_vad()
    total = sum(probabilities.values()) or 1.0
    return tuple(round(sum(p * coordinates[m][i] for m, p in probabilities.items()) / total, 3) for i in range(3))  # type: ignore[return-value]
