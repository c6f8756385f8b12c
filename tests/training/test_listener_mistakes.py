"""What a misreading costs a listener: the recommender's distance between the true and the read mood."""

import numpy as np
import pytest

from core.emotions import EMOTIONS, WARRINER_VAD
from training.evaluation import listener_mistakes, paired_interval


def matrix_of(*pairs: tuple[str, str, int]) -> np.ndarray:
    """A confusion matrix from (true, read, count) triples."""
    matrix = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=int)
    for true, read, count in pairs:
        matrix[EMOTIONS.index(true), EMOTIONS.index(read)] += count
    return matrix


def test_faces_read_right_cost_nothing():
    mistakes = listener_mistakes(np.diag([5, 1, 4, 9, 6, 3, 7]))
    assert (mistakes.mood_distance, mistakes.cheerful_for_negative, mistakes.angry_for_other) == (0, 0, 0)


def test_a_sad_face_read_happy_is_the_whole_width_of_the_mood_space_away():
    mistakes = listener_mistakes(matrix_of(("sad", "happy", 1), ("sad", "sad", 1)))
    distance = np.linalg.norm(np.subtract(WARRINER_VAD["sad"], WARRINER_VAD["happy"]))
    assert mistakes.mood_distance == pytest.approx(distance / 2) and distance > 7
    assert mistakes.cheerful_for_negative == 0.5 and mistakes.angry_for_other == 0


def test_the_same_accuracy_costs_less_when_sad_is_read_as_fear_than_as_happy():
    near = listener_mistakes(matrix_of(("sad", "fear", 3), ("sad", "sad", 7)))
    far = listener_mistakes(matrix_of(("sad", "happy", 3), ("sad", "sad", 7)))
    assert near.mood_distance < far.mood_distance / 2
    assert near.cheerful_for_negative == 0 and far.cheerful_for_negative == 0.3


def test_angry_readings_count_only_against_faces_that_are_not_angry():
    mistakes = listener_mistakes(matrix_of(("angry", "angry", 10), ("neutral", "angry", 1), ("neutral", "neutral", 3)))
    assert mistakes.angry_for_other == 0.25
    assert "other faces read angry 25.0%" in mistakes.summary()


def test_the_paired_interval_leaves_out_zero_only_for_a_real_difference():
    rng = np.random.default_rng(1)
    a = rng.random(2000) < 0.6
    better = a | (rng.random(2000) < 0.2)  # right wherever a is, and on a fifth of the rest
    noise = a.copy()  # as many faces lost as won: 50 each way
    noise[np.flatnonzero(a)[:50]] = False
    noise[np.flatnonzero(~a)[:50]] = True
    mean, low, high = paired_interval(a, better)
    assert 0 < low < mean < high and mean == pytest.approx(better.mean() - a.mean())
    mean, low, high = paired_interval(a, noise)
    assert mean == 0 and low < 0 < high
    assert paired_interval(a, a) == (0, 0, 0)
