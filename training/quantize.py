"""int8 serving: the exported float32 graph → a statically quantised graph ONNX Runtime reads faster.

Why: ONNX Runtime's int8 convolutions (VNNI and AMX where the CPU has them, u8s8 AVX2 kernels
elsewhere) read a face several times faster than float32 — the two VGG-32 networks of the
December default went from 6.8 to 2.6 ms a face on one core, 0.24 points lower on the
validation split (measured 2026-12-02). The vision budget then holds a wider network or more
members for the time one float32 pair took.

Static: each activation's range is measured once, on training faces, not at every call, so
serving pays for nothing but the int8 arithmetic. Per-channel weight scales (one per output
channel: a convolution's filters differ by orders of magnitude), QDQ format (ONNX Runtime fuses
the QuantizeLinear/DequantizeLinear pairs into int8 kernels), min-max ranges. Weights use 7 of
their 8 bits (`reduce_range`): on x86 CPUs without VNNI (AVX2, the first AVX-512 ones) ONNX
Runtime multiplies uint8 by int8 with VPMADDUBSW, whose 16-bit sums can saturate with full-range
weights, so the same file would read faces differently there than on the VNNI machine that
measured it; with 7-bit weights the sums cannot overflow, on every CPU. The calibration
faces come from the training part of the split, never from the validation faces that then judge
the quantised file (`training.publish`).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vision.alignment import resize_face

CALIBRATION_FACES = 512
INT8_KEY = "emotunes.int8"
# The networks' layers. Not the tail the export adds (class offsets, softmax, the mean over views
# and members): quantised, the served probabilities would come in steps of 1/255 and not sum to
# one, and the smoother averages them. Leaving it in float32 also read the validation split better
# (70.79% against 70.65% for the December pair) and cost nothing measurable (2.46 against 2.56 ms).
QUANTISED_OPS = ("Conv", "Gemm", "Relu", "MaxPool", "GlobalAveragePool", "Flatten", "Identity")


@dataclass(frozen=True)
class Agreement:
    """How the int8 file's answers compare with the float32 file's on the same faces."""

    faces: int
    same_class: float  # share of faces with the same most probable emotion
    mean_difference: float  # mean absolute difference of the probabilities
    max_difference: float


def calibration_faces(images: np.ndarray, size: int, n: int = CALIBRATION_FACES, seed: int = 0) -> np.ndarray:
    """`n` training faces (uint8, N × S × S), drawn at random with `seed`, at the network's input size."""
    pick = np.sort(np.random.default_rng(seed).choice(len(images), min(n, len(images)), replace=False))
    return np.stack([resize_face(img, size) for img in images[pick]])


@contextlib.contextmanager
def _quiet():
    """onnxruntime.quantization logs a line per tensor it touches at INFO on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.WARNING)
    try:
        yield
    finally:
        root.setLevel(level)


def quantize(float_path: Path, out: Path, faces: np.ndarray) -> Path:
    """Write the int8 version of the float32 ONNX file `float_path` to `out`, calibrated on `faces` (uint8)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        CalibrationMethod,
        QuantFormat,
        QuantType,
        quantize_static,
    )
    from onnxruntime.quantization.shape_inference import quant_pre_process

    from .export import exported_metadata, onnx_input, write_metadata

    class Faces(CalibrationDataReader):
        def __init__(self):
            self._batches = iter(faces[i : i + 1] for i in range(len(faces)))

        def get_next(self):
            batch = next(self._batches, None)
            return None if batch is None else onnx_input(batch)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)  # as `export_onnx` does for the float32 file
    partial = out.with_name(out.name + ".partial")
    with tempfile.TemporaryDirectory() as tmp, _quiet():
        prepared = Path(tmp) / "prepared.onnx"
        quant_pre_process(str(float_path), str(prepared))  # shapes inferred, graph folded, as the quantiser wants
        quantize_static(
            str(prepared),
            str(partial),
            Faces(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
            calibrate_method=CalibrationMethod.MinMax,
            op_types_to_quantize=list(QUANTISED_OPS),
            reduce_range=True,
        )
    # Members, offsets …: what the float file says holds for this one too.
    write_metadata(partial, {**exported_metadata(float_path), INT8_KEY: {"calibration_faces": len(faces)}})
    partial.replace(out)
    return out


def agreement(reference: np.ndarray, quantised: np.ndarray) -> Agreement:
    """Compare the float32 file's probabilities on some faces with the int8 file's on the same faces."""
    difference = np.abs(reference - quantised)
    return Agreement(
        faces=len(reference),
        same_class=float((reference.argmax(axis=1) == quantised.argmax(axis=1)).mean()),
        mean_difference=float(difference.mean()),
        max_difference=float(difference.max()),
    )
