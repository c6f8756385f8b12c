"""Training an emotion CNN from scratch in PyTorch, in stretches that survive interruption.

A run lives in one folder: `config.json` (fixed at the start), `last.pt` (written after
every epoch: weights, optimiser, schedule, epoch, best validation score, history) and
`best.pt` (the weights of the epoch with the best validation accuracy). `resume(folder)`
continues from `last.pt`. Every random draw of epoch e comes from generators seeded with
(seed, e) — the shuffle, the augmentation, dropout — so a run stopped after epoch e and
resumed reaches the same weights as one that never stopped.

With `swa_epochs`, the cosine schedule is followed by that many epochs at a constant small
learning rate whose weights are averaged (`training.swa`); the mean competes for `best.pt`.

Selection is honest: epochs and checkpoints are chosen on a stratified validation split of
the training folder; the test folder is never read here.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F
from tqdm import tqdm

from core.emotions import EMOTIONS
from vision.alignment import resize_face

from . import crops as serving
from . import distill, ferplus
from .config import EpochRecord, RunConfig, cpu_has_bf16
from .data import class_weights, load_folder, split_validation
from .nets import build_net, count_parameters, to_input
from .swa import Averager
from .torch_augment import Augmentation, augment_batch


class Run:
    """One training run in `folder`; `step_epochs()` trains until done, a time budget or a STOP file."""

    def __init__(self, folder: Path, config: RunConfig, cache_dir: Path | None, log: Callable[[str], None]):
        self.folder, self.config, self.log = Path(folder), config, log
        data = load_folder(Path(config.data_dir), cache_dir=cache_dir, progress=True)
        train_idx, val_idx = split_validation(data.labels, config.val_split, seed=config.validation_seed)
        if config.subset < 1.0:
            train_idx = train_idx[: max(len(EMOTIONS), int(len(train_idx) * config.subset))]
        if config.select_on not in ("fer", "mean"):
            raise ValueError(f"select_on must be 'fer' or 'mean', got {config.select_on!r}")
        targets, voted = ferplus.targets(Path(config.data_dir), data.labels, config.ferplus_weight)
        if config.ferplus_weight > 0:
            log(f"FER+ votes for {voted} of {len(data.labels)} faces, weight {config.ferplus_weight:g}")
        size = config.input_size
        # The training pool: FER's own crops of the training faces, then their serving crops.
        pool_images, pool_labels = [data.images[train_idx]], [data.labels[train_idx]]
        pool_targets = [targets[train_idx]]
        self.crop_start = torch.zeros(len(train_idx), dtype=torch.long)
        self.crop_count = torch.zeros(len(train_idx), dtype=torch.long)
        self.val_crops: torch.Tensor | None = None
        if config.serving_crops:
            crops = (
                serving.load_or_build(
                    data.images,
                    data.labels,
                    name=Path(config.data_dir).name,
                    cache_dir=cache_dir,
                    variants=config.serving_crops,
                    seed=config.crop_seed,
                )
                if cache_dir is not None
                else serving.build(
                    data.images, data.labels, variants=config.serving_crops, seed=config.crop_seed, progress=False
                )
            )
            log(
                f"serving crops: {len(crops)} of {crops.attempted} renderings found by MTCNN "
                f"({crops.missed} missed, {crops.missed / max(1, crops.attempted):.1%}, left out)"
            )
            position = np.full(len(data.labels), -1)
            position[train_idx] = np.arange(len(train_idx))
            in_train = position[crops.source] >= 0
            order = np.argsort(position[crops.source][in_train], kind="stable")
            kept = np.flatnonzero(in_train)[order]
            owners = position[crops.source[kept]]
            counts = np.bincount(owners, minlength=len(train_idx))
            self.crop_count = torch.from_numpy(counts)
            self.crop_start = torch.from_numpy(len(train_idx) + np.concatenate([[0], np.cumsum(counts)[:-1]]))
            pool_images.append(crops.images[kept])
            pool_labels.append(crops.labels[kept])
            pool_targets.append(targets[crops.source[kept]])
            # Validation: the first rendering of each validation face MTCNN found, a fixed set.
            val_set = np.zeros(len(data.labels), bool)
            val_set[val_idx] = True
            first = np.unique(crops.source, return_index=True)[1]
            first = first[val_set[crops.source[first]]]
            self.val_crops = torch.from_numpy(np.stack([resize_face(img, size) for img in crops.images[first]]))
            self.val_crop_labels = torch.from_numpy(crops.labels[first])
        self.train_images = torch.from_numpy(np.concatenate(pool_images))
        self.train_labels = torch.from_numpy(np.concatenate(pool_labels))
        pool_targets = np.concatenate(pool_targets)
        teachers = distill.teacher_paths(config.teacher)
        if teachers and config.distill_weight > 0:
            teacher = distill.ensemble_probabilities(teachers, self.train_images.numpy(), cache_dir)
            agree = float((teacher.argmax(1) == self.train_labels.numpy()).mean())
            names = " + ".join(Path(path).name for path in teachers)
            log(f"teacher {names}: weight {config.distill_weight:g}, agrees with {agree:.1%} of the labels")
            pool_targets = distill.blend(pool_targets, teacher, config.distill_weight)
        self.train_targets = torch.from_numpy(pool_targets)
        self.n_faces = len(train_idx)
        self.val_images = torch.from_numpy(np.stack([resize_face(img, size) for img in data.images[val_idx]]))
        self.val_labels = torch.from_numpy(data.labels[val_idx])
        weights = class_weights(data.labels[train_idx], config.class_weighting)
        self.class_weights = torch.tensor([weights[i] for i in range(len(EMOTIONS))], dtype=torch.float32)
        self.aug = Augmentation(**{k: tuple(v) if isinstance(v, list) else v for k, v in config.augment.items()})

        torch.manual_seed(config.seed)
        self.net = build_net(config.arch, config.width).to(memory_format=torch.channels_last)
        decay = [p for n, p in self.net.named_parameters() if p.ndim > 1]
        no_decay = [p for n, p in self.net.named_parameters() if p.ndim <= 1]
        self.optimizer = torch.optim.SGD(
            [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}],
            lr=config.learning_rate,
            momentum=0.9,
            nesterov=True,
        )
        self.steps_per_epoch = math.ceil(self.n_faces / config.batch_size)
        total, warmup = self.steps_per_epoch * config.epochs, self.steps_per_epoch * config.warmup_epochs

        def factor(step: int) -> float:
            if step >= total:  # after the cosine schedule: the SWA epochs' constant rate
                return self.config.swa_learning_rate / self.config.learning_rate
            if step < warmup:
                return (step + 1) / warmup
            return 0.5 * (1.0 + math.cos(math.pi * min(1.0, (step - warmup) / max(1.0, total - warmup))))

        self._factor = factor
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, factor)
        self.epoch = 0
        self.best_accuracy, self.best_epoch = -1.0, 0
        self.history: list[dict] = []
        self.swa: Averager | None = None  # from the first SWA epoch on
        # The runs these weights were fine-tuned from, oldest first (`ancestry`): their configs and
        # histories travel in every checkpoint, so a card never needs their folders again.
        self.lineage: list[dict] = []

    @property
    def total_epochs(self) -> int:
        return self.config.epochs + self.config.swa_epochs

    # --- checkpoints ---------------------------------------------------------------------
    def save(self) -> None:
        state = {
            "config": asdict(self.config),
            "net": self.net.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "epoch": self.epoch,
            "best_accuracy": self.best_accuracy,
            "best_epoch": self.best_epoch,
            "history": self.history,
            "swa": self.swa.state_dict() if self.swa else None,
            "lineage": self.lineage,
        }
        partial = self.folder / "last.pt.partial"
        torch.save(state, partial)
        partial.replace(self.folder / "last.pt")

    def load(self, state: dict) -> None:
        self.net.load_state_dict(state["net"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        # The rate of the next step, from this config's schedule: the same as saved, unless the
        # run was extended with SWA epochs after its cosine schedule had ended at zero.
        for group, base in zip(self.optimizer.param_groups, self.scheduler.base_lrs, strict=True):
            group["lr"] = base * self._factor(self.scheduler.last_epoch)
        self.epoch = state["epoch"]
        self.best_accuracy, self.best_epoch = state["best_accuracy"], state["best_epoch"]
        self.history = state["history"]
        self.lineage = state.get("lineage", [])
        if state.get("swa"):
            self.swa = Averager(self.net)
            self.swa.load_state_dict(state["swa"])

    def save_best(self, net: torch.nn.Module) -> None:
        state = {
            "config": asdict(self.config),
            "net": net.state_dict(),
            "epoch": self.epoch,
            "val_accuracy": self.best_accuracy,
            "parameters": count_parameters(net),
            "swa_averaged": self.swa.count if net is not self.net else 0,
        }
        partial = self.folder / "best.pt.partial"
        torch.save(state, partial)
        partial.replace(self.folder / "best.pt")

    # --- one epoch -----------------------------------------------------------------------
    def _generator(self, epoch: int) -> torch.Generator:
        return torch.Generator().manual_seed(self.config.seed * 1_000_003 + epoch)

    def train_epoch(self) -> tuple[float, float]:
        config, epoch = self.config, self.epoch + 1
        generator = self._generator(epoch)
        torch.manual_seed(self.config.seed * 1_000_003 + epoch)  # dropout
        order = self.epoch_samples(generator)
        bf16 = config.precision == "bf16"
        self.net.train()
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(
            range(self.steps_per_epoch),
            desc=f"epoch {epoch}/{self.total_epochs}",
            unit="batch",
            leave=False,
            mininterval=30.0,
            dynamic_ncols=True,
        )
        for step in bar:
            index = order[step * config.batch_size : (step + 1) * config.batch_size]
            x = augment_batch(to_input(self.train_images[index]), config.input_size, self.aug, generator)
            x = x.contiguous(memory_format=torch.channels_last)
            y = self.train_labels[index]
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                logits = self.net(x)
            loss = F.cross_entropy(
                logits.float(),
                self.train_targets[index],
                weight=self.class_weights,
                label_smoothing=config.label_smoothing,
            )
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            self.scheduler.step()
            total_loss += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            seen += len(y)
        bar.close()
        return total_loss / seen, correct / seen

    def epoch_samples(self, generator: torch.Generator) -> torch.Tensor:
        """Every training face once, in random order: as one of its serving crops with
        probability `crop_share` (when it has any), else as FER framed it."""
        order = torch.randperm(self.n_faces, generator=generator)
        if not self.config.serving_crops:
            return order
        use_crop = (torch.rand(self.n_faces, generator=generator) < self.config.crop_share) & (self.crop_count > 0)
        pick = (torch.rand(self.n_faces, generator=generator) * self.crop_count.clamp(min=1)).long()
        sample = torch.where(use_crop, self.crop_start + pick, torch.arange(self.n_faces))
        return sample[order]

    def swa_batches(self, epoch: int):
        """The training faces, augmented as in training, for the averaged network's batch norm."""
        generator = torch.Generator().manual_seed(self.config.seed * 1_000_003 + epoch + 500_000)
        size, batch = self.config.input_size, self.config.batch_size * 4
        samples = self.epoch_samples(generator)
        for start in range(0, len(samples), batch):
            x = augment_batch(to_input(self.train_images[samples[start : start + batch]]), size, self.aug, generator)
            yield x.contiguous(memory_format=torch.channels_last)

    @torch.no_grad()
    def predict(
        self, images: torch.Tensor, flip: bool = False, batch: int = 512, net: torch.nn.Module | None = None
    ) -> torch.Tensor:
        """Softmax outputs on uint8 faces already at the input size (optionally mirror-averaged)."""
        net = net or self.net
        net.eval()
        bf16 = self.config.precision == "bf16"
        out = []
        for start in range(0, len(images), batch):
            x = to_input(images[start : start + batch]).contiguous(memory_format=torch.channels_last)
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                p = F.softmax(net(x).float(), dim=1)
                if flip:
                    p = (p + F.softmax(net(torch.flip(x, dims=[3])).float(), dim=1)) / 2
            out.append(p.float())
        return torch.cat(out)

    def validate_crops(self, net: torch.nn.Module | None = None) -> float | None:
        """Mirror-averaged accuracy on the validation faces' serving crops (None without crops)."""
        if self.val_crops is None:
            return None
        return float(
            (self.predict(self.val_crops, flip=True, net=net).argmax(1) == self.val_crop_labels).float().mean()
        )

    def selection_score(self, val_flip: float, val_crops: float | None) -> float:
        if self.config.select_on == "mean" and val_crops is not None:
            return (val_flip + val_crops) / 2
        return val_flip

    def validate(self, net: torch.nn.Module | None = None) -> tuple[float, float, dict]:
        plain = self.predict(self.val_images, net=net).argmax(1)
        flipped = self.predict(self.val_images, flip=True, net=net).argmax(1)
        recall = {}
        for i, emotion in enumerate(EMOTIONS):
            members = self.val_labels == i
            if members.any():
                recall[emotion] = float((flipped[members] == i).float().mean())
        return (
            float((plain == self.val_labels).float().mean()),
            float((flipped == self.val_labels).float().mean()),
            recall,
        )

    def step_epochs(self, max_minutes: float | None = None, stop_after: int | None = None) -> None:
        """Train until the last epoch, `stop_after` epochs, the time budget or a STOP file."""
        started = time.monotonic()
        config = self.config
        last = self.total_epochs if stop_after is None else min(self.total_epochs, stop_after)
        while self.epoch < last:
            if (self.folder / "STOP").exists():
                self.log(f"STOP file found: stopping after epoch {self.epoch}; --resume continues.")
                return
            t0, cpu0 = time.monotonic(), time.process_time()
            loss, train_accuracy = self.train_epoch()
            kept = self.net  # the network this epoch offers for best.pt: its own, or the SWA mean
            if self.epoch + 1 > config.epochs:
                self.swa = self.swa or Averager(self.net)
                self.swa.add(self.net, lambda: self.swa_batches(self.epoch + 1), config.precision == "bf16")
                kept = self.swa.net
            val_accuracy, val_flip, recall = self.validate(kept)
            val_crops = self.validate_crops(kept)
            score = self.selection_score(val_flip, val_crops)
            self.epoch += 1
            seconds = time.monotonic() - t0
            record = EpochRecord(
                self.epoch,
                round(seconds, 1),
                round(time.process_time() - cpu0, 1),
                round(loss, 4),
                round(train_accuracy, 4),
                round(val_accuracy, 4),
                round(val_flip, 4),
                {k: round(v, 4) for k, v in recall.items()},
                # The rate of the epoch's last step: the optimiser's now is the next step's (after
                # the last cosine epoch, the SWA rate, which this epoch never used).
                round(self.config.learning_rate * self._factor(self.epoch * self.steps_per_epoch - 1), 6),
                None if val_crops is None else round(val_crops, 4),
            )
            self.history.append(asdict(record))
            if score > self.best_accuracy:
                self.best_accuracy, self.best_epoch = score, self.epoch
                self.save_best(kept)
            self.save()
            mean_s = sum(h["seconds"] for h in self.history[-5:]) / len(self.history[-5:])
            left = (self.total_epochs - self.epoch) * mean_s
            swa = f"  SWA mean of {self.swa.count}" if kept is not self.net else ""
            self.log(
                f"epoch {self.epoch}/{self.total_epochs}{swa}  loss {loss:.4f}  train {train_accuracy:.1%}  "
                f"val {val_accuracy:.1%} (flip {val_flip:.1%})"
                + ("" if val_crops is None else f"  crops {val_crops:.1%}")
                + f"  fear {recall.get('fear', 0):.0%} "
                f"sad {recall.get('sad', 0):.0%} disgust {recall.get('disgust', 0):.0%}  "
                f"lr {record.learning_rate:.4f}  {seconds:.0f} s/epoch  left {left / 3600:.1f} h  "
                f"best {self.best_accuracy:.1%} @ {self.best_epoch}"
            )
            if max_minutes is not None and (time.monotonic() - started + mean_s) / 60.0 > max_minutes:
                self.log(f"time budget of {max_minutes:g} min reached after epoch {self.epoch}; --resume continues.")
                return


