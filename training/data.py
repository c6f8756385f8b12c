"""Labelled face folders (one sub-folder per emotion) as uint8 arrays, cached under var/."""

from __future__ import annotations

import hashlib
import logging
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np

from core.emotions import EMOTIONS

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".pgm"}
CACHE_VERSION = 1


class DatasetError(ValueError):
    """The labelled folder cannot be used for training or evaluation."""


@dataclass(frozen=True)
class LabelledImages:
    """Greyscale images (N, H, W) uint8 at their stored size, with EMOTIONS indices."""

    images: np.ndarray
    labels: np.ndarray
    skipped: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.labels)

    def class_counts(self) -> np.ndarray:
        return np.bincount(self.labels, minlength=len(EMOTIONS))

    def first_of_each_class(self, limit: int) -> LabelledImages:
        """At most `limit` images of each class, the first in file-name order (the evaluations' --limit)."""
        keep = np.concatenate([np.flatnonzero(self.labels == i)[:limit] for i in range(len(EMOTIONS))])
        return replace(self, images=self.images[keep], labels=self.labels[keep])

    def resized(self, size: tuple[int, int]) -> np.ndarray:
        """All images at (height, width), the way the vision pipeline resizes a face crop."""
        height, width = size
        if self.images.shape[1:3] == (height, width):
            return self.images
        out = np.empty((len(self.images), height, width), dtype=np.uint8)
        for i, image in enumerate(self.images):
            out[i] = cv2.resize(image, (width, height), interpolation=cv2.INTER_LINEAR)
        return out


def list_labelled_files(folder: Path) -> list[tuple[Path, int]]:
    """(path, label) for every image under folder/<emotion>/; unknown sub-folders are an error."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetError(f"{folder} is not a folder")
    subfolders = sorted(p for p in folder.iterdir() if p.is_dir())
    unknown = [p.name for p in subfolders if p.name not in EMOTIONS]
    if unknown:
        raise DatasetError(
            f"{folder} has sub-folders that are not emotions: {', '.join(unknown)} "
            f"(expected some of: {', '.join(EMOTIONS)})"
        )
    files = []
    for sub in subfolders:
        label = EMOTIONS.index(sub.name)
        files.extend((path, label) for path in sorted(sub.iterdir()) if path.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DatasetError(f"{folder} holds no images in emotion sub-folders ({', '.join(EMOTIONS)})")
    return files


def _folder_fingerprint(files: list[tuple[Path, int]]) -> str:
    digest = hashlib.sha256(f"v{CACHE_VERSION}".encode())
    for path, label in files:
        stat = path.stat()
        digest.update(f"{path}|{label}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def _read_images(files: list[tuple[Path, int]], progress: bool) -> LabelledImages:
    images, labels, skipped = [], [], []
    shape = None
    started = time.monotonic()
    for i, (path, label) in enumerate(files, 1):
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if image is None:
            skipped.append(f"{path} (not a readable image)")
        else:
            if shape is None:
                shape = image.shape
            if image.shape != shape:
                # FER2013 is uniformly 48×48; other folders are brought to the first image's size.
                image = cv2.resize(image, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
            images.append(image)
            labels.append(label)
        if progress and (i % 5000 == 0 or i == len(files)):
            print(f"  read {i}/{len(files)} images ({time.monotonic() - started:.0f} s)", file=sys.stderr)
    if not images:
        raise DatasetError("none of the images could be read")
    for line in skipped:
        logger.warning("skipped %s", line)
    return LabelledImages(np.stack(images), np.asarray(labels, dtype=np.int64), tuple(skipped))


def load_folder(folder: Path, cache_dir: Path | None = None, progress: bool = False) -> LabelledImages:
    """Read a labelled folder once; later calls load the uint8 array from cache_dir.

    The cache key covers every file's path, size and modification time, so a changed
    folder is read again rather than served stale.
    """
    files = list_labelled_files(folder)
    if cache_dir is None:
        return _read_images(files, progress)
    cache_dir = Path(cache_dir)
    cache_file = cache_dir / f"{Path(folder).name}-{_folder_fingerprint(files)}.npz"
    if cache_file.exists():
        with np.load(cache_file) as cached:
            return LabelledImages(cached["images"], cached["labels"], tuple(cached["skipped"].tolist()))
    data = _read_images(files, progress)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_name(cache_file.name + f".{os.getpid()}.tmp.npz")
    np.savez(partial, images=data.images, labels=data.labels, skipped=np.asarray(data.skipped, dtype=str))
    partial.replace(cache_file)
    return data


def to_model_input(images: np.ndarray) -> np.ndarray:
    """uint8 greyscale (N, H, W) → float32 (N, H, W, 1) in [-1, 1], the shipped model's scaling."""
    return (images.astype(np.float32)[..., None] / 127.5) - 1.0


def split_validation(labels: np.ndarray, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train_index, validation_index): every class keeps its share in both parts."""
    if not 0.0 <= fraction < 1.0:
        raise DatasetError(f"the validation split must be in [0, 1), got {fraction}")
    rng = np.random.default_rng(seed)
    train_idx, val_idx = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_val = int(round(len(members) * fraction))
        if fraction > 0 and len(members) > 1:
            n_val = max(1, n_val)
        n_val = min(n_val, len(members) - 1)
        val_idx.append(members[:n_val])
        train_idx.append(members[n_val:])
    return rng.permutation(np.concatenate(train_idx)), np.sort(np.concatenate(val_idx))


def class_weights(labels: np.ndarray, mode: str = "sqrt") -> dict[int, float]:
    """Per-class loss weights: 'balanced' (inverse frequency), 'sqrt' (its square root), 'none'."""
    counts = np.bincount(labels, minlength=len(EMOTIONS)).astype(np.float64)
    present = counts > 0
    if mode == "none":
        return {i: 1.0 for i in range(len(EMOTIONS))}
    balanced = np.ones_like(counts)
    balanced[present] = counts[present].sum() / (present.sum() * counts[present])
    if mode == "balanced":
        weights = balanced
    elif mode == "sqrt":
        weights = np.sqrt(balanced)
    else:
        raise DatasetError(f"unknown class weighting {mode!r} (balanced, sqrt or none)")
    return {i: float(w) for i, w in enumerate(weights)}
