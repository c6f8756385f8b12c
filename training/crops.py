"""Training faces as the live path sees them, not as FER2013 framed them.

Serving never feeds the classifier a FER2013 crop: the page sends a 320×240 JPEG at quality
0.7, the project's MTCNN finds the face there (its own box, its own eye points), and
`vision.alignment.align_face` cuts a square of `VISION_FACE_MARGIN` × the box around it, eyes
level. A network trained only on FER's tight framing reads that crop worse (disgust and fear
come out angry). So each training face is sent through that geometry here:

1. placed in a camera-sized frame — at a random size and position, slightly rotated, over a
   background (FER's own border replicated as `tests.vision_fixtures.fer_frame` does, a
   reflected and blurred surround, or another face's blurred picture standing in for a room),
   with lighting, blur and sensor noise;
2. encoded as JPEG at quality 70, as the page sends it, and decoded;
3. found by the project's MTCNN (`vision.detection.FastMtcnnDetector`, the serving runtime);
   the detection that overlaps the placed face is kept, and its box and eye points are
   jittered as tracked detections vary from frame to frame;
4. aligned by `vision.alignment.align_face` with the served margin, at the network's size.

Faces MTCNN misses are left out of training and counted. Building the crops costs about
7 ms a face on one core, so they are built once per (folder, recipe, variants, seed) and
cached under `var/training/cache/`; an epoch then costs what it did on FER's own crops.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np
from deepface.models.Detector import FacialAreaRegion

from vision.alignment import align_face

CROPS_VERSION = 1


@dataclass(frozen=True)
class FrameRecipe:
    """How a training face is shown to the detector; every range is drawn uniformly."""

    frame_size: tuple[int, int] = (320, 240)  # (width, height): what the page sends
    face_px: tuple[int, int] = (84, 176)  # side of the 48 px FER face once enlarged in the frame
    rotation_deg: float = 12.0
    jpeg_quality: int = 70  # what the live page sends (canvas.toBlob quality 0.7)
    gamma: tuple[float, float] = (0.7, 1.4)
    blur_p: float = 0.3
    noise_p: float = 0.5
    box_jitter: float = 0.06  # share of the box side: shift of the box and its eye points, and scale
    min_iou: float = 0.3  # a detection overlapping the placed face less than this is not that face
    margin: float = 1.2  # settings.VISION_FACE_MARGIN
    size: int = 48  # the network's input size


@dataclass(frozen=True)
class ServingCrops:
    """Aligned crops (N, size, size) uint8, their labels, and each crop's source face index."""

    images: np.ndarray
    labels: np.ndarray
    source: np.ndarray
    missed: int  # placed faces MTCNN did not find (left out)
    attempted: int

    def __len__(self) -> int:
        return len(self.labels)


def _background(face: np.ndarray, frame_w: int, frame_h: int, rng: np.random.Generator, scenes: np.ndarray):
    kind = rng.choice(3, p=(0.35, 0.25, 0.40))
    if kind == 0:  # FER's border replicated: the framing the evaluation of earlier models used
        return None
    if kind == 1:  # the face's own surround, mirrored outwards and blurred
        big = cv2.resize(face, (frame_w, frame_h), interpolation=cv2.INTER_LINEAR)
        return cv2.GaussianBlur(big, (0, 0), sigmaX=float(rng.uniform(6, 14)))
    scene = scenes[rng.integers(len(scenes))]  # another picture, blurred, as a room behind the listener
    big = cv2.resize(scene, (frame_w, frame_h), interpolation=cv2.INTER_LINEAR)
    big = cv2.GaussianBlur(big, (0, 0), sigmaX=float(rng.uniform(3, 10)))
    return np.clip(big.astype(np.float32) * rng.uniform(0.6, 1.2) + rng.uniform(-30, 30), 0, 255).astype(np.uint8)


def fixed_frame(face: np.ndarray) -> np.ndarray:
    """A 48×48 FER face as one webcam frame always shows it: enlarged to 144 px, centred in 320×240,
    its edges carried out to the border. The one fixed framing that `evaluate_live_path` and the
    vision tests (`tests.vision_fixtures.fer_frame`) read faces in."""
    big = cv2.resize(face, (144, 144), interpolation=cv2.INTER_CUBIC)
    return cv2.cvtColor(cv2.copyMakeBorder(big, 48, 48, 88, 88, cv2.BORDER_REPLICATE), cv2.COLOR_GRAY2BGR)


