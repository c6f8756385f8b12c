"""Accuracy and per-class recall of an emotion model on a labelled folder."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import tensorflow as tf

from core.emotions import EMOTIONS

from .data import LabelledImages, to_model_input


@dataclass(frozen=True)
class Evaluation:
    folder: str
    images: int
    accuracy: float
    recall: dict[str, float]
    confusion: list[list[int]]  # rows: true emotion, columns: predicted, EMOTIONS order
    class_counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        recalls = ", ".join(f"{e} {self.recall[e]:.1%}" for e in EMOTIONS if e in self.recall)
        return f"accuracy {self.accuracy:.2%} on {self.images} images; recall: {recalls}"


def model_input_size(model) -> tuple[int, int]:
    return tuple(model.input_shape[1:3])


def predict_probabilities(model, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Softmax outputs for uint8 greyscale faces (N, h, w), resized to the model's input."""
    data = LabelledImages(images, np.zeros(len(images), dtype=np.int64))
    faces = data.resized(model_input_size(model))
    outputs = [
        model(to_model_input(faces[start:start + batch_size]), training=False).numpy()
        for start in range(0, len(faces), batch_size)
    ]
    return np.concatenate(outputs)


def evaluate(model, data: LabelledImages, folder: str | Path = "") -> Evaluation:
    predicted = predict_probabilities(model, data.images).argmax(axis=1)
    confusion = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=np.int64)
    np.add.at(confusion, (data.labels, predicted), 1)
    counts = confusion.sum(axis=1)
    recall = {e: float(confusion[i, i] / counts[i]) for i, e in enumerate(EMOTIONS) if counts[i]}
    return Evaluation(
        folder=str(folder),
        images=int(len(data)),
        accuracy=float(np.trace(confusion) / confusion.sum()),
        recall=recall,
        confusion=confusion.tolist(),
        class_counts={e: int(counts[i]) for i, e in enumerate(EMOTIONS)},
    )


def single_face_latency_ms(model, repeats: int = 200) -> float:
    """Median time of one forward pass on one face, the way the vision pipeline calls it."""
    height, width = model_input_size(model)
    face = tf.constant(np.zeros((1, height, width, 1), dtype=np.float32))
    forward = tf.function(lambda x: model(x, training=False))
    for _ in range(10):
        forward(face)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        forward(face).numpy()
        timings.append((time.perf_counter() - started) * 1000.0)
    return float(np.median(timings))
