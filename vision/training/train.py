"""The training loop: fine-tune or train an emotion CNN on a labelled folder."""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import tensorflow as tf
import tf_keras as keras

from core.emotions import EMOTIONS

from .augment import evaluation_batches, training_batches
from .data import DatasetError, class_weights, load_folder, split_validation
from .evaluation import Evaluation, evaluate, model_input_size
from .models import SHIPPED_INIT, check_convention, initial_model, with_flip_averaging


@dataclass
class TrainingConfig:
    data_dir: Path
    out: Path
    models_dir: Path
    init: str = SHIPPED_INIT
    epochs: int = 30
    batch_size: int = 64
    val_split: float = 0.1
    patience: int = 6
    max_steps: int | None = None
    max_minutes: float | None = None
    learning_rate: float | None = None  # None: 3e-4 when fine-tuning, 1e-3 from scratch
    class_weighting: str = "sqrt"
    schedule: str = "plateau"  # plateau: halve the LR when validation stalls; cosine: decay to ~0 over the epochs
    select: str = "best"  # best: the epoch with the best validation accuracy; last: the final epoch
    augment: bool = True
    freeze_batchnorm: bool = False  # keep the starting model's normalisation statistics and scales
    flip_average: bool = True
    eval_dir: Path | None = None
    cache_dir: Path | None = None
    threads: int = 2
    seed: int = 0

    def resolved_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return 1e-3 if self.init == "scratch" else 3e-4


@dataclass
class EpochRecord:
    epoch: int
    seconds: float
    loss: float
    accuracy: float
    val_loss: float
    val_accuracy: float
    learning_rate: float


@dataclass
class TrainingResult:
    model: keras.Model  # the deployable model, as saved to config.out
    config: TrainingConfig
    epochs: list[EpochRecord]
    best_epoch: int
    best_val_accuracy: float
    selected_epoch: int
    stopped_because: str
    seconds: float
    train_counts: dict[str, int]
    val_counts: dict[str, int]
    weights: dict[str, float]
    steps_per_epoch: int
    initial_evaluation: Evaluation | None = None
    evaluation: Evaluation | None = None
    extra: dict = field(default_factory=dict)


def limit_threads(threads: int) -> None:
    """Keep TensorFlow to `threads` cores: the machine is shared (call before any TF work)."""
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TF already started in this process (tests): its pools stay as they are.