def place_in_frame(
    face: np.ndarray, rng: np.random.Generator, recipe: FrameRecipe, scenes: np.ndarray
) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A greyscale FER face in a BGR camera frame; returns the frame and where the face went (x, y, w, h)."""
    frame_w, frame_h = recipe.frame_size
    side = int(rng.integers(recipe.face_px[0], min(recipe.face_px[1], frame_h) + 1))
    big = cv2.resize(face, (side, side), interpolation=cv2.INTER_CUBIC)
    x = int(rng.integers(0, frame_w - side + 1))
    y = int(rng.integers(0, frame_h - side + 1))
    background = _background(face, frame_w, frame_h, rng, scenes)
    if background is None:
        frame = cv2.copyMakeBorder(big, y, frame_h - side - y, x, frame_w - side - x, cv2.BORDER_REPLICATE)
    else:
        # A soft edge, so the network learns no seam at the FER crop's border.
        feather = max(3, side // 12) | 1
        mask = np.zeros((frame_h, frame_w), np.float32)
        inset = feather // 2
        mask[y + inset : y + side - inset, x + inset : x + side - inset] = 1.0
        mask = cv2.GaussianBlur(mask, (feather * 2 + 1, feather * 2 + 1), 0)
        canvas = background.astype(np.float32)
        canvas[y : y + side, x : x + side] = (
            canvas[y : y + side, x : x + side] * (1 - mask[y : y + side, x : x + side])
            + big * mask[y : y + side, x : x + side]
        )
        frame = canvas.astype(np.uint8)
    angle = float(rng.uniform(-recipe.rotation_deg, recipe.rotation_deg))
    if abs(angle) > 0.5:
        matrix = cv2.getRotationMatrix2D((x + side / 2, y + side / 2), angle, 1.0)
        frame = cv2.warpAffine(
            frame, matrix, (frame_w, frame_h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
    # Lighting, focus and sensor noise, before the JPEG encoder sees the picture.
    lut = (np.linspace(0, 1, 256) ** rng.uniform(*recipe.gamma) * 255).astype(np.uint8)
    frame = cv2.LUT(frame, lut)
    if rng.random() < recipe.blur_p:
        frame = cv2.GaussianBlur(frame, (0, 0), sigmaX=float(rng.uniform(0.5, 1.5)))
    bgr = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR).astype(np.float32)
    bgr *= rng.uniform(0.9, 1.1, size=3)  # a camera's colour cast; the pipeline's grey conversion sees it
    if rng.random() < recipe.noise_p:
        bgr += rng.normal(0, rng.uniform(1, 6), size=bgr.shape)
    return np.clip(bgr, 0, 255).astype(np.uint8), (x, y, side, side)


def as_sent(frame_bgr: np.ndarray, quality: int) -> np.ndarray:
    """The frame after the page's JPEG encoding and the server's decoding."""
    ok, encoded = cv2.imencode(".jpg", frame_bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - OpenCV always encodes a uint8 BGR array
        raise RuntimeError("JPEG encoding failed")
    return cv2.imdecode(encoded, cv2.IMREAD_COLOR)


def _iou(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    w = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    h = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = w * h
    return inter / (aw * ah + bw * bh - inter) if inter else 0.0


def _jittered(region: FacialAreaRegion, rng: np.random.Generator, jitter: float) -> FacialAreaRegion:
    side = max(region.w, region.h)
    scale = rng.uniform(1 - jitter, 1 + jitter)
    dx, dy = rng.uniform(-jitter, jitter, size=2) * side
    w, h = region.w * scale, region.h * scale
    cx, cy = region.x + region.w / 2 + dx, region.y + region.h / 2 + dy

    def eye(point):
        if point is None:
            return None
        ex, ey = rng.uniform(-jitter / 3, jitter / 3, size=2) * side
        return (point[0] + dx + ex, point[1] + dy + ey)

    return FacialAreaRegion(
        x=int(round(cx - w / 2)),
        y=int(round(cy - h / 2)),
        w=max(2, int(round(w))),
        h=max(2, int(round(h))),
        left_eye=eye(region.left_eye),
        right_eye=eye(region.right_eye),
        confidence=region.confidence,
    )


def serving_crop(
    detector, face: np.ndarray, rng: np.random.Generator, recipe: FrameRecipe, scenes: np.ndarray
) -> np.ndarray | None:
    """One FER face through the live path's geometry: frame → JPEG → MTCNN → jitter → alignment."""
    frame, placed = place_in_frame(face, rng, recipe, scenes)
    frame = as_sent(frame, recipe.jpeg_quality)
    regions = detector.detect_faces(frame)
    best = max(regions, key=lambda r: _iou((r.x, r.y, r.w, r.h), placed), default=None)
    if best is None or _iou((best.x, best.y, best.w, best.h), placed) < recipe.min_iou:
        return None
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return align_face(gray, _jittered(best, rng, recipe.box_jitter), margin=recipe.margin, size=recipe.size)


