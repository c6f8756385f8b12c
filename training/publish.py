"""Finished runs → the served ONNX file, checked, timed, measured once and described in a card.

One run gives one network; several runs of the same recipe (different `--seed`, the same
validation split) give an ensemble. Either way the file holds everything the pipeline will
run (`training.export.Served`): the network(s), the mirrored second reading where
`mirror` is on, and class offsets fitted on the validation split where `offsets` is on.
With `int8` the float32 file is checked against PyTorch, then quantised (`quantize`), and the
int8 file is what is served, checked against the float32 one and scored on the validation split.
The validation split chooses everything; the test folder is read once, at the end.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from . import calibration, quantize
from .export import (
    MEMBERS_KEY,
    OFFSETS_KEY,
    Served,
    export_onnx,
    load_checkpoint_net,
    max_difference,
    onnx_probabilities,
    torch_logits,
)
from .nets import NUM_CLASSES

PARITY_TOLERANCE = 1e-4
# The int8 file may answer differently where two emotions are nearly tied, not elsewhere: on the
# December VGG-32 pair 98% of validation faces kept their emotion and the probabilities moved by
# 0.003 on average. A file past these limits has a broken calibration, not rounding.
INT8_SAME_CLASS = 0.95
INT8_MEAN_DIFFERENCE = 0.02


class PublishError(ValueError):
    pass


def same_split(runs) -> None:
    """Runs meant for one ensemble must share the input size and hold out the same faces."""
    first = runs[0]
    for run in runs[1:]:
        if run.config.input_size != first.config.input_size:
            raise PublishError(
                f"{run.folder} reads {run.config.input_size} px faces, {first.folder} {first.config.input_size} px"
            )
        if len(run.val_labels) != len(first.val_labels) or not torch.equal(run.val_images, first.val_images):
            raise PublishError(
                f"{run.folder} holds out other validation faces than {first.folder}: train it with the same "
                "--data, --val-split and --split-seed"
            )


def publish(
    runs,
    out: Path,
    *,
    eval_faces: tuple[np.ndarray, np.ndarray, str] | None,
    command: str,
    log: Callable[[str], None],
    fit_offsets: bool = True,
    mirror: bool = True,
    int8: bool = False,
) -> Path:
    """Export the best epoch of each run as one model; returns the model card's path."""
    from vision.onnx_emotion import OnnxEmotionClassifier

    from .card import write_model_card
    from .evaluation import evaluate

    same_split(runs)
    members = []
    for run in runs:
        best_path = run.folder / "best.pt"
        if not best_path.exists():
            raise PublishError(f"no best epoch saved in {run.folder} yet")
        net, best = load_checkpoint_net(best_path)
        last = torch.load(run.folder / "last.pt", map_location="cpu", weights_only=False)
        members.append((net, best, last))
    nets = [net for net, _, _ in members]
    faces, labels = runs[0].val_images.numpy(), runs[0].val_labels.numpy()
    views = [torch_logits(net, faces, flip=flip) for net in nets for flip in ((False, True) if mirror else (False,))]
    zero = np.zeros(views[0].shape[1])
    before = calibration.score(labels, calibration.predict(views, zero), len(zero))
    offsets = calibration.fit_offsets(views, labels) if fit_offsets else zero
    after = calibration.score(labels, calibration.predict(views, offsets), len(zero)) if fit_offsets else before
    fitted = {"before": before, "after": after, "values": offsets.tolist()}

    def figures(score):
        return f"accuracy {score[0]:.2%}, mean recall {score[1]:.2%}, worst class {score[2]:.2%}"

    log(
        f"validation ({len(labels)} faces, {len(nets)} network(s){', mirror-averaged' if mirror else ''}): "
        + figures(fitted["before"])
        + (f"; with class offsets {np.round(offsets, 2).tolist()}: " + figures(fitted["after"]) if fit_offsets else "")
    )
    served = Served(nets, offsets if fit_offsets else None, mirror=mirror)
    metadata = {MEMBERS_KEY: [f"{run.folder.name} epoch {best['epoch']}" for run, (_, best, _) in zip(runs, members)]}
    if fit_offsets:
        metadata[OFFSETS_KEY] = [float(x) for x in offsets]
    with tempfile.TemporaryDirectory() as tmp:
        float_out = Path(tmp) / out.name if int8 else out
        export_onnx(served, runs[0].config.input_size, float_out, metadata)
        parity = max_difference(served, float_out, faces[:256])
        if parity > PARITY_TOLERANCE:
            raise PublishError(f"the ONNX export differs from PyTorch by {parity:.2e} (> {PARITY_TOLERANCE:g})")
        log(
            f"exported {', '.join(metadata[MEMBERS_KEY])} "
            + (f"in float32, to quantise into {out}" if int8 else f"to {out}")
            + f" (ONNX vs PyTorch: {parity:.1e})"
        )
        int8_info = _quantize(runs[0], float_out, out, faces, labels, log) if int8 else None

    latency = OnnxEmotionClassifier(out, threads=1).latency_ms()
    evaluations = []
    if eval_faces is not None:
        test_faces, test_labels, folder = eval_faces
        served_model = OnnxEmotionClassifier(out, threads=torch.get_num_threads())
        evaluations.append(("this model", evaluate(served_model.predict, test_faces, test_labels, folder)))
        log(f"this model: {evaluations[0][1].summary()}")
    return write_model_card(
        out,
        [(best, last) for _, best, last in members],
        command,
        [str(run.folder) for run in runs],
        evaluations,
        latency,
        parity,
        calibration_info=fitted if fit_offsets else None,
        mirror=mirror,
        validation=after,
        int8=int8_info,
    )


def _quantize(run, float_out: Path, out: Path, faces: np.ndarray, labels: np.ndarray, log) -> dict:
    """`out` ← the int8 version of `float_out`, calibrated on training faces, checked and scored on validation."""
    calibration_faces = quantize.calibration_faces(run.train_images.numpy(), run.config.input_size)
    quantize.quantize(float_out, out, calibration_faces)
    probabilities = {"float32": onnx_probabilities(float_out, faces), "int8": onnx_probabilities(out, faces)}
    agreed = quantize.agreement(probabilities["float32"], probabilities["int8"])
    scores = {name: calibration.score(labels, p.argmax(axis=1), NUM_CLASSES) for name, p in probabilities.items()}
    log(
        f"int8 ({len(calibration_faces)} training faces to calibrate): the same emotion as float32 on "
        f"{agreed.same_class:.1%} of {agreed.faces} validation faces, probabilities {agreed.mean_difference:.4f} "
        f"apart on average ({agreed.max_difference:.3f} at most); validation accuracy "
        f"{scores['float32'][0]:.2%} → {scores['int8'][0]:.2%}, worst class {scores['float32'][2]:.2%} → "
        f"{scores['int8'][2]:.2%}"
    )
    if agreed.same_class < INT8_SAME_CLASS or agreed.mean_difference > INT8_MEAN_DIFFERENCE:
        out.unlink()
        raise PublishError(
            f"the int8 file strays from float32 (same emotion on {agreed.same_class:.1%} of the validation faces, "
            f"mean difference {agreed.mean_difference:.4f}): export without --int8"
        )
    return {"calibration_faces": len(calibration_faces), "agreement": agreed, "scores": scores}
