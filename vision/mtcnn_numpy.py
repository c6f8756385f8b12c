"""MTCNN (Zhang et al. 2016) run in plain NumPy/OpenCV with the weights of the `mtcnn` wheel: the detector.

Why not the `mtcnn` package's own runner: its P/R/O-Nets are Keras models called eagerly,
one call per pyramid level, with TensorFlow ops for every resize and crop. On a 320×240
webcam frame that costs ~260 ms, almost all of it per-call overhead — the networks
themselves need a few million multiply-adds. Here the networks are one BLAS product per
layer (`vision.mtcnn_nets`, or ONNX Runtime: `vision.mtcnn_onnx`), pyramid levels and crops
are OpenCV resizes/warps (`vision.mtcnn_boxes`), and the pyramid starts at the smallest face
a webcam frame is expected to hold (a setting), which removes the largest, most expensive
levels. The box/landmark arithmetic follows `mtcnn` 1.0.0, so the results match it (checked
in tests/vision/test_detection.py).

This module holds the three stages, face tracking, and the faces they answer with.
No TensorFlow here: the detector is thread-safe (no shared mutable state) and fork-safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from vision.mtcnn_boxes import around, crops, nms, normalise, refine, square
from vision.mtcnn_nets import ONet, PNet, RNet, load_weights


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

    `runtime` runs the three networks: "numpy" (`vision.mtcnn_nets`) or "onnx" (the same
    weights as ONNX graphs in ONNX Runtime, `vision.mtcnn_onnx`: faster, and it releases the
    GIL while it computes). The box arithmetic (`vision.mtcnn_boxes`) is the same in both.
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
            nets = (PNet, RNet, ONet)
        self.runtime = runtime
        self.pnet = nets[0](load_weights("pnet.lz4"))
        self.rnet = nets[1](load_weights("rnet.lz4"))
        self.onet = nets[2](load_weights("onet.lz4"))
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
        squares = square(np.column_stack([boxes, np.zeros(len(boxes), np.float32)]))
        found: list[MtcnnFace | None] = [None] * len(boxes)
        alive = np.arange(len(boxes))  # which input box each remaining square follows
        for n in range(passes):
            region, origin = around(rgb, squares)
            if region is None:
                return found
            reg, marks, prob = self.onet(crops(region, squares, 48, origin=origin))
            if n == passes - 1:
                faces = self._faces(squares, reg, marks, prob, height, width)
                for index, face in zip(alive, faces):
                    found[index] = face if face is not None and face.usable else None
                break
            keep = prob[:, 1] > self.thresholds[2]
            refined = refine(np.column_stack([squares[:, :4], prob[:, 1]]), reg)
            squares, alive = square(refined[keep]), alive[keep]
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
            kept = {present[k] for k in nms(rows[:, :4], rows[:, 4], 0.7, method="min")}
            found = [face if i in kept else None for i, face in enumerate(found)]
        return found

    def _stage_pnet(self, image, height, width):
        found = []
        for scale in self.scales(height, width):
            h, w = math.ceil(height * scale), math.ceil(width * scale)
            level = normalise(cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA))
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
            keep = nms(boxes, scores, 0.5)
            found.append(np.column_stack([boxes[keep], scores[keep]]))
        if not found:
            return np.empty((0, 5), dtype=np.float32)
        boxes = np.concatenate(found)
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)][: self.max_proposals]
        return square(boxes)

    def _stage_rnet(self, image, boxes):
        reg, prob = self.rnet(crops(image, boxes, 24))
        boxes = boxes.copy()
        boxes[:, 4] = prob[:, 1]
        boxes = refine(boxes, reg)
        boxes = boxes[boxes[:, 4] > self.thresholds[1]]
        if not len(boxes):
            return boxes
        boxes = boxes[nms(boxes[:, :4], boxes[:, 4], 0.7)]
        return square(boxes)

    def _stage_onet(self, image, boxes, height, width):
        reg, marks, prob = self.onet(crops(image, boxes, 48))
        faces = self._faces(boxes, reg, marks, prob, height, width)
        keep = [i for i, face in enumerate(faces) if face is not None]
        if not keep:
            return []
        rows = np.array([[*faces[i].box_unclipped, faces[i].confidence] for i in keep], dtype=np.float32)
        return [faces[keep[k]] for k in nms(rows[:, :4], rows[:, 4], 0.7, method="min") if faces[keep[k]].usable]

    def _faces(self, boxes, reg, marks, prob, height, width) -> list[MtcnnFace | None]:
        """O-Net's answer for each input box: the face (refined box clipped to the frame, landmarks), or
        None below the score threshold. A face clipped to a sliver is not `usable`; callers drop it."""
        w = boxes[:, 2:3] - boxes[:, 0:1] + 1
        h = boxes[:, 3:4] - boxes[:, 1:2] + 1
        xs = w * marks[:, 0:5] + boxes[:, 0:1] - 1
        ys = h * marks[:, 5:10] + boxes[:, 1:2] - 1
        boxes = np.column_stack([boxes[:, :4], prob[:, 1]])
        boxes = refine(boxes, reg)
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