def ancestry(config: RunConfig) -> tuple[dict, list[dict]]:
    """The kept weights of the finished run `config.init_from` and the lineage they carry (its own
    ancestors, then itself). Refused where they could not serve this run: another network, other
    data, or another validation split — whose faces the weights would have trained on, so choosing
    epochs on them would flatter the run."""
    folder = Path(config.init_from)
    if not (folder / "best.pt").exists() or not (folder / "last.pt").exists():
        raise FileNotFoundError(f"--init-from {folder}: no run there (best.pt and last.pt)")
    last = torch.load(folder / "last.pt", map_location="cpu", weights_only=False)
    parent = RunConfig(**last["config"])
    if last["epoch"] < parent.epochs + parent.swa_epochs:
        raise ValueError(
            f"--init-from {folder}: the run has not finished ({last['epoch']}/{parent.epochs + parent.swa_epochs} "
            "epochs), so its kept epoch may still change; finish it with --resume first"
        )
    if Path(parent.data_dir).resolve() != Path(config.data_dir).resolve():
        raise ValueError(f"--init-from {folder}: it trained on {parent.data_dir}, this run on {config.data_dir}")
    for key in ("arch", "width", "input_size", "val_split"):
        if getattr(parent, key) != getattr(config, key):
            raise ValueError(
                f"--init-from {folder}: its {key} is {getattr(parent, key)!r}, this run's {getattr(config, key)!r}"
            )
    if parent.validation_seed != config.validation_seed:
        raise ValueError(
            f"--init-from {folder}: its validation split has seed {parent.validation_seed}, this run's "
            f"{config.validation_seed}; its weights have trained on this run's validation faces (give --split-seed "
            f"{parent.validation_seed})"
        )
    best = torch.load(folder / "best.pt", map_location="cpu", weights_only=False)
    itself = {
        "run_dir": str(config.init_from),
        "config": last["config"],
        "history": last["history"],
        "best_epoch": best["epoch"],
    }
    return best["net"], [*last.get("lineage", []), itself]


