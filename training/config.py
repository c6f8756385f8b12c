"""A training run's recipe (`RunConfig`, fixed in `config.json` at the start) and the record
each epoch leaves in its history (`EpochRecord`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from .torch_augment import Augmentation


def cpu_has_bf16() -> bool:
    """bfloat16 matrix units (AMX or AVX-512 BF16): several times faster training there."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return " amx_bf16" in flags or " avx512_bf16" in flags


@dataclass
class RunConfig:
    data_dir: str
    arch: str = "resnet18"
    width: int | None = None
    input_size: int = 40
    epochs: int = 60
    batch_size: int = 64
    learning_rate: float = 0.05
    weight_decay: float = 5e-4
    warmup_epochs: float = 2.0
    label_smoothing: float = 0.1
    class_weighting: str = "sqrt"
    val_split: float = 0.1
    subset: float = 1.0  # share of the training part used (pilots)
    precision: str = "auto"  # auto: bf16 where the CPU has bf16 units, else fp32
    augment: dict = field(default_factory=lambda: asdict(Augmentation()))
    seed: int = 0
    # The validation split's own seed (None: `seed`), so that runs of different seeds meant to be
    # ensembled hold out the same faces, and their offsets and their ensemble can be chosen on them.
    split_seed: int | None = None
    # Stochastic weight averaging after the `epochs` of the cosine schedule (0: none).
    swa_epochs: int = 0
    swa_learning_rate: float = 0.01
    # Serving crops (`training.crops`): this many renderings of every training face through the
    # live path's geometry (0: FER's own crops only); each epoch shows every face once, as one of
    # its crops with probability `crop_share`, else as FER framed it.
    serving_crops: int = 0
    crop_share: float = 0.5
    crop_seed: int = 0
    # FER+ crowd votes blended into the target (`training.ferplus`): 0 = the original label only.
    ferplus_weight: float = 0.0
    # What best.pt is chosen on: "fer" (validation faces as FER framed them) or "mean" (the mean of
    # that and the same faces' serving crops).
    select_on: str = "fer"
    # Distillation (`training.distill`): an exported ONNX model whose probabilities are blended
    # into the target with this weight (0: none), or a list of them, whose probabilities are averaged
    # (runs started before several teachers were possible kept one path as a string).
    teacher: str | list[str] | None = None
    distill_weight: float = 0.0
    # Fine-tuning: a finished run's folder whose kept weights (its best.pt) this run starts from
    # instead of a random draw — the same network and validation split (None: from scratch). A
    # short run at a small rate tries a new target (votes, teacher) in a quarter of the CPU-hours.
    init_from: str | None = None

    @property
    def validation_seed(self) -> int:
        """The seed that draws the validation split: `split_seed`, else the run's own seed."""
        return self.seed if self.split_seed is None else self.split_seed

    def resolved(self) -> RunConfig:
        if self.precision == "auto":
            self.precision = "bf16" if cpu_has_bf16() else "fp32"
        return self


@dataclass
class EpochRecord:
    epoch: int
    seconds: float
    cpu_seconds: float
    loss: float
    train_accuracy: float
    val_accuracy: float
    val_accuracy_flip: float
    val_recall: dict
    learning_rate: float
    val_crops_flip: float | None = None  # the validation faces' serving crops, mirror-averaged
