"""Batch augmentation for FER faces, vectorised in PyTorch.

One affine warp per batch (`affine_grid` + `grid_sample`) does flip, rotation, zoom and shift
and resamples the 48 px source straight to the network's input size; then brightness and
contrast jitter and random erasing. Every random number comes from the caller's
`torch.Generator`, so an epoch is reproducible from its seed — which is what lets a resumed
run reach the same weights as an uninterrupted one.

Why these: a webcam face arrives tilted, off-centre and at varying distance from the
camera, lit unevenly, sometimes half covered by a hand; the MTCNN crop around it is never
quite FER2013's framing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch.nn import functional as F


@dataclass(frozen=True)
class Augmentation:
    rotation_deg: float = 12.0
    zoom: float = 0.15  # scale drawn from [1 - zoom, 1 + zoom]
    shift: float = 0.08  # share of the side
    flip: bool = True
    brightness: float = 0.2
    contrast: float = 0.2
    erase_p: float = 0.5
    erase_area: tuple[float, float] = (0.02, 0.2)


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return low + (high - low) * torch.rand(n, generator=generator)


def augment_batch(x: torch.Tensor, size: int, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """x: float (N, 1, H, W) in [-1, 1] → augmented (N, 1, size, size) in [-1, 1]."""
    n = x.shape[0]
    angle = _uniform(n, -aug.rotation_deg, aug.rotation_deg, generator) * (math.pi / 180.0)
    scale = _uniform(n, 1.0 - aug.zoom, 1.0 + aug.zoom, generator)
    flip = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0) if aug.flip else torch.ones(n)
    tx = _uniform(n, -aug.shift, aug.shift, generator) * 2.0
    ty = _uniform(n, -aug.shift, aug.shift, generator) * 2.0
    # The grid maps output coordinates to input ones: a zoom-in (scale > 1) samples a smaller area.
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack([torch.stack([cos * flip, -sin, tx], dim=1), torch.stack([sin * flip, cos, ty], dim=1)], dim=1)
    grid = F.affine_grid(theta, (n, 1, size, size), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)

    gain = _uniform(n, 1.0 - aug.contrast, 1.0 + aug.contrast, generator).view(n, 1, 1, 1)
    bias = _uniform(n, -aug.brightness, aug.brightness, generator).view(n, 1, 1, 1)
    mean = out.mean(dim=(2, 3), keepdim=True)
    out = ((out - mean) * gain + mean + bias).clamp(-1.0, 1.0)

    if aug.erase_p > 0:
        out = _random_erase(out, aug, generator)
    return out


def _random_erase(x: torch.Tensor, aug: Augmentation, generator: torch.Generator) -> torch.Tensor:
    """Blank a random rectangle (random grey) in a share of the faces, as a hand or hair would."""
    n, _, h, w = x.shape
    area = _uniform(n, *aug.erase_area, generator) * h * w
    aspect = torch.exp(_uniform(n, math.log(0.3), math.log(3.3), generator))
    eh = torch.sqrt(area * aspect).clamp(1, h).long()
    ew = torch.sqrt(area / aspect).clamp(1, w).long()
    top = (torch.rand(n, generator=generator) * (h - eh + 1)).long()
    left = (torch.rand(n, generator=generator) * (w - ew + 1)).long()
    apply = torch.rand(n, generator=generator) < aug.erase_p
    value = _uniform(n, -1.0, 1.0, generator)
    rows = torch.arange(h).view(1, h, 1)
    cols = torch.arange(w).view(1, 1, w)
    mask = (
        (rows >= top.view(n, 1, 1))
        & (rows < (top + eh).view(n, 1, 1))
        & (cols >= left.view(n, 1, 1))
        & (cols < (left + ew).view(n, 1, 1))
        & apply.view(n, 1, 1)
    ).unsqueeze(1)
    return torch.where(mask, value.view(n, 1, 1, 1).expand_as(x), x)
