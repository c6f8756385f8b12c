"""Eye alignment: rotate the face so the line through the eyes is horizontal, then crop."""

from __future__ import annotations

import math

import cv2
import numpy as np
from deepface.models.Detector import FacialAreaRegion


def alignment_matrix(region: FacialAreaRegion, side: int) -> np.ndarray:
    """2×3 affine map from frame pixels to a side×side crop centred on the face, eyes level."""
    cx, cy = region.x + region.w / 2.0, region.y + region.h / 2.0
    angle = 0.0
    if region.left_eye is not None and region.right_eye is not None:
        # The person's right eye is on the image's left.
        (lx, ly), (rx, ry) = region.right_eye, region.left_eye
        if rx != lx or ry != ly:
            angle = math.degrees(math.atan2(ry - ly, rx - lx))
    matrix = cv2.getRotationMatrix2D((cx, cy), angle, 1.0)
    matrix[:, 2] += (side / 2.0 - cx, side / 2.0 - cy)
    return matrix


def align_face(gray: np.ndarray, region: FacialAreaRegion, *, margin: float, size: int) -> np.ndarray:
    """The face as a size×size greyscale crop, eyes level, `margin` × its longer box side."""
    side = max(2, int(round(max(region.w, region.h) * margin)))
    matrix = alignment_matrix(region, side)
    # Rotation at full resolution, then an area-averaging shrink (a direct warp to 64 px aliases).
    crop = cv2.warpAffine(gray, matrix, (side, side), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return resize_face(crop, size)


def resize_face(crop: np.ndarray, size: int) -> np.ndarray:
    if crop.shape[:2] == (size, size):
        return crop
    shrinking = crop.shape[0] > size
    return cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