def build(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    variants: int,
    seed: int,
    recipe: FrameRecipe = FrameRecipe(),
    detector=None,
    progress: bool = True,
) -> ServingCrops:
    """`variants` serving crops of every face (each drawn anew); missed faces are counted, not kept."""
    if detector is None:
        from vision.detection import FastMtcnnDetector

        detector = FastMtcnnDetector(min_face_fraction=0.15, runtime="onnx")
    crops, kept_labels, source = [], [], []
    missed = 0
    started = time.monotonic()
    total = len(images) * variants
    for v in range(variants):
        for i, face in enumerate(images):
            # One generator per (seed, variant, face): a face's crop does not depend on the others.
            rng = np.random.default_rng([seed, v, i])
            crop = serving_crop(detector, face, rng, recipe, images)
            if crop is None:
                missed += 1
            else:
                crops.append(crop)
                kept_labels.append(labels[i])
                source.append(i)
            done = v * len(images) + i + 1
            if progress and (done % 2000 == 0 or done == total):
                rate = done / max(1e-9, time.monotonic() - started)
                print(
                    f"  serving crops {done}/{total} ({missed} missed, {rate:.0f}/s, "
                    f"{(total - done) / rate / 60:.1f} min left)",
                    file=sys.stderr,
                    flush=True,
                )
    size = recipe.size
    return ServingCrops(
        images=np.stack(crops) if crops else np.empty((0, size, size), np.uint8),
        labels=np.asarray(kept_labels, dtype=np.int64),
        source=np.asarray(source, dtype=np.int64),
        missed=missed,
        attempted=total,
    )


def cache_key(data_fingerprint: str, variants: int, seed: int, recipe: FrameRecipe) -> str:
    text = json.dumps(
        {"v": CROPS_VERSION, "data": data_fingerprint, "variants": variants, "seed": seed, "recipe": asdict(recipe)},
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def load_or_build(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    name: str,
    cache_dir: Path,
    variants: int,
    seed: int,
    recipe: FrameRecipe = FrameRecipe(),
    progress: bool = True,
) -> ServingCrops:
    """`build()` once; later calls (and resumed runs) read the crops from `cache_dir`."""
    fingerprint = hashlib.sha256(images.tobytes() + labels.tobytes()).hexdigest()[:20]
    cache_file = Path(cache_dir) / f"{name}-crops-{cache_key(fingerprint, variants, seed, recipe)}.npz"
    if cache_file.exists():
        with np.load(cache_file) as cached:
            return ServingCrops(
                cached["images"], cached["labels"], cached["source"], int(cached["missed"]), int(cached["attempted"])
            )
    crops = build(images, labels, variants=variants, seed=seed, recipe=recipe, progress=progress)
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    partial = cache_file.with_name(cache_file.name + f".{os.getpid()}.tmp.npz")
    np.savez(
        partial,
        images=crops.images,
        labels=crops.labels,
        source=crops.source,
        missed=crops.missed,
        attempted=crops.attempted,
    )
    partial.replace(cache_file)
    return crops
