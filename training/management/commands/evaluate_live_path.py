"""manage.py evaluate_live_path — emotion models judged the way a listener meets them.

`evaluate_emotion_model` feeds the classifier FER2013's own crops. A listener's face never
arrives so: the page sends a 320×240 JPEG, MTCNN finds the face, `vision.alignment` cuts it
with the served margin. Here every face of a labelled folder is put in such a frame and sent
through that path — the JPEG decoded, the served detector, the primary (largest)
face, `align_face`, the classifier — and each model given is scored on the same detections:

- found: a face was detected in the frame;
- right of found: the primary face read as the label, among frames with a face;
- right of all: the same among all frames (a missed face counts as wrong);
- what the listener hears (`training.evaluation.listener_mistakes`): how far in VAD space the read
  mood lies from the true one, negative faces read cheerful, other faces read angry;
- sure enough to show: the found faces whose one reading passes the smoother's rule
  (`MoodSmoother.is_clear`), how many of those are right, and how often a wrong mood would show;
- from the second model on, its difference from the first with a paired bootstrap interval, to
  tell a better model from the draw of the faces.

`--validation SEED` reads the faces a training run holds out of FER2013 `train` instead (the
runs here all draw theirs with seed 0): the set to choose a default on, so that public_test
stays a report rather than a target.

Framings: `fixed` enlarges the 48 px face to 144 px in the middle of the frame, its border
replicated (`tests.vision_fixtures.fer_frame`, the framing of earlier notes); `varied` draws
size, position, background, rotation and lighting per face (`training.crops.place_in_frame`,
seeded, so every run and every model sees the same frames).
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.emotions import EMOTIONS
from training.config import RunConfig
from training.crops import FrameRecipe, as_sent, fixed_frame, place_in_frame
from training.data import DatasetError, load_folder, split_validation
from training.evaluation import MOOD_DISTANCE, confusion_matrix, draw_confusion, listener_mistakes, paired_interval
from vision.alignment import align_face
from vision.emotion import ModelFileMissing, build_classifier
from vision.pipeline import get_models
from vision.smoothing import MoodSmoother


class Command(BaseCommand):
    help = (
        "Put every face of a labelled folder in a 320×240 JPEG frame and read it through the live path "
        "(decode → MTCNN → alignment → CNN) with each model: found, right of found, right of all, per class."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--folder", type=Path, default=None, help="default: FER2013 public_test (train with --validation)"
        )
        parser.add_argument(
            "--validation",
            type=int,
            default=None,
            metavar="SEED",
            help="read only the validation share of the folder that a training run drawn with this split seed holds out",
        )
        parser.add_argument(
            "--model",
            action="append",
            default=[],
            help="an emotion model file (repeatable; default: EMOTION_MODEL); every model reads the same crops",
        )
        parser.add_argument("--framing", choices=["fixed", "varied"], default="fixed")
        parser.add_argument("--seed", type=int, default=0, help="the varied framing's seed")
        parser.add_argument("--limit", type=int, default=0, help="at most this many faces per class")
        parser.add_argument("--output-dir", type=Path, default=None, help="confusion images (default var/reports)")

    def handle(self, *args, **options):
        validation = options["validation"]
        default_split = "public_test" if validation is None else "train"
        folder = Path(options["folder"] or settings.EMOTUNES_DATA_DIR / "faces" / "fer2013" / default_split)
        try:
            data = load_folder(folder, cache_dir=Path(settings.VAR_DIR) / "training" / "cache")
        except DatasetError as error:
            raise CommandError(f"No labelled folder at {folder}: {error}") from None
        if validation is not None:
            _, held_out = split_validation(data.labels, RunConfig.val_split, seed=validation)
            data = replace(data, images=data.images[held_out], labels=data.labels[held_out])
        if options["limit"]:
            data = data.first_of_each_class(options["limit"])
        images, labels = data.images, data.labels
        names = options["model"] or [str(settings.EMOTION_MODEL)]
        try:
            classifiers = [build_classifier(name) for name in names]
        except (ModelFileMissing, OSError, ValueError) as error:
            raise CommandError(str(error)) from None
        detector = get_models().detector
        recipe = FrameRecipe()

        probabilities = np.full((len(classifiers), len(images), len(EMOTIONS)), np.nan)
        started = time.perf_counter()
        for i, face in enumerate(tqdm(images, desc="frames", unit="face", mininterval=10.0)):
            if options["framing"] == "fixed":
                frame = fixed_frame(face)
            else:
                frame, _ = place_in_frame(face, np.random.default_rng([options["seed"], i]), recipe, images)
            # The page's JPEG, decoded as the server decodes it (these frames are ours: no limits to check).
            bgr = as_sent(frame, recipe.jpeg_quality)
            regions = [r for r in detector.detect_faces(bgr) if r.w > 1 and r.h > 1]
            if not regions:
                continue
            primary = max(regions, key=lambda r: r.w * r.h)
            gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
            for m, classifier in enumerate(classifiers):
                crop = align_face(gray, primary, margin=settings.VISION_FACE_MARGIN, size=classifier.input_size)
                probabilities[m, i] = classifier.predict(crop[None])[0]
        seconds = time.perf_counter() - started

        found = ~np.isnan(probabilities[0, :, 0])
        predicted = np.where(found, np.nan_to_num(probabilities).argmax(axis=2), -1)
        smoother = MoodSmoother()
        share = "" if validation is None else f" (the validation share held out with seed {validation})"
        self.stdout.write(
            f"{len(images)} faces of {folder}{share} in {options['framing']} 320×240 frames (JPEG {recipe.jpeg_quality}), "
            f"{seconds:.0f} s; MTCNN found a face in {found.sum()} ({found.mean():.1%})"
        )
        out_dir = Path(options["output_dir"] or Path(settings.VAR_DIR) / "reports")
        for m, classifier in enumerate(classifiers):
            right = predicted[m] == labels
            self.stdout.write(
                self.style.SUCCESS(
                    f"{Path(classifier.name).name}: right of found {right[found].mean():.1%} "
                    f"({right.sum()}/{found.sum()}), right of all {right.mean():.1%} ({right.sum()}/{len(labels)})"
                )
            )
            self.stdout.write(f"  {'class':<9} {'found':>12} {'right/found':>14} {'right/all':>12}")
            for c, emotion in enumerate(EMOTIONS):
                members = labels == c
                n, f, r = members.sum(), (found & members).sum(), (right & members).sum()
                self.stdout.write(f"  {emotion:<9} {f:>5}/{n:<5}  {r / max(1, f):>12.1%}   {r / max(1, n):>10.1%}")
            matrix = confusion_matrix(labels[found], predicted[m][found])
            self.stdout.write(f"  what the listener hears: {listener_mistakes(matrix).summary()}")
            clear = np.array([found[i] and smoother.is_clear(probabilities[m, i]) for i in range(len(labels))])
            self.stdout.write(
                f"  sure enough to show (the smoother's rule on one frame): {clear.sum() / max(1, found.sum()):.1%} "
                f"of found, right {right[clear].mean() if clear.any() else 0:.1%} of those, wrong shown "
                f"{(clear & ~right).sum() / max(1, found.sum()):.1%} of found"
            )
            if m:
                first, this = predicted[0][found], predicted[m][found]
                points = [100 * x for x in paired_interval(first == labels[found], this == labels[found])]
                distance = paired_interval(MOOD_DISTANCE[labels[found], first], MOOD_DISTANCE[labels[found], this])
                self.stdout.write(
                    f"  against {Path(classifiers[0].name).name} (95% paired bootstrap intervals): "
                    f"{points[0]:+.1f} points right of found ({points[1]:+.1f} to {points[2]:+.1f}), "
                    f"mood distance {distance[0]:+.3f} ({distance[1]:+.3f} to {distance[2]:+.3f})"
                )
            image = out_dir / f"live_path_{options['framing']}_{Path(classifier.name).stem}.png"
            draw_confusion(
                matrix,
                image,
                f"{Path(classifier.name).name}, live path ({options['framing']} frames): "
                f"right of found {right[found].mean():.1%}",
            )
            self.stdout.write(f"  confusion of the found faces: {image}")
