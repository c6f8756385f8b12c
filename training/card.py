"""The model card: a Markdown file beside the model saying what it is, how it was made and
how well it reads each emotion on faces it never trained on."""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from pathlib import Path

import torch

from core.emotions import EMOTIONS

from . import distill
from .config import RunConfig
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


# Options of train_emotion_model that a run's config keeps, written on the card's command when
# the run changed them (arch, width, size, epochs, seeds and subset are always written).
_OPTIONS = {
    "batch_size": "--batch-size",
    "learning_rate": "--learning-rate",
    "weight_decay": "--weight-decay",
    "warmup_epochs": "--warmup-epochs",
    "label_smoothing": "--label-smoothing",
    "class_weighting": "--class-weight",
    "val_split": "--val-split",
    "swa_learning_rate": "--swa-learning-rate",
    "serving_crops": "--serving-crops",
    "crop_share": "--crop-share",
    "crop_seed": "--crop-seed",
    "ferplus_weight": "--ferplus-weight",
    "select_on": "--select-on",
    "teacher": "--teacher",
    "distill_weight": "--distill-weight",
    "init_from": "--init-from",
}


def _flag(flag: str, value) -> str:
    """One option as the command line gives it; a list (several teachers) as the option repeated."""
    if isinstance(value, list):
        return " ".join(_flag(flag, item) for item in value)
    return f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}"


def training_command(cfg: dict, run_dir: str) -> str:
    """The train_emotion_model line that trains a run of this config (resumable with --resume)."""
    defaults = RunConfig(data_dir="")
    parts = [
        f"--arch {cfg['arch']}",
        f"--width {cfg['width']}" if cfg.get("width") else "",
        f"--input-size {cfg['input_size']} --epochs {cfg['epochs']} --seed {cfg['seed']}",
        f"--split-seed {cfg['split_seed']}" if cfg.get("split_seed") is not None else "",
        f"--subset {cfg['subset']:g}" if cfg["subset"] < 1 else "",
        f"--swa-epochs {cfg['swa_epochs']}" if cfg.get("swa_epochs") else "",
        *(
            _flag(flag, cfg[key])
            for key, flag in _OPTIONS.items()
            if key in cfg and cfg[key] != getattr(defaults, key) and (cfg.get("swa_epochs") or "swa" not in key)
        ),
        "--no-augment" if (cfg.get("augment") or {}).get("flip") is False else "",
        f"--run-dir {run_dir}",
    ]
    return "python manage.py train_emotion_model " + " ".join(p for p in parts if p)


def _data_lines(cfg: dict) -> list[str]:
    """What the network learned from beyond the folder's labels: votes, serving crops, a teacher."""
    lines = []
    if cfg.get("ferplus_weight"):
        lines.append(
            f"- labels: FER2013's own, blended with the FER+ crowd's vote shares at weight {cfg['ferplus_weight']:g} "
            "(`training.ferplus`, microsoft/FERPlus, MIT; contempt counted as disgust, unknown and not-a-face "
            "dropped); judged against FER2013's own labels"
        )
    else:
        lines.append("- labels: FER2013's own")
    if cfg.get("serving_crops"):
        lines.append(
            f"- crops: each face also rendered {cfg['serving_crops']}× through the live path's geometry "
            "(`training.crops`: a 320×240 frame, JPEG 70, the served MTCNN, jittered box, `vision.alignment` "
            f"with margin 1.2; seed {cfg.get('crop_seed', 0)}); each epoch shows every face once, as a serving "
            f"crop with probability {cfg.get('crop_share', 0.5):g}; faces MTCNN missed left out"
        )
    teachers = distill.teacher_paths(cfg.get("teacher"))
    if teachers and cfg.get("distill_weight"):
        names = " and ".join(f"`{Path(path).name}`" for path in teachers)
        mean = "the mean of their probabilities" if len(teachers) > 1 else "its probabilities"
        lines.append(
            f"- distilled from {names} ({mean} at weight {cfg['distill_weight']:g} in the target, `training.distill`)"
        )
    return lines


