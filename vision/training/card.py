"""The model card: a short Markdown file beside the model saying what it is and how it was made."""

from __future__ import annotations

import hashlib
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import tensorflow as tf

from core.emotions import EMOTIONS

from .evaluation import Evaluation


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def draw_confusion(evaluation: Evaluation, path: Path, title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    confusion = np.asarray(evaluation.confusion, dtype=float)
    share = confusion / np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(6.4, 5.6), dpi=100)
    ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=45, ha="right")
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    for i in range(len(EMOTIONS)):
        for j in range(len(EMOTIONS)):
            ax.text(j, i, f"{share[i, j]:.0%}", ha="center", va="center", fontsize=8,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _network_parameters(model) -> int:
    """Parameters of the network, leaving out the constant mirror of a mirror-averaged model."""
    mirror = [layer for layer in model.layers if layer.name == "mirror"]
    return model.count_params() - sum(layer.count_params() for layer in mirror)


def _recall_table(evaluations: list[tuple[str, Evaluation]]) -> list[str]:
    header = "| model | accuracy | " + " | ".join(EMOTIONS) + " |"
    rows = [header, "|" + "---|" * (len(EMOTIONS) + 2)]
    for name, ev in evaluations:
        cells = " | ".join(f"{ev.recall.get(e, float('nan')):.1%}" for e in EMOTIONS)
        rows.append(f"| {name} | **{ev.accuracy:.2%}** | {cells} |")
    return rows


def write_model_card(result, command: str, latency_ms: float | None = None) -> Path:
    """Write `<out without suffix>.md` (and a confusion-matrix PNG when evaluated); return the card path."""
    cfg = result.config
    out = Path(cfg.out)
    card = out.with_suffix(".md")
    model = result.model
    width = model.input_shape[2]
    lines = [
        f"# {out.name}",
        "",
        f"Emotion CNN for EmoTunes, written {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by "
        "`manage.py train_emotion_model`. Input: a greyscale face "
        f"{model.input_shape[1]}×{model.input_shape[2]}×1 scaled to [-1, 1]; output: 7 softmax "
        f"probabilities in the order {', '.join(EMOTIONS)} (`core.emotions.EMOTIONS`), like the "
        "shipped mini-Xception, so `vision.pipeline` loads it the same way.",
        "",
        "## How it was produced",
        "",
        "```sh",
        command,
        "```",
        "",
        f"- start: `{cfg.init}`; {_network_parameters(model):,} parameters in the network"
        + (f"; the saved model averages the network's outputs on the face and its mirror image (a fixed "
           f"{width}×{width} mirror matrix adds {width * width:,} constant weights to the file)" if cfg.flip_average else ""),
        f"- training data: `{cfg.data_dir}`, {sum(result.train_counts.values()):,} images "
        f"({', '.join(f'{e} {n}' for e, n in result.train_counts.items())}); validation split "
        f"{cfg.val_split:g} of it, stratified: {sum(result.val_counts.values()):,} images"
        + (" (the shipped model was trained on all of FER2013 train, so these images are not unseen by the "
           "starting point: validation accuracy here only monitors the run)" if cfg.init == "fer_mini_xception" else ""),
        f"- augmentation: {'mirror, ±10° rotation, ±10% shift, ±10% zoom, ±25% brightness and contrast' if cfg.augment else 'none'}",
        f"- batch normalisation: {'frozen at the starting model' if cfg.freeze_batchnorm else 'trained'}",
        f"- class weights ({cfg.class_weighting}): {', '.join(f'{e} {w:.2f}' for e, w in result.weights.items())}",
        f"- optimiser: Adam, learning rate {cfg.resolved_learning_rate():g}, "
        + ("halved when validation accuracy stalls" if cfg.schedule == "plateau" else "cosine decay to 2% over the planned epochs or the time budget, whichever ends first")
        + f"; batch {cfg.batch_size}, {result.steps_per_epoch} steps per epoch",
        f"- epochs: {len(result.epochs)} run; kept epoch {result.selected_epoch} ({cfg.select}); best validation "
        f"accuracy {result.best_val_accuracy:.2%} at epoch {result.best_epoch}; stopped: {result.stopped_because}",
        f"- time: {result.seconds / 60:.1f} min on {platform.machine()} CPU, {cfg.threads} TensorFlow "
        f"thread(s), TensorFlow {tf.__version__}",
    ]
    if latency_ms is not None:
        lines.append(f"- one face through the saved model: {latency_ms:.1f} ms (median, same machine)")
    if out.exists():
        lines.append(f"- file: `{out.name}`, {out.stat().st_size / 1e6:.2f} MB, SHA-256 `{_sha256(out)}`")
    if result.evaluation is not None:
        ev = result.evaluation
        lines += ["", f"## Accuracy on `{ev.folder}` ({ev.images:,} images, never trained on)", ""]
        evaluations = [("this model", ev)]
        if result.initial_evaluation is not None:
            start = "the starting model" + (" (mirror-averaged too)" if cfg.flip_average else "")
            evaluations.append((start, result.initial_evaluation))
        lines += ["Recall per class:", ""] + _recall_table(evaluations)
        picture = draw_confusion(ev, out.with_name(out.stem + "-confusion.png"),
                                 f"{out.name} on {Path(ev.folder).name}: {ev.accuracy:.1%}")
        lines += ["", f"![confusion matrix]({picture.name})", "", "Confusion matrix (rows true, columns predicted):", "",
                  "| true \\ predicted | " + " | ".join(EMOTIONS) + " |", "|" + "---|" * (len(EMOTIONS) + 1)]
        for emotion, row in zip(EMOTIONS, ev.confusion):
            lines.append(f"| {emotion} | " + " | ".join(str(n) for n in row) + " |")
    lines += ["", "## Epochs", "", "| epoch | s | loss | acc | val loss | val acc | lr |", "|---|---|---|---|---|---|---|"]
    for r in result.epochs:
        lines.append(f"| {r.epoch} | {r.seconds:.0f} | {r.loss:.4f} | {r.accuracy:.4f} | {r.val_loss:.4f} | "
                     f"{r.val_accuracy:.4f} | {r.learning_rate:.1e} |")
    card.write_text("\n".join(lines) + "\n")
    return card
