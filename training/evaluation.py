"""Accuracy, per-class recall and the confusion matrix of an emotion model, and its picture.

Framework-free: a model is any callable from uint8 greyscale faces (N, S, S) to
probabilities (N, 7), so the same figures come from a PyTorch network in training, the
exported ONNX file and the serving classifier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.emotions import ANGRY, DISGUST, EMOTIONS, FEAR, HAPPY, SAD, SURPRISE, WARRINER_VAD

Predict = Callable[[np.ndarray], np.ndarray]


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


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth), np.asarray(predicted)), 1)
    return matrix


def evaluation_from_predictions(truth: np.ndarray, predicted: np.ndarray, folder: str | Path = "") -> Evaluation:
    confusion = confusion_matrix(truth, predicted)
    counts = confusion.sum(axis=1)
    recall = {e: float(confusion[i, i] / counts[i]) for i, e in enumerate(EMOTIONS) if counts[i]}
    return Evaluation(
        folder=str(folder),
        images=int(counts.sum()),
        accuracy=float(np.trace(confusion) / max(1, confusion.sum())),
        recall=recall,
        confusion=confusion.tolist(),
        class_counts={e: int(counts[i]) for i, e in enumerate(EMOTIONS)},
    )


def evaluate(
    predict: Predict, faces: np.ndarray, labels: np.ndarray, folder: str | Path = "", batch_size: int = 256
) -> Evaluation:
    """Run `predict` over faces already at the model's input size, in batches."""
    predicted = (
        np.concatenate(
            [
                np.asarray(predict(faces[start : start + batch_size])).argmax(axis=1)
                for start in range(0, len(faces), batch_size)
            ]
        )
        if len(faces)
        else np.empty(0, dtype=int)
    )
    return evaluation_from_predictions(labels, predicted, folder)


def draw_confusion(confusion, path: Path, title: str) -> Path:
    """The confusion matrix as a PNG: shares of each true class, with counts."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    matrix = np.asarray(confusion, dtype=float)
    rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=110)
    image = ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=35, ha="right")
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=10)
    for i in range(len(EMOTIONS)):
        for j in range(len(EMOTIONS)):
            ax.text(
                j,
                i,
                f"{int(matrix[i, j])}\n{rows[i, j]:.0%}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if rows[i, j] > 0.5 else "black",
            )
    fig.colorbar(image, ax=ax, label="share of the true class")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path


# What a misreading costs a listener: the recommender looks for songs near the read emotion's
# point in valence/arousal/dominance space (core.emotions.WARRINER_VAD), so a sad face read as
# fear still gets songs near sad, read as happy it gets the opposite. Accuracy counts both alike.
_VAD = np.array([WARRINER_VAD[e] for e in EMOTIONS])
MOOD_DISTANCE = np.linalg.norm(_VAD[:, None] - _VAD[None], axis=2)
_NEGATIVE = [EMOTIONS.index(e) for e in (ANGRY, DISGUST, FEAR, SAD)]
_CHEERFUL = [EMOTIONS.index(e) for e in (HAPPY, SURPRISE)]
_ANGRY = EMOTIONS.index(ANGRY)


@dataclass(frozen=True)
class ListenerMistakes:
    """The misreadings a listener hears, from a confusion matrix (rows true, columns read)."""

    mood_distance: float  # mean VAD distance (1–9 scales) between the true and the read emotion
    cheerful_for_negative: float  # share of angry/disgust/fear/sad faces read happy or surprise
    angry_for_other: float  # share of faces not angry read angry: aggressive songs for them

    def summary(self) -> str:
        return (
            f"mood distance {self.mood_distance:.2f}, negative faces read happy/surprise "
            f"{self.cheerful_for_negative:.1%}, other faces read angry {self.angry_for_other:.1%}"
        )


def listener_mistakes(confusion) -> ListenerMistakes:
    matrix = np.asarray(confusion, dtype=float)
    negative = matrix[_NEGATIVE]
    not_angry = np.delete(matrix, _ANGRY, axis=0)
    return ListenerMistakes(
        mood_distance=float((matrix * MOOD_DISTANCE).sum() / max(1.0, matrix.sum())),
        cheerful_for_negative=float(negative[:, _CHEERFUL].sum() / max(1.0, negative.sum())),
        angry_for_other=float(not_angry[:, _ANGRY].sum() / max(1.0, not_angry.sum())),
    )


def paired_interval(a: np.ndarray, b: np.ndarray, draws: int = 2000, seed: int = 0) -> tuple[float, float, float]:
    """The mean of b minus a over the same faces (right or not, or any per-face cost), with a 95%
    paired bootstrap interval.

    Two models read the same faces, so their errors are correlated: resampling faces (not each
    model's score apart) gives the interval of the difference — whether +0.6 points is a model
    or the draw of the test faces.
    """
    difference = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    rng = np.random.default_rng(seed)
    means = np.array([difference[rng.integers(0, len(difference), len(difference))].mean() for _ in range(draws)])
    low, high = np.percentile(means, [2.5, 97.5])
    return float(difference.mean()), float(low), float(high)


def recall_table(evaluations: list[tuple[str, Evaluation]]) -> list[str]:
    """Markdown rows: one model per row, accuracy then recall per class."""
    rows = ["| model | accuracy | " + " | ".join(EMOTIONS) + " |", "|" + "---|" * (len(EMOTIONS) + 2)]
    for name, ev in evaluations:
        cells = " | ".join(f"{ev.recall.get(e, float('nan')):.1%}" for e in EMOTIONS)
        rows.append(f"| {name} | **{ev.accuracy:.2%}** | {cells} |")
    return rows