def _data_summary(cfg: dict) -> str:
    """One run's targets in a phrase, for the runs a network was fine-tuned from."""
    teachers = distill.teacher_paths(cfg.get("teacher"))
    return ", ".join(
        [
            f"FER+ votes at {cfg['ferplus_weight']:g}" if cfg.get("ferplus_weight") else "FER2013's labels",
            f"{cfg['serving_crops']} serving crops a face" if cfg.get("serving_crops") else "FER's crops",
            *(
                [f"distilled from {' + '.join(Path(t).name for t in teachers)} at {cfg['distill_weight']:g}"]
                if teachers and cfg.get("distill_weight")
                else []
            ),
        ]
    )


def write_model_card(
    out: Path,
    members: list[tuple[dict, dict]],
    command: str,
    run_dirs: list[str],
    evaluations: list[tuple[str, Evaluation]],
    latency_ms: float | None,
    parity: float,
    *,
    calibration_info: dict | None = None,
    mirror: bool = False,
    validation: tuple | None = None,
    int8: dict | None = None,
) -> Path:
    """Write `<out without suffix>.md` (and the confusion-matrix PNG of the first evaluation).

    `members`: per network of the file, (its best.pt state, its run's last.pt state).
    `int8`: what `publish._quantize` measured, when the file is the int8 version of the export.
    """
    out = Path(out)
    best, state = members[0]
    cfg, history = state["config"], state["history"]
    card = out.with_suffix(".md")
    # Every epoch behind the weights: each member's own and those of the runs it was fine-tuned from.
    epochs = [h for _, s in members for run in [*s.get("lineage", []), s] for h in run["history"]]
    cpu_hours = sum(h.get("cpu_seconds", 0.0) for h in epochs) / 3600
    wall_hours = sum(h["seconds"] for h in epochs) / 3600
    chosen = next((h for h in history if h["epoch"] == best["epoch"]), history[-1])
    served = (f"{len(members)} networks' probabilities averaged" if len(members) > 1 else "one network") + (
        ", each face also read mirrored" if mirror else ""
    )
    mixed = len({(s["config"]["arch"], s["config"].get("width")) for _, s in members}) > 1
    commands = []  # the lines that train each member: the runs it was fine-tuned from first, then its own
    for (_, s), run_dir in zip(members, run_dirs or []):
        commands += [training_command(parent["config"], parent["run_dir"]) for parent in s.get("lineage", [])]
        # its own line, unless `command` is that line itself (a run that trained and exported)
        if len(members) > 1 or "--export-now" in command or run_dir not in command:
            commands.append(training_command(s["config"], run_dir))
    fine_tuned = any(s.get("lineage") for _, s in members)
    origin = "trained from scratch (then fine-tuned, below)" if fine_tuned else "trained from scratch"
    lines = [
        f"# {out.name}",
        "",
        f"Emotion CNN for EmoTunes, written {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by "
        "`manage.py train_emotion_model`. Input `face`: greyscale (N, 1, "
        f"{cfg['input_size']}, {cfg['input_size']}) scaled to [-1, 1]; output `probabilities`: 7 softmax "
        f"values in the order {', '.join(EMOTIONS)} (`core.emotions.EMOTIONS`). Served by ONNX Runtime "
        f"(`EMOTION_MODEL` pointing at this file). Inside the graph: {served}.",
        "",
        "## How it was produced",
        "",
        "```sh",
        *commands,
        command,
        "```",
        "",
        (
            f"- architecture: {len(members)} networks (each below), {origin} at "
            if mixed
            else f"- architecture: `{cfg['arch']}` width {cfg.get('width') or 'default'}, {best['parameters']:,} "
            f"parameters{' each' if len(members) > 1 else ''}, {origin} at "
        )
        + f"{cfg['input_size']}×{cfg['input_size']} px in {cfg['precision']} (PyTorch {torch.__version__})",
        f"- data: `{cfg['data_dir']}` minus a stratified validation split of {cfg['val_split']:g} (seed "
        f"{RunConfig(**cfg).validation_seed})"
        f"{'; ' + format(cfg['subset'], '.0%') + ' of the rest' if cfg['subset'] < 1 else ''}",
        *_data_lines(cfg),
        f"- augmentation: {', '.join(f'{k} {v}' for k, v in cfg['augment'].items())}",
        f"- optimiser: SGD with Nesterov momentum 0.9, peak learning rate {cfg['learning_rate']:g}, "
        f"{cfg['warmup_epochs']:g} warm-up epochs then cosine decay, weight decay {cfg['weight_decay']:g}, "
        f"label smoothing {cfg['label_smoothing']:g}, {cfg['class_weighting']} class weights, batch {cfg['batch_size']}",
    ]
    for member_best, member_state in members:
        member_cfg, member_history = member_state["config"], member_state["history"]
        swa_planned, averaged = member_cfg.get("swa_epochs", 0), member_best.get("swa_averaged", 0)
        lines.append(
            f"- network (seed {member_cfg['seed']}"
            + (
                f", `{member_cfg['arch']}` width {member_cfg.get('width')}, {member_best['parameters']:,} parameters"
                if mixed
                else ""
            )
            + f"): {len(member_history)} of "
            f"{member_cfg['epochs'] + swa_planned} epochs"
            + (
                f" ({swa_planned} of them SWA at learning rate {member_cfg['swa_learning_rate']:g})"
                if swa_planned
                else ""
            )
            + "; kept "
            + (
                f"the mean of the weights of epochs {member_best['epoch'] - averaged + 1}–{member_best['epoch']}"
                if averaged
                else f"epoch {member_best['epoch']}"
            )
            + ", chosen on the validation split ("
            + (
                "the mean of the mirror-averaged accuracies on FER's crops and on the serving crops"
                if member_cfg.get("select_on") == "mean" and member_cfg.get("serving_crops")
                else "mirror-averaged accuracy"
            )
            + f" {member_best['val_accuracy']:.2%}); "
            "the test folder chose nothing"
        )
    if calibration_info:
        (acc0, rec0, low0), (acc1, rec1, low1) = calibration_info["before"], calibration_info["after"]
        lines.append(
            "- class offsets added to the logits inside the graph, fitted on the validation split "
            f"(`training.calibration`): "
            f"{', '.join(f'{e} {v:+.2f}' for e, v in zip(EMOTIONS, calibration_info['values']))}; "
            f"validation accuracy {acc0:.2%} → {acc1:.2%}, mean recall {rec0:.2%} → {rec1:.2%}, worst class's "
            f"recall {low0:.2%} → {low1:.2%}"
        )
    elif validation:
        lines.append(f"- validation, as served: accuracy {validation[0]:.2%}, mean recall {validation[1]:.2%}")
    for _, member_state in members:
        for parent in member_state.get("lineage", []):
            lines.append(
                f"- fine-tuned from `{parent['run_dir']}`: its kept epoch {parent['best_epoch']} of "
                f"{len(parent['history'])} (its line above; {_data_summary(parent['config'])}) started the network "
                f"of seed {member_state['config']['seed']}, not a random draw"
            )
    lines += [
        f"- compute: {cpu_hours:.2f} CPU-hours ({wall_hours:.2f} h wall) on {_cpu_name()}",
        f"- export: ONNX, largest difference from PyTorch's probabilities {parity:.1e}"
        + (" (the float32 file, before quantisation)" if int8 else ""),
    ]
    if int8:
        agreed, scores = int8["agreement"], int8["scores"]
        lines.append(
            "- int8: statically quantised (`training.quantize`: per-channel 7-bit weights, QDQ, min-max ranges "
            f"of {int8['calibration_faces']} training faces); on the {agreed.faces:,} validation faces the same "
            f"emotion as float32 for {agreed.same_class:.1%}, probabilities {agreed.mean_difference:.4f} apart on "
            f"average ({agreed.max_difference:.3f} at most); validation accuracy {scores['float32'][0]:.2%} "
            f"(float32) → {scores['int8'][0]:.2%} (int8), worst class {scores['float32'][2]:.2%} → "
            f"{scores['int8'][2]:.2%}"
        )
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
        f"Validation at the kept epoch{' of the first network' if len(members) > 1 else ''}: "
        f"{chosen['val_accuracy_flip']:.2%} (mirror-averaged).",
        "",
        "| epoch | s | loss | train acc | val acc | val acc (mirror) | serving crops (mirror) | lr |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for h in history:
        crops = h.get("val_crops_flip")
        lines.append(
            f"| {h['epoch']} | {h['seconds']:.0f} | {h['loss']:.4f} | {h['train_accuracy']:.4f} | "
            f"{h['val_accuracy']:.4f} | {h['val_accuracy_flip']:.4f} | {'–' if crops is None else f'{crops:.4f}'} | "
            f"{h['learning_rate']:.1e} |"
        )
    card.write_text("\n".join(lines) + "\n")
    return card
