"""Accuracy of the emotion CNN on a labelled folder, through the pipeline's own preprocessing."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.emotions import EMOTIONS
from vision.alignment import resize_face
from vision.emotion import ModelFileMissing, build_classifier, configure_tensorflow
from vision.pipeline import classify_faces

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp", ".bmp"}


def load_labelled_folder(folder: Path) -> tuple[list[Path], np.ndarray]:
    """`folder/<emotion>/*.jpg` → paths and label indices in EMOTIONS order."""
    paths, labels = [], []
    for index, emotion in enumerate(EMOTIONS):
        for path in sorted((folder / emotion).glob("*")):
            if path.suffix.lower() in IMAGE_SUFFIXES:
                paths.append(path)
                labels.append(index)
    return paths, np.asarray(labels, dtype=int)


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    matrix = np.zeros((len(EMOTIONS), len(EMOTIONS)), dtype=int)
    np.add.at(matrix, (truth, predicted), 1)
    return matrix


def draw_confusion_matrix(matrix: np.ndarray, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(7.5, 6.5), dpi=110)
    image = ax.imshow(rows, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(EMOTIONS)), EMOTIONS, rotation=35, ha="right")
    ax.set_yticks(range(len(EMOTIONS)), EMOTIONS)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(len(EMOTIONS)):
        for j in range(len(EMOTIONS)):
            ax.text(j, i, f"{matrix[i, j]}\n{rows[i, j]:.0%}", ha="center", va="center", fontsize=7,
                    color="white" if rows[i, j] > 0.5 else "black")
    fig.colorbar(image, ax=ax, label="share of the true class")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


class Command(BaseCommand):
    help = (
        "Run the emotion CNN on a labelled image folder (<folder>/<emotion>/*.jpg, default FER2013 "
        "public_test) and print accuracy, per-class recall and the confusion matrix, saved as PNG."
    )

    def add_arguments(self, parser):
        parser.add_argument("--folder", type=Path, default=None, help="labelled folder (default: EMOTUNES_DATA_DIR/faces/fer2013/public_test)")
        parser.add_argument("--model", default=None, help="Keras model file or 'deepface' (default: EMOTION_MODEL)")
        parser.add_argument("--output", type=Path, default=None, help="PNG path for the confusion matrix")
        parser.add_argument("--batch-size", type=int, default=256)
        parser.add_argument("--limit", type=int, default=0, help="evaluate at most this many images per class")

    def handle(self, *args, **options):
        folder = options["folder"] or settings.EMOTUNES_DATA_DIR / "faces" / "fer2013" / "public_test"
        if not folder.is_dir():
            raise CommandError(f"No labelled folder at {folder} (expected <folder>/<emotion>/*.jpg).")
        paths, labels = load_labelled_folder(folder)
        if options["limit"]:
            keep = np.concatenate([np.flatnonzero(labels == i)[: options["limit"]] for i in range(len(EMOTIONS))])
            paths, labels = [paths[i] for i in keep], labels[keep]
        if not paths:
            raise CommandError(f"No images under {folder}/<emotion>/ for any of {', '.join(EMOTIONS)}.")

        configure_tensorflow(settings.VISION_TF_THREADS)
        try:
            classifier = build_classifier(options["model"] or str(settings.EMOTION_MODEL))
        except (ModelFileMissing, OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        size = classifier.input_size
        self.stdout.write(f"Model {classifier.name} (input {size}×{size}) on {len(paths)} images from {folder}")

        predicted = np.empty(len(paths), dtype=int)
        started = time.perf_counter()
        batch = options["batch_size"]
        for start in range(0, len(paths), batch):
            chunk = paths[start : start + batch]
            faces = np.empty((len(chunk), size, size), dtype=np.uint8)
            for i, path in enumerate(chunk):
                gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
                if gray is None:
                    raise CommandError(f"Cannot read {path}.")
                # FER2013 images are already face crops: the whole crop is the face.
                faces[i] = resize_face(gray, size)
            predicted[start : start + len(chunk)] = classify_faces(faces, classifier).argmax(axis=1)
            done = start + len(chunk)
            self.stdout.write(f"  {done}/{len(paths)} images ({done / (time.perf_counter() - started):.0f}/s)", ending="\r")
        self.stdout.write("")

        matrix = confusion_matrix(labels, predicted)
        accuracy = np.trace(matrix) / matrix.sum()
        self.stdout.write(self.style.SUCCESS(f"Accuracy: {accuracy:.1%} ({np.trace(matrix)}/{matrix.sum()})"))
        self.stdout.write("Per-class recall:")
        for i, emotion in enumerate(EMOTIONS):
            total = matrix[i].sum()
            recall = matrix[i, i] / total if total else float("nan")
            self.stdout.write(f"  {emotion:<9} {recall:6.1%}  ({matrix[i, i]}/{total})")
        self.stdout.write("Confusion matrix (rows: true, columns: predicted):")
        self.stdout.write("           " + " ".join(f"{e[:8]:>8}" for e in EMOTIONS))
        for i, emotion in enumerate(EMOTIONS):
            self.stdout.write(f"  {emotion:<9}" + " ".join(f"{n:>8}" for n in matrix[i]))

        output = options["output"] or settings.VAR_DIR / "reports" / f"confusion_{Path(classifier.name).stem}.png"
        draw_confusion_matrix(matrix, f"{classifier.name} on {folder.name}: accuracy {accuracy:.1%}", output)
        self.stdout.write(f"Confusion matrix image: {output}")
