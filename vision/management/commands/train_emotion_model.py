"""manage.py train_emotion_model — train or fine-tune the emotion CNN on a labelled folder."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_OUT = "var/models/emotion_model.hdf5"


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _command_line(options) -> str:
    """The command as typed when run from manage.py, else rebuilt from the options."""
    if len(sys.argv) > 1 and sys.argv[1] == "train_emotion_model":
        arguments = sys.argv[2:]
    else:
        arguments = []
        for name in ("data", "init", "epochs", "batch_size", "val_split", "patience", "max_steps", "max_minutes",
                     "learning_rate", "class_weight", "schedule", "select", "out", "eval_dir", "threads", "seed"):
            if options.get(name) is not None:
                arguments += [f"--{name.replace('_', '-')}", str(options[name])]
        for flag in ("freeze_batchnorm", "no_augment", "no_flip_average", "no_eval"):
            if options.get(flag):
                arguments.append(f"--{flag.replace('_', '-')}")
    return "python manage.py train_emotion_model " + " ".join(shlex.quote(a) for a in arguments)


class Command(BaseCommand):
    help = (
        "Train or fine-tune an emotion CNN on a folder with one sub-folder per emotion "
        "(angry, disgust, fear, happy, sad, surprise, neutral), with augmentation, class "
        "weights, a validation split and early stopping; save the best model and a model card."
    )

    def add_arguments(self, parser):
        default_train = Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / "train"
        default_eval = Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013" / "public_test"
        parser.add_argument("--data", type=Path, default=default_train, help=f"labelled training folder (default {default_train})")
        parser.add_argument("--init", default="fer_mini_xception",
                            help="fer_mini_xception (the shipped model, fine-tuned), scratch (a new mini-Xception) or a model file")
        parser.add_argument("--epochs", type=_positive_int, default=30)
        parser.add_argument("--batch-size", type=_positive_int, default=64)
        parser.add_argument("--val-split", type=float, default=0.1, help="share of --data held out for validation")
        parser.add_argument("--patience", type=_positive_int, default=6, help="epochs without a better validation accuracy before stopping")
        parser.add_argument("--max-steps", type=_positive_int, default=None, help="stop after this many training steps in all")
        parser.add_argument("--max-minutes", type=float, default=None, help="stop before an epoch would end past this many minutes")
        parser.add_argument("--learning-rate", type=float, default=None, help="default 3e-4 when fine-tuning, 1e-3 from scratch")
        parser.add_argument("--class-weight", choices=["sqrt", "balanced", "none"], default="sqrt",
                            help="loss weight per class: square root of inverse frequency (default), inverse frequency, or none")
        parser.add_argument("--schedule", choices=["plateau", "cosine"], default="plateau",
                            help="learning rate: halve when validation accuracy stalls, or cosine decay over --epochs (or --max-minutes, if that ends first)")
        parser.add_argument("--select", choices=["best", "last"], default="best",
                            help="keep the epoch with the best validation accuracy, or the last one")
        parser.add_argument("--freeze-batchnorm", action="store_true",
                            help="keep the starting model's batch-normalisation statistics and scales fixed")
        parser.add_argument("--no-augment", action="store_true", help="train on the images as they are")
        parser.add_argument("--no-flip-average", action="store_true",
                            help="save the bare network instead of one that averages the face and its mirror image")
        parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"model file to write (default {DEFAULT_OUT})")
        parser.add_argument("--eval-dir", type=Path, default=default_eval if default_eval.is_dir() else None,
                            help="labelled folder to measure the result on, for the model card (default FER2013 public_test)")
        parser.add_argument("--no-eval", action="store_true", help="skip the evaluation folder")
        parser.add_argument("--threads", type=_positive_int, default=2, help="TensorFlow threads (the machine is shared)")
        parser.add_argument("--seed", type=int, default=0)

    def handle(self, *args, **options):
        from vision.training.card import write_model_card
        from vision.training.data import DatasetError
        from vision.training.evaluation import single_face_latency_ms
        from vision.training.train import TrainingConfig, limit_threads, train

        limit_threads(options["threads"])
        out = Path(options["out"])
        if out.suffix not in (".h5", ".hdf5", ".keras"):
            raise CommandError(f"--out must end in .h5, .hdf5 or .keras, got {out}")
        config = TrainingConfig(
            data_dir=options["data"],
            out=out,
            models_dir=Path(settings.EMOTUNES_MODELS_DIR),
            init=options["init"],
            epochs=options["epochs"],
            batch_size=options["batch_size"],
            val_split=options["val_split"],
            patience=options["patience"],
            max_steps=options["max_steps"],
            max_minutes=options["max_minutes"],
            learning_rate=options["learning_rate"],
            class_weighting=options["class_weight"],
            schedule=options["schedule"],
            select=options["select"],
            augment=not options["no_augment"],
            freeze_batchnorm=options["freeze_batchnorm"],
            flip_average=not options["no_flip_average"],
            eval_dir=None if options["no_eval"] else options["eval_dir"],
            cache_dir=Path(settings.VAR_DIR) / "training" / "cache",
            threads=options["threads"],
            seed=options["seed"],
        )

        def log(line: str) -> None:
            self.stdout.write(line)
            self.stdout.flush()

        try:
            result = train(config, log=log)
        except (DatasetError, FileNotFoundError, ValueError) as error:
            raise CommandError(str(error)) from error
        latency = single_face_latency_ms(result.model)
        command = _command_line(options)
        card = write_model_card(result, command, latency_ms=latency)
        log(f"saved {config.out} and its model card {card} ({len(result.epochs)} epochs, {result.seconds / 60:.1f} min; "
            f"one face {latency:.1f} ms)")
