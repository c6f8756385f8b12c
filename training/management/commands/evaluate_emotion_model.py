"""Accuracy of the emotion CNN on a labelled folder, through the pipeline's own preprocessing.

Each FER2013 image is already a face crop, so the whole image is the face: it is resized to
the classifier's input the way `vision.alignment` resizes a crop from a webcam frame. With
`--flip-average` every face is read mirrored too; with `--ensemble` a second model's
probabilities are averaged in (each model sees the face at its own input size) — the two
test-time options whose worth the model card reports.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.emotions import EMOTIONS
from training.data import DatasetError, load_folder
from training.evaluation import draw_confusion, evaluation_from_predictions
from vision.alignment import resize_face
from vision.emotion import ModelFileMissing, build_classifier


def _classifier(setting: str, flip_average: bool):
    try:
        classifier = build_classifier(setting)
    except (ModelFileMissing, OSError, ValueError) as error:
        raise CommandError(str(error)) from None
    if flip_average:
        if not hasattr(classifier, "flip_average"):
            raise CommandError(f"--flip-average needs an ONNX model; {setting} is not one")
        classifier.flip_average = True
    return classifier


class Command(BaseCommand):
    help = (
        "Run the emotion CNN on a labelled image folder (<folder>/<emotion>/*.jpg, default FER2013 "
        "public_test) and print accuracy, per-class recall and the confusion matrix, saved as PNG."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder",
            type=Path,
            default=None,
            help="labelled folder (default: EMOTUNES_DATA_DIR/faces/fer2013/public_test)",
        )
        parser.add_argument(
            "--model", default=None, help="ONNX or Keras model file, or 'deepface' (default: EMOTION_MODEL)"
        )
        parser.add_argument("--ensemble", default=None, help="a second model whose probabilities are averaged in")
        parser.add_argument("--flip-average", action="store_true", help="average each face with its mirror image")
        parser.add_argument("--output", type=Path, default=None, help="PNG path for the confusion matrix")
        parser.add_argument("--batch-size", type=int, default=256)
        parser.add_argument("--limit", type=int, default=0, help="evaluate at most this many images per class")

    def handle(self, *args, **options):
        folder = options["folder"] or settings.EMOTUNES_DATA_DIR / "faces" / "fer2013" / "public_test"
        try:
            data = load_folder(Path(folder), cache_dir=Path(settings.VAR_DIR) / "training" / "cache")
        except DatasetError as error:
            raise CommandError(f"No labelled folder at {folder}: {error}") from None
        if options["limit"]:
            data = data.first_of_each_class(options["limit"])
        images, labels = data.images, data.labels

        models = [_classifier(options["model"] or str(settings.EMOTION_MODEL), options["flip_average"])]
        if options["ensemble"]:
            models.append(_classifier(options["ensemble"], options["flip_average"]))
        name = " + ".join(m.name for m in models) + (" (mirror-averaged)" if options["flip_average"] else "")
        self.stdout.write(
            f"Model {name} (input {', '.join(f'{m.input_size}×{m.input_size}' for m in models)}) "
            f"on {len(images)} images from {folder}"
        )

        probabilities = np.zeros((len(images), len(EMOTIONS)), dtype=np.float64)
        started = time.perf_counter()
        for model in models:
            faces = np.stack([resize_face(image, model.input_size) for image in images])
            for start in range(0, len(faces), options["batch_size"]):
                chunk = slice(start, start + options["batch_size"])
                probabilities[chunk] += model.predict(faces[chunk])
        seconds = time.perf_counter() - started
        evaluation = evaluation_from_predictions(labels, probabilities.argmax(axis=1), folder)

        matrix = np.asarray(evaluation.confusion)
        self.stdout.write(
            self.style.SUCCESS(f"Accuracy: {evaluation.accuracy:.1%} ({np.trace(matrix)}/{matrix.sum()})")
        )
        self.stdout.write(f"  {len(images) / seconds:.0f} faces/s in batches of {options['batch_size']}")
        self.stdout.write("Per-class recall:")
        for i, emotion in enumerate(EMOTIONS):
            self.stdout.write(
                f"  {emotion:<9} {evaluation.recall.get(emotion, float('nan')):6.1%}  "
                f"({matrix[i, i]}/{matrix[i].sum()})"
            )
        self.stdout.write("Confusion matrix (rows: true, columns: predicted):")
        self.stdout.write("           " + " ".join(f"{e[:8]:>8}" for e in EMOTIONS))
        for i, emotion in enumerate(EMOTIONS):
            self.stdout.write(f"  {emotion:<9}" + " ".join(f"{n:>8}" for n in matrix[i]))

        stem = "+".join(Path(m.name).stem for m in models) + ("-flip" if options["flip_average"] else "")
        output = options["output"] or settings.VAR_DIR / "reports" / f"confusion_{stem}.png"
        draw_confusion(matrix, output, f"{name} on {Path(folder).name}: accuracy {evaluation.accuracy:.1%}")
        self.stdout.write(f"Confusion matrix image: {output}")
