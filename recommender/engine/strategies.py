"""The three strategies: where a list of songs heads from the listener's mood, position by position.

- match: stay with the mood (every position targets it);
- lift: one step from the mood towards a better one (half-way, every position);
- iso: start at the mood and walk to the better one, one step per song (the iso principle of
  music therapy: meet the listener where they are, then lead).

The better mood is calm for the agitated emotions (anger, fear, disgust) and happy for the rest.
Where the listener already is there (happy), "towards happy" would go nowhere and give the match
list again; a listener there wants one of two things instead: lift keeps the mood with more
energy (the whole step, to an up-tempo happy), and iso winds down from it to calm.
"""

from core.emotions import ADJECTIVE, HAPPY, WARRINER_VAD

STRATEGIES = ("match", "lift", "iso")
CALM = (6.89, 1.67, 7.44)  # Warriner's "calm"
# Happy with the energy of an up-tempo song: Warriner's "excited" (8.11, 6.43, 7.33), arousal raised
# to where the catalogue's dance and party songs sit.
ENERGETIC = (8.11, 7.6, 7.33)
GOALS = {"angry": CALM, "fear": CALM, "disgust": CALM}
# The moods that are their own goal: per strategy, where the list goes instead, and its name.
ALREADY_THERE = {HAPPY: {"lift": (ENERGETIC, "more energy"), "iso": (CALM, "calm")}}
LIFT_STEP = 0.5  # lift aims half-way from the mood to its goal


def already_there(emotion: str) -> bool:
    """The mood is the one the strategies lead to: lift and iso go elsewhere for it (see ALREADY_THERE)."""
    return emotion in ALREADY_THERE


def goal_of(emotion: str, strategy: str = "lift") -> tuple:
    if emotion in ALREADY_THERE and strategy in ALREADY_THERE[emotion]:
        return ALREADY_THERE[emotion][strategy][0]
    return GOALS.get(emotion, WARRINER_VAD[HAPPY])


def goal_name(emotion: str, strategy: str = "lift") -> str:
    if emotion in ALREADY_THERE and strategy in ALREADY_THERE[emotion]:
        return ALREADY_THERE[emotion][strategy][1]
    return "calm" if emotion in GOALS else HAPPY


def strategy_note(strategy: str, emotion: str) -> str:
    """What the list does from this mood, in one sentence for the listener (the page shows it)."""
    if strategy == "match":
        return f"Songs that stay with your {ADJECTIVE[emotion]} mood."
    goal = goal_name(emotion, strategy)
    if already_there(emotion):
        if strategy == "lift":
            return f"You are already {emotion}: songs that keep the mood, with {goal}."
        return f"You are already {emotion}: it starts there, then winds down, song by song, to {goal}."
    if strategy == "lift":
        return f"A step from {ADJECTIVE[emotion]} towards {goal}."
    return f"It starts where you are, {ADJECTIVE[emotion]}, and moves song by song to {goal}."


def targets(strategy: str, start: tuple, emotion: str, n: int) -> list[tuple]:
    """The VAD target for each of the n positions of the list."""
    goal = goal_of(emotion, strategy)
    if strategy == "lift":
        step = 1.0 if already_there(emotion) else LIFT_STEP  # "more energy" is itself the step
        point = tuple(s + step * (g - s) for s, g in zip(start, goal))
        return [point] * n
    if strategy == "iso":
        return [tuple(s + (i / max(1, n - 1)) * (g - s) for s, g in zip(start, goal)) for i in range(n)]
    return [start] * n
