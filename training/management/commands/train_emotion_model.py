"""manage.py train_emotion_model — train an emotion CNN from scratch, in stretches, and export it.

A run keeps its state in `--run-dir` and writes a checkpoint after every epoch, so a run of
many hours can be done in several sittings: stop it (Ctrl-C, a time budget, or a file named
STOP in the run folder) and start it again with `--resume`. When the last epoch is done the
epoch with the best validation accuracy is exported to ONNX (`training.publish`: with
the mirrored face and class offsets fitted on the validation split inside the graph), checked
against PyTorch, measured once on the test folder and described in a model card beside the
file. `--export-now --ensemble-run DIR` exports finished runs of one recipe and one validation
split as one averaged model.
"""

from __future__ import annotations

import shlex
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

DEFAULT_RUN = "var/training/run"
DEFAULT_OUT = "var/models/emotion_model.onnx"


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _command_line() -> str:
    arguments = sys.argv[2:] if len(sys.argv) > 1 and sys.argv[1] == "train_emotion_model" else []
    return "python manage.py train_emotion_model " + " ".join(shlex.quote(a) for a in arguments)


class Command(BaseCommand):
    help = (
        "Train an emotion CNN (PyTorch, from scratch) on a folder with one sub-folder per emotion, "
        "checkpointing every epoch (--resume continues), then export the best epoch to ONNX with a model card."
    )

    def add_arguments(self, parser):
        from training.config import RunConfig
        from training.nets import ARCHITECTURES

        defaults = RunConfig(data_dir="")
        faces = Path(settings.EMOTUNES_DATA_DIR) / "faces" / "fer2013"
        parser.add_argument("--data", type=Path, default=faces / "train", help="labelled training folder")
        parser.add_argument(
            "--run-dir", type=Path, default=Path(DEFAULT_RUN), help=f"checkpoints (default {DEFAULT_RUN})"
        )
        parser.add_argument("--resume", action="store_true", help="continue the run in --run-dir from its last epoch")
        parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default=defaults.arch)
        parser.add_argument("--width", type=_positive_int, default=None, help="channels of the first stage")
        parser.add_argument("--input-size", type=_positive_int, default=defaults.input_size)
        parser.add_argument("--epochs", type=_positive_int, default=defaults.epochs)
        parser.add_argument("--batch-size", type=_positive_int, default=defaults.batch_size)
        parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
        parser.add_argument("--weight-decay", type=float, default=defaults.weight_decay)
        parser.add_argument("--warmup-epochs", type=float, default=defaults.warmup_epochs)
        parser.add_argument("--label-smoothing", type=float, default=defaults.label_smoothing)
        parser.add_argument("--class-weight", choices=["sqrt", "balanced", "none"], default=defaults.class_weighting)
        parser.add_argument("--val-split", type=float, default=defaults.val_split, help="share of --data held out")
        parser.add_argument("--subset", type=float, default=defaults.subset, help="share of the training part (pilots)")
        parser.add_argument("--precision", choices=["auto", "bf16", "fp32"], default=defaults.precision)
        parser.add_argument("--no-augment", action="store_true")
        parser.add_argument("--seed", type=int, default=defaults.seed)
        parser.add_argument(
            "--split-seed", type=int, default=None, help="seed of the validation split (default: --seed)"
        )
        parser.add_argument(
            "--swa-epochs",
            type=int,
            default=None,
            help="epochs of stochastic weight averaging after the cosine schedule (default 0; with --resume: "
            "extends the run, finished or not)",
        )
        parser.add_argument(
            "--swa-learning-rate",
            type=float,
            default=None,
            help=f"the SWA epochs' constant rate (default {defaults.swa_learning_rate:g}; with --resume: "
            "until the first SWA epoch)",
        )
        parser.add_argument(
            "--serving-crops",
            type=int,
            default=defaults.serving_crops,
            help="renderings of each training face through the live path's frame, JPEG, MTCNN and alignment "
            "(training.crops; built once and cached; 0: FER's own crops only)",
        )
        parser.add_argument(
            "--crop-share", type=float, default=defaults.crop_share, help="chance a face is shown as a serving crop"
        )
        parser.add_argument("--crop-seed", type=int, default=defaults.crop_seed, help="seed of the serving crops")
        parser.add_argument(
            "--ferplus-weight",
            type=float,
            default=defaults.ferplus_weight,
            help="weight of the FER+ crowd votes in the target, blended with the original label (0: label only)",
        )
        parser.add_argument(
            "--select-on",
            choices=["fer", "mean"],
            default=defaults.select_on,
            help="best.pt by validation accuracy on FER's crops, or the mean of that and the serving crops'",
        )
        parser.add_argument(
            "--teacher",
            action="append",
            default=None,
            help="an exported ONNX emotion model whose probabilities are blended into the target (distillation); "
            "given more than once, the models' probabilities are averaged",
        )
        parser.add_argument(
            "--distill-weight", type=float, default=defaults.distill_weight, help="the teacher's weight in the target"
        )
        parser.add_argument(
            "--init-from",
            default=None,
            help="a finished run folder whose kept weights this run starts from (fine-tuning: same network, "
            "data and --split-seed; its epochs count on the card)",
        )
        parser.add_argument("--max-minutes", type=float, default=None, help="stop after the epoch that would pass this")
        parser.add_argument("--threads", type=_positive_int, default=2, help="PyTorch threads (the machine is shared)")
        parser.add_argument("--out", type=Path, default=Path(DEFAULT_OUT), help=f"ONNX file (default {DEFAULT_OUT})")
        parser.add_argument(
            "--eval-dir",
            type=Path,
            default=faces / "public_test",
            help="test folder measured once, after training (never used for selection)",
        )
        parser.add_argument("--no-eval", action="store_true", help="skip the test folder")
        parser.add_argument("--export-now", action="store_true", help="export the best epoch so far without training")
        parser.add_argument(
            "--no-offsets",
            action="store_true",
            help="export without class offsets fitted on the validation split (training.calibration)",
        )
        parser.add_argument("--no-mirror", action="store_true", help="export without the mirrored second reading")
        parser.add_argument(
            "--int8",
            action="store_true",
            help="serve the export quantised to int8, calibrated on training faces (training.quantize)",
        )
        parser.add_argument(
            "--ensemble-run",
            type=Path,
            action="append",
            default=[],
            help="a finished run of the same recipe and validation split whose network joins the export (repeatable)",
        )

    def handle(self, *args, **options):
        import torch

        from training import loop
        from training.data import DatasetError
        from training.torch_augment import Augmentation

        torch.set_num_threads(options["threads"])
        out = Path(options["out"])
        if out.suffix != ".onnx":
            raise CommandError(f"--out must end in .onnx, got {out}")
        cache = Path(settings.VAR_DIR) / "training" / "cache"

        def log(line: str) -> None:
            self.stdout.write(f"{time.strftime('%H:%M:%S')} {line}")
            self.stdout.flush()

        if options["init_from"] and (options["resume"] or options["export_now"]):
            raise CommandError(
                "--init-from starts a new run; a run that exists already holds the folder it started from"
            )
        try:
            if options["resume"] or options["export_now"]:
                precision = options["precision"] if options["precision"] != "auto" else None
                run = loop.resume(
                    options["run_dir"],
                    cache_dir=cache,
                    log=log,
                    precision=precision,
                    swa_epochs=options["swa_epochs"],
                    swa_learning_rate=options["swa_learning_rate"],
                )
            else:
                augment = (
                    Augmentation()
                    if not options["no_augment"]
                    else Augmentation(rotation_deg=0, zoom=0, shift=0, flip=False, brightness=0, contrast=0, erase_p=0)
                )
                from dataclasses import asdict

                config = loop.RunConfig(
                    data_dir=str(options["data"]),
                    arch=options["arch"],
                    width=options["width"],
                    input_size=options["input_size"],
                    epochs=options["epochs"],
                    batch_size=options["batch_size"],
                    learning_rate=options["learning_rate"],
                    weight_decay=options["weight_decay"],
                    warmup_epochs=options["warmup_epochs"],
                    label_smoothing=options["label_smoothing"],
                    class_weighting=options["class_weight"],
                    val_split=options["val_split"],
                    subset=options["subset"],
                    precision=options["precision"],
                    augment=asdict(augment),
                    seed=options["seed"],
                    split_seed=options["split_seed"],
                    swa_epochs=options["swa_epochs"] or 0,
                    serving_crops=options["serving_crops"],
                    crop_share=options["crop_share"],
                    crop_seed=options["crop_seed"],
                    ferplus_weight=options["ferplus_weight"],
                    select_on=options["select_on"],
                    teacher=options["teacher"],
                    distill_weight=options["distill_weight"],
                    init_from=options["init_from"],
                    swa_learning_rate=(
                        loop.RunConfig.swa_learning_rate
                        if options["swa_learning_rate"] is None
                        else options["swa_learning_rate"]
                    ),
                )
                run = loop.start(options["run_dir"], config, cache_dir=cache, log=log)
        except (DatasetError, FileNotFoundError, FileExistsError, ValueError) as error:
            raise CommandError(str(error)) from error

        if not options["export_now"]:
            try:
                run.step_epochs(max_minutes=options["max_minutes"])
            except KeyboardInterrupt:
                log(f"interrupted during epoch {run.epoch + 1}; the checkpoint of epoch {run.epoch} stands")
            if run.epoch < run.total_epochs:
                log(
                    f"stopped after epoch {run.epoch}/{run.total_epochs}; continue with: python manage.py "
                    f"train_emotion_model --run-dir {options['run_dir']} --resume"
                )
                return
        runs = [run]
        for folder in options["ensemble_run"]:
            runs.append(loop.resume(folder, cache_dir=cache, log=log))
            if runs[-1].epoch < runs[-1].total_epochs:
                raise CommandError(f"{folder} has not finished ({runs[-1].epoch}/{runs[-1].total_epochs} epochs)")
        self.export(runs, out, None if options["no_eval"] else options["eval_dir"], log, options)

    def export(self, runs, out: Path, eval_dir: Path | None, log, options) -> None:
        import numpy as np

        from training.data import load_folder
        from training.publish import PublishError, publish
        from vision.alignment import resize_face

        eval_faces = None
        if eval_dir is not None and Path(eval_dir).is_dir():
            data = load_folder(Path(eval_dir), cache_dir=Path(settings.VAR_DIR) / "training" / "cache")
            size = runs[0].config.input_size
            eval_faces = (np.stack([resize_face(img, size) for img in data.images]), data.labels, str(eval_dir))
        try:
            card = publish(
                runs,
                out,
                eval_faces=eval_faces,
                command=_command_line(),
                log=log,
                fit_offsets=not options["no_offsets"],
                mirror=not options["no_mirror"],
                int8=options["int8"],
            )
        except PublishError as error:
            raise CommandError(str(error)) from error
        log(f"model card: {card}")
