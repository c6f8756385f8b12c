"""A teacher's readings as training targets: one fast network learns what a slower ensemble says.

The ensemble that serves best (several networks, each face also read mirrored) costs several
milliseconds a face; one network of a third of that cost can come close by learning the
ensemble's probabilities instead of the hard labels alone (Hinton et al. 2015, "Distilling
the knowledge in a neural network"). The teacher here is any exported ONNX emotion model,
read through ONNX Runtime — the served file itself, so what is distilled is what serves — or the
mean of several such files (`--teacher A --teacher B`), a wider teacher made of models trained apart.

Its probabilities are computed once for every face of the training pool (FER's crops and the
serving crops), at the teacher's own input size and mirror setting, and cached; an epoch
then costs no more than with labels. Offline distillation: the teacher reads the face
unaugmented, while the student sees it augmented — the usual trade for a teacher that is
not run on every batch.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np

from vision.alignment import resize_face
from vision.emotion import OnnxEmotionClassifier


def teacher_probabilities(
    path: Path, images: np.ndarray, cache_dir: Path | None, *, threads: int = 1, batch: int = 256
) -> np.ndarray:
    """(N, 7) float32: the ONNX model at `path` on uint8 faces (N, H, W), cached by model and faces."""
    path = Path(path)
    key = hashlib.sha256(path.read_bytes() + images.tobytes()).hexdigest()[:20]
    cache_file = None if cache_dir is None else Path(cache_dir) / f"teacher-{path.stem}-{key}.npy"
    if cache_file is not None and cache_file.exists():
        return np.load(cache_file)
    model = OnnxEmotionClassifier(path, threads=threads)
    out = np.empty((len(images), 7), dtype=np.float32)
    started = time.monotonic()
    for start in range(0, len(images), batch):
        chunk = images[start : start + batch]
        faces = np.stack([resize_face(face, model.input_size) for face in chunk])
        out[start : start + len(chunk)] = model.predict(faces)
        done = start + len(chunk)
        if done % (batch * 40) < batch or done == len(images):
            rate = done / max(1e-9, time.monotonic() - started)
            print(f"  teacher {path.name}: {done}/{len(images)} faces ({rate:.0f}/s)", file=sys.stderr, flush=True)
    if cache_file is not None:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        partial = cache_file.with_name(cache_file.name + f".{os.getpid()}.tmp.npy")
        np.save(partial, out)
        partial.replace(cache_file)
    return out


def teacher_paths(setting: str | list[str] | None) -> list[str]:
    """A run's `teacher`: one file (runs before ensembles of teachers kept a string), several, or none."""
    if not setting:
        return []
    return [setting] if isinstance(setting, str) else list(setting)


def ensemble_probabilities(paths: list[str], images: np.ndarray, cache_dir: Path | None) -> np.ndarray:
    """The mean of several teachers' probabilities: a wider teacher out of exported models that were
    trained apart (today's ensemble and a network trained on serving crops), each read and cached alone."""
    if not paths:
        raise ValueError("no teacher given")
    return np.mean([teacher_probabilities(Path(path), images, cache_dir) for path in paths], axis=0, dtype=np.float32)


def blend(targets: np.ndarray, teacher: np.ndarray, weight: float) -> np.ndarray:
    """(1 - weight) × the label targets + weight × the teacher's probabilities."""
    if not 0 <= weight <= 1:
        raise ValueError(f"the distillation weight must be in [0, 1], got {weight}")
    return ((1 - weight) * targets + weight * teacher).astype(np.float32)
