"""The model card: a Markdown file beside the model saying what it is, how it was made and
how well it reads each emotion on faces it never trained on."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from pathlib import Path

import torch

from core.emotions import EMOTIONS

from .evaluation import Evaluation, draw_confusion, recall_table


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def write_model_card(
    out: Path,
    state: dict,
    best: dict,
    command: str,
    evaluations: list[tuple[str, Evaluation]],
    latency_ms: float | None,
    parity: float,
) -> Path:
    """Write `<out without suffix>.md` and the confusion-matrix PNG of the first evaluation."""
    out = Path(out)
    cfg, history = state["config"], state["history"]
    card = out.with_suffix(".md")
    cpu_hours = sum(h.get("cpu_seconds", 0.0) for h in history) / 3600
    wall_hours = sum(h["seconds"] for h in history) / 3600
    chosen = next((h for h in history if h["epoch"] == best["epoch"]), history[-1])
    lines = [
        f"# {out.name}",
        "",
        f"Emotion CNN for EmoTunes, written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by "
        "`manage.py train_emotion_model`. Input `face`: greyscale (N, 1, "
        f"{cfg['input_size']}, {cfg['input_size']}) scaled to [-1, 1]; output `probabilities`: 7 softmax "
        f"values in the order {', '.join(EMOTIONS)} (`core.emotions.EMOTIONS`). Served by ONNX Runtime "
        "(`EMOTION_MODEL` pointing at this file).",
        "",
        "## How it was produced",
        "",
        "```sh",
        command,
        "```",
        "",
        f"- architecture: `{cfg['arch']}` width {cfg.get('width') or 'default'}, {best['parameters']:,} parameters, "
        f"trained from scratch at {cfg['input_size']}×{cfg['input_size']} px in {cfg['precision']} (PyTorch "
        f"{torch.__version__})",
        f"- data: `{cfg['data_dir']}` minus a stratified validation split of {cfg['val_split']:g} (seed "
        f"{cfg['seed']}){'; ' + format(cfg['subset'], '.0%') + ' of the rest' if cfg['subset'] < 1 else ''}",
        f"- augmentation: {', '.join(f'{k} {v}' for k, v in cfg['augment'].items())}",
        f"- optimiser: SGD with Nesterov momentum 0.9, peak learning rate {cfg['learning_rate']:g}, "
        f"{cfg['warmup_epochs']:g} warm-up epochs then cosine decay, weight decay {cfg['weight_decay']:g}, "
        f"label smoothing {cfg['label_smoothing']:g}, {cfg['class_weighting']} class weights, batch {cfg['batch_size']}",
        f"- epochs: {len(history)} of {cfg['epochs']}; kept epoch {best['epoch']}, chosen on the validation "
        f"split (mirror-averaged accuracy {best['val_accuracy']:.2%}); the test folder chose nothing",
        f"- compute: {cpu_hours:.2f} CPU-hours ({wall_hours:.2f} h wall) on {_cpu_name()}",
        f"- export: ONNX, largest difference from PyTorch's probabilities {parity:.1e}",
    ]
    if latency_ms is not None:
        lines.append(f"- one face through ONNX Runtime, one thread: {latency_ms:.2f} ms (median, same machine)")
    if out.exists():
        lines.append(f"- file: `{out.name}`, {out.stat().st_size / 1e6:.2f} MB, SHA-256 `{sha256(out)}`")
    if evaluations:
        first = evaluations[0][1]
        lines += ["", f"## Accuracy on `{first.folder}` ({first.images:,} images, never trained on)", ""]
        lines += ["Recall per class:", ""] + recall_table(evaluations)
        picture = draw_confusion(
            first.confusion,
            out.with_name(out.stem + "-confusion.png"),
            f"{out.name} on {Path(first.folder).name}: {first.accuracy:.1%}",
        )
        lines += [
            "",
            f"![confusion matrix]({picture.name})",
            "",
            "Confusion matrix (rows true, columns predicted):",
            "",
            "| true \\ predicted | " + " | ".join(EMOTIONS) + " |",
            "|" + "---|" * (len(EMOTIONS) + 1),
        ]
        for emotion, row in zip(EMOTIONS, first.confusion):
            lines.append(f"| {emotion} | " + " | ".join(str(n) for n in row) + " |")
    lines += [
        "",
        "## Epochs",
        "",
        f"Validation at the kept epoch: {chosen['val_accuracy_flip']:.2%}.",
        "",
        "| epoch | s | loss | train acc | val acc | val acc (mirror) | lr |",
        "|---|---|---|---|---|---|---|",
    ]
    for h in history:
        lines.append(
            f"| {h['epoch']} | {h['seconds']:.0f} | {h['loss']:.4f} | {h['train_accuracy']:.4f} | "
            f"{h['val_accuracy']:.4f} | {h['val_accuracy_flip']:.4f} | {h['learning_rate']:.1e} |"
        )
    card.write_text("\n".join(lines) + "\n")
    return card
