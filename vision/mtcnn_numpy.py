"""MTCNN (Zhang et al. 2016) run in plain NumPy/OpenCV with the weights of the `mtcnn` wheel.

Why not the `mtcnn` package's own runner: its P/R/O-Nets are Keras models called eagerly,
one call per pyramid level, with TensorFlow ops for every resize and crop. On a 320×240
webcam frame that costs ~260 ms, almost all of it per-call overhead — the networks
themselves need a few million multiply-adds. Here each convolution is one im2col + one
BLAS matrix product, pyramid levels and crops are OpenCV resizes/warps, and the pyramid
starts at the smallest face a webcam frame is expected to hold (a setting), which removes
the largest, most expensive levels. The box/landmark arithmetic follows `mtcnn` 1.0.0, so
the results match it (checked in tests/test_vision_detection.py).

No TensorFlow here: the detector is thread-safe (no shared mutable state) and fork-safe.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import joblib
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _weights_dir() -> Path:
    # Located without importing `mtcnn` itself: its __init__ pulls in TensorFlow.
    spec = importlib.util.find_spec("mtcnn")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("The `mtcnn` package (which carries the MTCNN weights) is not installed.")
    return Path(next(iter(spec.submodule_search_locations))) / "assets" / "weights"


def _load(name: str) -> list[np.ndarray]:
    return [np.asarray(w, dtype=np.float32) for w in joblib.load(_weights_dir() / name)]


# --- layers (NHWC, float32) ------------------------------------------------------


class _Conv:
    def __init__(self, kernel: np.ndarray, bias: np.ndarray):
        kh, kw, cin, cout = kernel.shape
        self.kh, self.kw = kh, kw
        # sliding_window_view puts the window axes last: (C, kh, kw) per output pixel.
        self.matrix = np.ascontiguousarray(kernel.transpose(2, 0, 1, 3).reshape(cin * kh * kw, cout))
        self.bias = bias

    def __call__(self, x: np.ndarray) -> np.ndarray:
        n, h, w, c = x.shape
        oh, ow = h - self.kh + 1, w - self.kw + 1
        if self.kh == 1 and self.kw == 1:
            cols = x.reshape(n * h * w, c)
        else:
            cols = sliding_window_view(x, (self.kh, self.kw), axis=(1, 2)).reshape(n * oh * ow, -1)
        out = cols @ self.matrix
        out += self.bias
        return out.reshape(n, oh, ow, -1)


class _PReLU:
    def __init__(self, alpha: np.ndarray):
        self.alpha = alpha.reshape(-1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.where(x > 0, x, x * self.alpha)


def _max_pool(x: np.ndarray, size: int, stride: int, same: bool) -> np.ndarray:
    n, h, w, c = x.shape
    if same:  # TensorFlow "same": pad at the end (and start) with -inf so the max ignores it
        oh, ow = math.ceil(h / stride), math.ceil(w / stride)
        ph = max((oh - 1) * stride + size - h, 0)
        pw = max((ow - 1) * stride + size - w, 0)
        if ph or pw:
            x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)), constant_values=-np.inf)
    windows = sliding_window_view(x, (size, size), axis=(1, 2))[:, ::stride, ::stride]
    return windows.max(axis=(4, 5))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class _PNet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        # Both 1×1 heads in one product.
        self.heads = _Conv(np.concatenate([w[9], w[11]], axis=-1), np.concatenate([w[10], w[12]]))

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 2, 2, same=True)
        x = self.prelu3(self.conv3(self.prelu2(self.conv2(x))))
        out = self.heads(x)
        return out[..., :4], _softmax(out[..., 4:6])


class _RNet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        self.fc4, self.b4, self.prelu4 = w[9], w[10], _PReLU(w[11])
        self.head, self.head_b = np.concatenate([w[12], w[14]], axis=1), np.concatenate([w[13], w[15]])

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 3, 2, same=True)
        x = _max_pool(self.prelu2(self.conv2(x)), 3, 2, same=False)
        x = self.prelu3(self.conv3(x))
        x = x.transpose(0, 2, 1, 3).reshape(len(x), -1)  # the Permute((2, 1, 3)) of the Caffe port
        x = self.prelu4(x @ self.fc4 + self.b4)
        out = x @ self.head + self.head_b
        return out[:, :4], _softmax(out[:, 4:6])


class _ONet:
    def __init__(self, w):
        self.conv1, self.prelu1 = _Conv(w[0], w[1]), _PReLU(w[2])
        self.conv2, self.prelu2 = _Conv(w[3], w[4]), _PReLU(w[5])
        self.conv3, self.prelu3 = _Conv(w[6], w[7]), _PReLU(w[8])
        self.conv4, self.prelu4 = _Conv(w[9], w[10]), _PReLU(w[11])
        self.fc5, self.b5, self.prelu5 = w[12], w[13], _PReLU(w[14])
        self.head = np.concatenate([w[15], w[17], w[19]], axis=1)
        self.head_b = np.concatenate([w[16], w[18], w[20]])

    def __call__(self, x):
        x = _max_pool(self.prelu1(self.conv1(x)), 3, 2, same=True)
        x = _max_pool(self.prelu2(self.conv2(x)), 3, 2, same=False)
        x = _max_pool(self.prelu3(self.conv3(x)), 2, 2, same=True)
        x = self.prelu4(self.conv4(x))
        x = x.transpose(0, 2, 1, 3).reshape(len(x), -1)
        x = self.prelu5(x @ self.fc5 + self.b5)
        out = x @ self.head + self.head_b
        return out[:, :4], out[:, 4:14], _softmax(out[:, 14:16])


# --- box arithmetic (as in mtcnn 1.0.0) --------------------------------------------


def _nms(boxes: np.ndarray, scores: np.ndarray, threshold: float, method: str = "union") -> np.ndarray:
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


def _square(boxes: np.ndarray) -> np.ndarray:
    boxes = boxes.copy()
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    side = np.maximum(w, h)
    boxes[:, 0] += w * 0.5 - side * 0.5
    boxes[:, 1] += h * 0.5 - side * 0.5
    boxes[:, 2] = boxes[:, 0] + side
    boxes[:, 3] = boxes[:, 1] + side
    return boxes


def _refine(boxes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    boxes = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    boxes[:, :4] += offsets * np.stack([w, h, w, h], axis=1)
    return boxes


def _crops(image: np.ndarray, boxes: np.ndarray, size: int, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
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
            borderValue=(_MID, _MID, _MID),
        )
    return _normalise(out)


# MTCNN's input scaling, (pixel - 127.5) / 128. It commutes with every (linear) resize and crop,
# so it is applied to the small pyramid levels and crops rather than to the whole frame.
_MID = 127.5


def _normalise(pixels: np.ndarray) -> np.ndarray:
    pixels -= _MID
    pixels *= 1.0 / 128.0  # a power of two: exactly the division
    return pixels


def _around(rgb: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray | None, tuple[int, int]]:
    """The part of the frame that crops of `boxes` read (bilinear reads reach a pixel further), as float32."""
    height, width = rgb.shape[:2]
    x0 = int(max(0, math.floor(float(boxes[:, 0].min())) - 2))
    y0 = int(max(0, math.floor(float(boxes[:, 1].min())) - 2))
    x1 = int(min(width, math.ceil(float(boxes[:, 2].max())) + 3))
    y1 = int(min(height, math.ceil(float(boxes[:, 3].max())) + 3))
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None, (0, 0)
    return rgb[y0:y1, x0:x1].astype(np.float32), (x0, y0)


@dataclass(frozen=True)
class MtcnnFace:
    box: tuple[float, float, float, float]  # x1, y1, x2, y2
    confidence: float
    # (x, y) as seen by the observer: "left_eye" is the eye on the image's left.
    left_eye: tuple[float, float]
    right_eye: tuple[float, float]
    nose: tuple[float, float]
    mouth_left: tuple[float, float]
    mouth_right: tuple[float, float]
    box_unclipped: tuple[float, float, float, float] | None = None  # O-Net's box before clipping to the frame

    @property
    def usable(self) -> bool:
        x1, y1, x2, y2 = self.box
        return x2 - x1 >= 2 and y2 - y1 >= 2


RUNTIMES = ("onnx", "numpy")


class NumpyMTCNN:
    """Three-stage MTCNN; `detect(rgb_uint8)` → faces, most confident first; `track(rgb, boxes)` → the
    faces near boxes of the frame before (O-Net alone, no pyramid).

    `runtime` runs the three networks: "numpy" (this module's layers) or "onnx" (the same
    weights as ONNX graphs in ONNX Runtime, `vision.mtcnn_onnx`: faster, and it releases the
    GIL while it computes). The box arithmetic is this module's in both.
    """

    def __init__(
        self,
        *,
        min_face_fraction: float = 0.15,
        min_face_pixels: int = 20,
        scale_factor: float = 0.709,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.8),
        max_proposals: int = 64,
        runtime: str = "numpy",
    ):
        if runtime not in RUNTIMES:
            raise ValueError(f"MTCNN runtime must be one of {', '.join(RUNTIMES)}, got {runtime!r}")
        if runtime == "onnx":
            from vision.mtcnn_onnx import OnnxONet, OnnxPNet, OnnxRNet

            nets = (OnnxPNet, OnnxRNet, OnnxONet)
        else:
            nets = (_PNet, _RNet, _ONet)
        self.runtime = runtime
        self.pnet = nets[0](_load("pnet.lz4"))
        self.rnet = nets[1](_load("rnet.lz4"))
        self.onet = nets[2](_load("onet.lz4"))
        self.min_face_fraction = min_face_fraction
        self.min_face_pixels = min_face_pixels
        self.scale_factor = scale_factor
        self.thresholds = thresholds
        # Caps the R/O-Net batches on busy frames (proposals are sorted by score).
        self.max_proposals = max_proposals

    def scales(self, height: int, width: int) -> list[float]:
        min_face = max(self.min_face_pixels, self.min_face_fraction * min(height, width))
        scale = 12.0 / min_face
        scales = []
        while min(height, width) * scale >= 12:
            scales.append(scale)
            scale *= self.scale_factor
        return scales

    def min_face(self, height: int, width: int) -> float:
        """The side of the smallest face `detect` looks for, in pixels."""
        return max(self.min_face_pixels, self.min_face_fraction * min(height, width))

    def detect(self, rgb: np.ndarray) -> list[MtcnnFace]:
        height, width = rgb.shape[:2]
        image = rgb.astype(np.float32)
        boxes = self._stage_pnet(image, height, width)
        if len(boxes):
            boxes = self._stage_rnet(image, boxes)
        if not len(boxes):
            return []
        return self._stage_onet(image, boxes, height, width)

    def track(self, rgb: np.ndarray, boxes: np.ndarray, passes: int = 2) -> list[MtcnnFace | None]:
        """The face near each of `boxes` ((n, 4) x1, y1, x2, y2 in this frame's pixels), or None where it is lost.

        Face tracking: a face moves little between two frames of a stream, so instead of the
        whole pyramid, O-Net alone reads the square around where each face was. Its box
        regression moves the square onto the face; a second pass from the moved square lands
        where the full detector's O-Net lands (it too starts from a square close to the face):
        measured on recorded motion (`vision.motion`), two passes find the full path's box
        (IoU ≥ 0.7) where one pass misses it on 2–3% more frames, and R-Net then O-Net, the
        cheaper chain, loses the face (and falls back) almost twice as often.
        A face is lost where O-Net's score falls below its threshold, or the face is smaller
        than `detect` looks for; two boxes that converge on one face give it once.
        """
        height, width = rgb.shape[:2]
        boxes = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        if not len(boxes):
            return []
        squares = _square(np.column_stack([boxes, np.zeros(len(boxes), np.float32)]))
        found: list[MtcnnFace | None] = [None] * len(boxes)
        alive = np.arange(len(boxes))  # which input box each remaining square follows
        for n in range(passes):
            region, origin = _around(rgb, squares)
            if region is None:
                return found
            reg, marks, prob = self.onet(_crops(region, squares, 48, origin=origin))
            if n == passes - 1:
                faces = self._faces(squares, reg, marks, prob, height, width)
                for index, face in zip(alive, faces):
                    found[index] = face if face is not None and face.usable else None
                break
            keep = prob[:, 1] > self.thresholds[2]
            refined = _refine(np.column_stack([squares[:, :4], prob[:, 1]]), reg)
            squares, alive = _square(refined[keep]), alive[keep]
            if not len(squares):
                return found
        min_side = self.min_face(height, width) * 0.8
        for i, face in enumerate(found):
            if face is not None and min(face.box[2] - face.box[0], face.box[3] - face.box[1]) < min_side:
                found[i] = None
        # Two hints that converged on one face: the more confident keeps it.
        present = [i for i, face in enumerate(found) if face is not None]
        if len(present) > 1:
            rows = np.array([[*found[i].box, found[i].confidence] for i in present], dtype=np.float32)
            kept = {present[k] for k in _nms(rows[:, :4], rows[:, 4], 0.7, method="min")}
            found = [face if i in kept else None for i, face in enumerate(found)]
        return found

    def _stage_pnet(self, image, height, width):
        found = []
        for scale in self.scales(height, width):
            h, w = math.ceil(height * scale), math.ceil(width * scale)
            level = _normalise(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA))
            reg, prob = self.pnet(level[None])
            score = prob[0, :, :, 1]
            ys, xs = np.nonzero(score > self.thresholds[0])
            if not len(ys):
                continue
            offsets = reg[0, ys, xs]
            x1, y1 = xs * 2.0, ys * 2.0
            x2, y2 = x1 + 12.0, y1 + 12.0
            boxes = (
                np.stack(
                    [
                        x1 + offsets[:, 0] * 12,
                        y1 + offsets[:, 1] * 12,
                        x2 + offsets[:, 2] * 12,
                        y2 + offsets[:, 3] * 12,
                    ],
                    axis=1,
                )
                / scale
            )
            scores = score[ys, xs]
            keep = _nms(boxes, scores, 0.5)
            found.append(np.column_stack([boxes[keep], scores[keep]]))
        if not found:
            return np.empty((0, 5), dtype=np.float32)
        boxes = np.concatenate(found)
        boxes = boxes[_nms(boxes[:, :4], boxes[:, 4], 0.7)][: self.max_proposals]
        return _square(boxes)

    def _stage_rnet(self, image, boxes):
        reg, prob = self.rnet(_crops(image, boxes, 24))
        boxes = boxes.copy()
        boxes[:, 4] = prob[:, 1]
        boxes = _refine(boxes, reg)
        boxes = boxes[boxes[:, 4] > self.thresholds[1]]
        if not len(boxes):
            return boxes
        boxes = boxes[_nms(boxes[:, :4], boxes[:, 4], 0.7)]
        return _square(boxes)

    def _stage_onet(self, image, boxes, height, width):
        reg, marks, prob = self.onet(_crops(image, boxes, 48))
        faces = self._faces(boxes, reg, marks, prob, height, width)
        keep = [i for i, face in enumerate(faces) if face is not None]
        if not keep:
            return []
        rows = np.array([[*faces[i].box_unclipped, faces[i].confidence] for i in keep], dtype=np.float32)
        return [faces[keep[k]] for k in _nms(rows[:, :4], rows[:, 4], 0.7, method="min") if faces[keep[k]].usable]

    def _faces(self, boxes, reg, marks, prob, height, width) -> list[MtcnnFace | None]:
        """O-Net's answer for each input box: the face (refined box clipped to the frame, landmarks), or
        None below the score threshold. A face clipped to a sliver is not `usable`; callers drop it."""
        w = boxes[:, 2:3] - boxes[:, 0:1] + 1
        h = boxes[:, 3:4] - boxes[:, 1:2] + 1
        xs = w * marks[:, 0:5] + boxes[:, 0:1] - 1
        ys = h * marks[:, 5:10] + boxes[:, 1:2] - 1
        boxes = np.column_stack([boxes[:, :4], prob[:, 1]])
        boxes = _refine(boxes, reg)
        faces: list[MtcnnFace | None] = []
        for i in range(len(boxes)):
            if boxes[i, 4] <= self.thresholds[2]:
                faces.append(None)
                continue
            x1, y1 = max(0.0, boxes[i, 0]), max(0.0, boxes[i, 1])
            x2, y2 = min(float(width), boxes[i, 2]), min(float(height), boxes[i, 3])
            p = [(float(xs[i, k]), float(ys[i, k])) for k in range(5)]
            faces.append(
                MtcnnFace(
                    box=(float(x1), float(y1), float(x2), float(y2)),
                    confidence=float(boxes[i, 4]),
                    left_eye=p[0],
                    right_eye=p[1],
                    nose=p[2],
                    mouth_left=p[3],
                    mouth_right=p[4],
                    box_unclipped=tuple(float(v) for v in boxes[i, :4]),
                )
            )
        return faces
