"""MTCNN's box arithmetic between the networks: NMS, squaring, regression, crops.

It follows `mtcnn` 1.0.0 step for step (the same +1 widths, the same NMS tie order), because
the detector's answers are checked against that package's (tests/vision/test_detection.py)
and face tracking relies on landing where the full detector lands. Kept apart from the
networks (`vision.mtcnn_nets`, `vision.mtcnn_onnx`), which it does not depend on: whichever
runtime runs them, the arithmetic around them is this.

Boxes are (n, 4) or (n, 5) float arrays: x1, y1, x2, y2 in frame pixels, then a score.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# MTCNN's input scaling, (pixel - 127.5) / 128. It commutes with every (linear) resize and crop,
# so it is applied to the small pyramid levels and crops rather than to the whole frame.
MID = 127.5


def normalise(pixels: np.ndarray) -> np.ndarray:
    """MTCNN's input scaling of float32 pixels 0–255, in place (the array is returned)."""
    pixels -= MID
    pixels *= 1.0 / 128.0  # a power of two: exactly the division
    return pixels


def nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
    """Indices kept, best first. boxes: (n, 4) x1, y1, x2, y2."""
    order = np.argsort(-scores, kind="stable")
    x1, y1, x2, y2 = boxes.T
    areas = (x2 - x1) * (y2 - y1)
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        iw = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]))
        ih = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]))
        inter = iw * ih
        if method == "min":
            overlap = inter / np.maximum(np.minimum(areas[i], areas[rest]), 1e-9)
        else:
            overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=int)


def square(boxes: np.ndarray) -> np.ndarray:
    """Each box grown to a square about its centre (R- and O-Net read square crops)."""
    boxes = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    boxes[:, 0] += w * 0.5 - side * 0.5
    boxes[:, 1] += h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def refine(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Boxes moved by a network's regression offsets (fractions of the box's size)."""
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    boxes[:, :4] += offsets * np.stack([w, h, w, h], axis=1)
    return boxes


def crops(image: np.ndarray, boxes: np.ndarray, size: int, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Bilinear crops of `boxes` resized to size×size and normalised; outside the frame reads as 0 (mid-grey).

    `image` holds pixel values 0–255 (float32), and its top-left pixel is frame pixel `origin`:
    face tracking passes only the part of the frame around the faces it follows.
    """
    out = np.empty((len(boxes), size, size, 3), dtype=np.float32)
    ox, oy = origin
    for k, (x1, y1, x2, y2) in enumerate(boxes[:, :4]):
        sx, sy = (x2 - x1) / (size - 1), (y2 - y1) / (size - 1)
        # Maps an output pixel to its source position (as tf.image.crop_and_resize does).
        to_source = np.array([[sx, 0.0, x1 - ox], [0.0, sy, y1 - oy]], dtype=np.float64)
        out[k] = cv2.warpAffine(
            image,
            to_source,
            (size, size),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
            borderValue=(MID, MID, MID),
        )
    return normalise(out)


def around(rgb: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The part of the frame that crops of `boxes` read (bilinear reads reach a pixel further), as float32."""
    height, width = rgb.shape[:2]
    x0 = int(max(0, math.floor(float(boxes[:, 0].min())) - 2))
    y0 = int(max(0, math.floor(float(boxes[:, 1].min())) - 2))
    x1 = int(min(width, math.ceil(float(boxes[:, 2].max())) + 3))
    y1 = int(min(height, math.ceil(float(boxes[:, 3].max())) + 3))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None, (0, 0)
    return rgb[y0:y1, x0:x1].astype(np.float32), (x0, y0)