def save_model(model: keras.Model, out: Path) -> None:
    """Write atomically, so a reader never loads half a file and a killed run keeps the last best."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.{os.getpid()}.partial{out.suffix}")
    model.save(str(partial), include_optimizer=False)
    partial.replace(out)


class _Progress(keras.callbacks.Callback):
    """Console progress, best-weights tracking, early stopping and the time budget in one place."""

    def __init__(self, trainer: "_Trainer"):
        super().__init__()
        self.trainer = trainer

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.monotonic()
        self.last_print = self.epoch_started

    def on_train_batch_end(self, batch, logs=None):
        now = time.monotonic()
        if now - self.last_print >= self.trainer.progress_every_s:
            self.last_print = now
            steps = self.trainer.steps_per_epoch
            rate = (batch + 1) / (now - self.epoch_started)
            self.trainer.log(
                f"  epoch {len(self.trainer.records) + 1} step {batch + 1}/{steps} "
                f"loss {logs.get('loss', float('nan')):.4f} acc {logs.get('accuracy', float('nan')):.3f} "
                f"({rate * self.trainer.config.batch_size:.0f} img/s, epoch ETA {(steps - batch - 1) / rate:.0f} s)"
            )

    def on_epoch_end(self, epoch, logs=None):
        self.trainer.end_epoch(self.model, time.monotonic() - self.epoch_started, logs or {})


class _CosineToDeadline(keras.callbacks.Callback):
    """Cosine learning-rate decay over the planned steps or the time budget, whichever runs out first.

    A plain step-based cosine never reaches its low end when the time budget stops the run
    early on a busy machine; this one always anneals before the deadline.
    """

    def __init__(self, peak: float, total_steps: int, budget_s: float | None, floor: float = 0.02):
        super().__init__()
        self.peak, self.total_steps, self.budget_s, self.floor = peak, total_steps, budget_s, floor
        self.step = 0

    def on_train_begin(self, logs=None):
        self.started = time.monotonic()

    def on_train_batch_begin(self, batch, logs=None):
        progress = self.step / self.total_steps
        if self.budget_s:
            progress = max(progress, (time.monotonic() - self.started) / self.budget_s)
        progress = min(progress, 1.0)
        cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
        keras.backend.set_value(self.model.optimizer.learning_rate, self.peak * (self.floor + (1 - self.floor) * cosine))
        self.step += 1


class _Trainer:
    progress_every_s = 20.0

    def __init__(self, config: TrainingConfig, log: Callable[[str], None]):
        self.config = config
        self.log = log
        self.records: list[EpochRecord] = []
        self.best_val_accuracy = -1.0
        self.best_epoch = 0
        self.selected_weights = None
        self.selected_epoch = 0
        self.stopped_because = "reached the epoch limit"
        self.started = time.monotonic()

    def end_epoch(self, model, seconds, logs):
        cfg = self.config
        lr = float(keras.backend.get_value(model.optimizer.learning_rate))
        record = EpochRecord(len(self.records) + 1, seconds, float(logs.get("loss", np.nan)),
                             float(logs.get("accuracy", np.nan)), float(logs.get("val_loss", np.nan)),
                             float(logs.get("val_accuracy", np.nan)), lr)
        self.records.append(record)
        improved = record.val_accuracy > self.best_val_accuracy
        if improved:
            self.best_val_accuracy, self.best_epoch = record.val_accuracy, record.epoch
        if cfg.select == "last" or improved:
            self.selected_epoch = record.epoch
            self.selected_weights = model.get_weights()
            save_model(self.deployable(model), cfg.out)
        elapsed = time.monotonic() - self.started
        self.log(
            f"epoch {record.epoch}/{self.planned_epochs}: loss {record.loss:.4f} acc {record.accuracy:.4f} "
            f"val_loss {record.val_loss:.4f} val_acc {record.val_accuracy:.4f} lr {lr:.2e} "
            f"({seconds:.0f} s, {elapsed / 60:.1f} min in)" + ("  * best" if improved else "") + (", saved" if self.selected_epoch == record.epoch else "")
        )
        if cfg.select == "best" and record.epoch - self.best_epoch >= cfg.patience:
            self.stopped_because = f"early stopping: no better validation accuracy for {cfg.patience} epochs"
            model.stop_training = True
        elif cfg.max_minutes is not None:
            mean_epoch = (time.monotonic() - self.started - self.setup_seconds) / len(self.records)
            if elapsed + mean_epoch > cfg.max_minutes * 60:
                self.stopped_because = f"time budget: another epoch would pass {cfg.max_minutes:g} minutes"
                model.stop_training = True

    def deployable(self, model):
        return with_flip_averaging(model) if self.config.flip_average else model

    def run(self) -> TrainingResult:
        cfg = self.config
        limit_threads(cfg.threads)
        keras.utils.set_random_seed(cfg.seed)
        data_dir = Path(cfg.data_dir).resolve()
        if cfg.eval_dir is not None and Path(cfg.eval_dir).resolve() == data_dir:
            raise DatasetError("the evaluation folder is the training folder: evaluate on images the model never saw")

        self.log(f"loading {data_dir}")
        data = load_folder(data_dir, cfg.cache_dir, progress=True)
        eval_data = load_folder(cfg.eval_dir, cfg.cache_dir, progress=True) if cfg.eval_dir else None
        model = initial_model(cfg.init, cfg.models_dir)
        check_convention(model)
        if cfg.freeze_batchnorm:
            # A frozen BatchNormalization runs in inference mode: augmented batches cannot shift its statistics.
            for layer in model.layers:
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.trainable = False
        size = model_input_size(model)
        images = data.resized(size)
        train_idx, val_idx = split_validation(data.labels, cfg.val_split, cfg.seed)
        if len(val_idx) == 0:
            raise DatasetError("the validation split is empty: use --val-split > 0 with a few images per class")
        weights = class_weights(data.labels[train_idx], cfg.class_weighting)
        counts = lambda idx: {e: int(n) for e, n in zip(EMOTIONS, np.bincount(data.labels[idx], minlength=len(EMOTIONS)))}
        self.log(
            f"{len(train_idx)} training / {len(val_idx)} validation images at {size[0]}×{size[1]}; "
            f"class weights ({cfg.class_weighting}): " + ", ".join(f"{EMOTIONS[i]} {w:.2f}" for i, w in weights.items())
        )

        initial_evaluation = None
        if eval_data is not None and cfg.init != "scratch":
            initial_evaluation = evaluate(self.deployable(model), eval_data, cfg.eval_dir)
            self.log(f"starting model on {cfg.eval_dir}: {initial_evaluation.summary()}")

        steps_per_epoch = math.ceil(len(train_idx) / cfg.batch_size)
        epochs = cfg.epochs
        if cfg.max_steps is not None:
            steps_per_epoch = max(1, min(steps_per_epoch, cfg.max_steps))
            epochs = max(1, min(epochs, math.ceil(cfg.max_steps / steps_per_epoch)))
        self.steps_per_epoch = steps_per_epoch
        self.planned_epochs = epochs
        batch_size = min(cfg.batch_size, len(train_idx))
        train_stream = training_batches(images[train_idx], data.labels[train_idx], batch_size,
                                        cfg.augment, cfg.seed, cfg.threads)
        val_stream = evaluation_batches(images[val_idx], data.labels[val_idx], 256)

        if cfg.schedule == "cosine":
            learning_rate = cfg.resolved_learning_rate()
            budget_s = None
            if cfg.max_minutes is not None:
                # The budget counts from the start of the run; leave the setup already spent out of it.
                budget_s = max(60.0, cfg.max_minutes * 60 - (time.monotonic() - self.started))
            schedule_callbacks = [_CosineToDeadline(learning_rate, epochs * steps_per_epoch, budget_s)]
        elif cfg.schedule == "plateau":
            learning_rate = cfg.resolved_learning_rate()
            schedule_callbacks = [keras.callbacks.ReduceLROnPlateau(
                "val_accuracy", factor=0.5, patience=max(1, cfg.patience // 3), min_lr=1e-6, verbose=0)]
        else:
            raise ValueError(f"unknown learning-rate schedule {cfg.schedule!r} (plateau or cosine)")
        if cfg.select not in ("best", "last"):
            raise ValueError(f"unknown model selection {cfg.select!r} (best or last)")
        if cfg.init == SHIPPED_INIT and cfg.select == "best":
            self.log("note: the shipped model was trained on all of FER2013 train, so the validation split "
                     "is not unseen by it and its accuracy there flatters the first epochs (consider --select last)")
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate),
            loss=keras.losses.SparseCategoricalCrossentropy(),
            metrics=["accuracy"],
        )
        self.setup_seconds = time.monotonic() - self.started
        self.log(f"training up to {epochs} epochs of {steps_per_epoch} steps, batch {batch_size}, "
                 f"learning rate {cfg.resolved_learning_rate():g}, {cfg.threads} thread(s)")
        model.fit(
            train_stream,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            validation_data=val_stream,
            class_weight=weights,
            verbose=0,
            callbacks=[*schedule_callbacks, _Progress(self)],
        )
        if self.selected_weights is not None:
            model.set_weights(self.selected_weights)
        final = self.deployable(model)
        save_model(final, cfg.out)
        evaluation = None
        if eval_data is not None:
            evaluation = evaluate(final, eval_data, cfg.eval_dir)
            self.log(f"model of epoch {self.selected_epoch} on {cfg.eval_dir}: {evaluation.summary()}")
        return TrainingResult(
            model=final, config=cfg, epochs=self.records, best_epoch=self.best_epoch,
            best_val_accuracy=self.best_val_accuracy, selected_epoch=self.selected_epoch, stopped_because=self.stopped_because,
            seconds=time.monotonic() - self.started, train_counts=counts(train_idx), val_counts=counts(val_idx),
            weights={EMOTIONS[i]: w for i, w in weights.items()}, steps_per_epoch=steps_per_epoch,
            initial_evaluation=initial_evaluation, evaluation=evaluation,
        )


def train(config: TrainingConfig, log: Callable[[str], None] | None = None) -> TrainingResult:
    """Train per `config`, saving the best model (by validation accuracy) to `config.out`."""
    if log is None:
        def log(line: str) -> None:
            print(line, file=sys.stdout, flush=True)
    return _Trainer(config, log).run()