def start(folder: Path, config: RunConfig, cache_dir: Path | None = None, log=print) -> Run:
    folder = Path(folder)
    if (folder / "last.pt").exists():
        raise FileExistsError(f"{folder} already holds a run; resume it or choose another folder")
    weights, lineage = ancestry(config) if config.init_from else (None, [])
    folder.mkdir(parents=True, exist_ok=True)
    config.resolved()
    (folder / "config.json").write_text(json.dumps(asdict(config), indent=2))
    run = Run(folder, config, cache_dir, log)
    if weights is not None:
        run.net.load_state_dict(weights)
        run.lineage = lineage
        log(f"starting from {config.init_from}'s kept epoch {lineage[-1]['best_epoch']}")
    log(
        f"{config.arch} ({count_parameters(run.net) / 1e6:.2f} M parameters), {config.input_size} px, "
        f"{run.n_faces} training faces"
        + (f" ({len(run.train_labels)} pictures with their serving crops)" if config.serving_crops else "")
        + f" / {len(run.val_labels)} validation faces, {config.precision}, "
        f"{config.epochs} epochs of {run.steps_per_epoch} steps"
        + (f", then {config.swa_epochs} SWA epochs at {config.swa_learning_rate:g}" if config.swa_epochs else "")
    )
    return run


