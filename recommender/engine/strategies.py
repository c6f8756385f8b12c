"""The three strategies: where a list of songs heads from the listener's mood, position by position.

- match: stay with the mood (every position targets it);
- lift: one step from the mood towards a better one (half-way, every position);
- iso: start at the mood and walk to the better one, one step per song (the iso principle of
  music therapy: meet the listener where they are, then lead).

The better mood is calm for the agitated emotions (anger, fear, disgust) and happy for the rest.
"""

from core.emotions import HAPPY, WARRINER_VAD

STRATEGIES = ("match", "lift", "iso")
CALM = (6.89, 1.67, 7.44)  # Warriner's "calm"
GOALS = {"angry": CALM, "fear": CALM, "disgust": CALM}
LIFT_STEP = 0.5  # lift aims half-way from the mood to its goal


def goal_of(emotion: str) -> tuple:
    return GOALS.get(emotion, WARRINER_VAD[HAPPY])


def goal_name(emotion: str) -> str:
    return "calm" if emotion in GOALS else HAPPY


def targets(strategy: str, start: tuple, emotion: str, n: int) -> list[tuple]:
    """The VAD target for each of the n positions of the list."""
    goal = goal_of(emotion)
    if strategy == "lift":
        point = tuple(s + LIFT_STEP * (g - s) for s, g in zip(start, goal))
        return [point] * n
    if strategy == "iso":
        return [tuple(s + (i / max(1, n - 1)) * (g - s) for s, g in zip(start, goal)) for i in range(n)]
    return [start] * n
