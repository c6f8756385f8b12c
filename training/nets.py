"""PyTorch emotion CNNs for training from scratch on CPUs.

Every network takes a greyscale face (N, 1, S, S) scaled to [-1, 1] — the shipped
mini-Xception's convention, so the serving side keeps one preprocessing — and returns 7
logits in `core.emotions.EMOTIONS` order. Served models are exported to ONNX
(`training.export`), so nothing here is imported by the serving path.

Why these two families: published FER2013 results of 72–73% come from VGG- and ResNet-style
networks of 1–10 M parameters on 40–48 px crops. On this project's CPUs (bfloat16 through
oneDNN) a half-width ResNet-18 at 40 px trains at a few hundred images a second, which
makes a hundred epochs a matter of hours rather than days.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from core.emotions import EMOTIONS

NUM_CLASSES = len(EMOTIONS)


class BasicBlock(nn.Module):
    """The ResNet-18 block: two 3×3 convolutions with a (projected) shortcut."""

    def __init__(self, channels_in: int, channels_out: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(channels_in, channels_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels_out)
        self.conv2 = nn.Conv2d(channels_out, channels_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels_out)
        self.shortcut = nn.Identity()
        if stride != 1 or channels_in != channels_out:
            self.shortcut = nn.Sequential(
                nn.Conv2d(channels_in, channels_out, 1, stride, bias=False), nn.BatchNorm2d(channels_out)
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + self.shortcut(x))


class ResNet(nn.Module):
    """ResNet-18's four stages for small faces: a stride-1 stem and no max pooling, so a
    40 px face keeps 5×5 positions in the last stage."""

    def __init__(self, width: int = 32, blocks=(2, 2, 2, 2), dropout: float = 0.2):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        stages, channels = [], width
        for i, count in enumerate(blocks):
            out = width * 2**i
            for j in range(count):
                stages.append(BasicBlock(channels, out, 2 if (j == 0 and i > 0) else 1))
                channels = out
        self.stages = nn.Sequential(*stages)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout), nn.Linear(channels, NUM_CLASSES)
        )

    def forward(self, x):
        return self.head(self.stages(self.stem(x)))


class VGG(nn.Module):
    """Four stages of two 3×3 convolutions and a max pooling (the VGG-style FER networks)."""

    def __init__(self, width: int = 32, dropout: float = 0.4):
        super().__init__()
        layers, channels = [], 1
        for i in range(4):
            out = width * 2**i
            layers += [
                nn.Conv2d(channels, out, 3, 1, 1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(),
                nn.Conv2d(out, out, 3, 1, 1, bias=False),
                nn.BatchNorm2d(out),
                nn.ReLU(),
                nn.MaxPool2d(2),
            ]
            channels = out
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
            nn.Linear(channels, 256),
            nn.ReLU(),
            nn.Dropout(dropout),
            nn.Linear(256, NUM_CLASSES),
        )

    def forward(self, x):
        return self.head(self.features(x))


ARCHITECTURES = {
    "resnet18": lambda width: ResNet(width),
    "vgg": lambda width: VGG(width),
}
DEFAULT_WIDTH = {"resnet18": 32, "vgg": 32}


def build_net(arch: str, width: int | None = None) -> nn.Module:
    if arch not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {arch!r}; choose one of {', '.join(ARCHITECTURES)}")
    return ARCHITECTURES[arch](width or DEFAULT_WIDTH[arch])


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def to_input(images: torch.Tensor) -> torch.Tensor:
    """uint8 (N, S, S) → float32 (N, 1, S, S) in [-1, 1]."""
    return images.to(torch.float32).unsqueeze(1) / 127.5 - 1.0