def resume(
    folder: Path,
    cache_dir: Path | None = None,
    log=print,
    precision: str | None = None,
    swa_epochs: int | None = None,
    swa_learning_rate: float | None = None,
) -> Run:
    """Continue the run in `folder` from its last epoch.

    `precision` may change the arithmetic for the rest of the run — bfloat16 is several times
    faster where the CPU has bf16 units and several times slower where it has not — at the
    price of no longer matching an uninterrupted run bit for bit. `swa_epochs` extends a run,
    finished or not, with stochastic weight averaging (or with more of it); a run extended so
    reaches the weights of one started with that many SWA epochs. `swa_learning_rate` may be
    set until the first SWA epoch has run.
    """
    folder = Path(folder)
    checkpoint = folder / "last.pt"
    if not checkpoint.exists():
        raise FileNotFoundError(f"no checkpoint at {checkpoint}")
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = RunConfig(**state["config"])
    if swa_learning_rate is not None and swa_learning_rate != config.swa_learning_rate:
        if state.get("swa"):
            raise ValueError(f"{folder} has begun its SWA epochs at {config.swa_learning_rate:g}; the rate stays")
        config.swa_learning_rate = swa_learning_rate
    if swa_epochs is not None and swa_epochs != config.swa_epochs:
        if swa_epochs < config.swa_epochs or state["epoch"] > config.epochs + swa_epochs:
            raise ValueError(f"{folder} has {config.swa_epochs} SWA epochs planned; it can only get more")
        log(f"SWA epochs: {config.swa_epochs} → {swa_epochs} (learning rate {config.swa_learning_rate:g})")
        config.swa_epochs = swa_epochs
    if swa_epochs is not None or swa_learning_rate is not None:
        (folder / "config.json").write_text(json.dumps(asdict(config), indent=2))
    if precision not in (None, "auto", config.precision):
        log(f"continuing in {precision} instead of {config.precision}")
        config.precision = precision
    elif config.precision == "bf16" and not cpu_has_bf16():
        log("this CPU has no bfloat16 units: the run is slow here; --precision fp32 trades exactness for speed")
    run = Run(folder, config, cache_dir, log)
    run.load(state)
    log(
        f"resumed {folder} after epoch {run.epoch}/{run.total_epochs} (best {run.best_accuracy:.1%} @ {run.best_epoch})"
    )
    return run
