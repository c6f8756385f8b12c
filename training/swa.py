"""Stochastic weight averaging (Izmailov et al. 2018, arXiv 1803.05407) after the cosine schedule.

A finished run's weights sit in one spot of a wide valley; a few more epochs at a small constant
learning rate walk around it, and the mean of the weights at each epoch's end sits nearer its
middle, which generalises better than any one of them — more accuracy for a few epochs of CPU
and none at serving time (one network, the same graph). PyTorch keeps the mean
(`torch.optim.swa_utils.AveragedModel`); batch-norm statistics are not averaged but measured
again for the averaged weights (`update_bn`), over the training faces as training augments them.

The averaged weights and their count live in every checkpoint, so the SWA epochs survive
interruption like the others; the mean, measured on the validation split, competes with the
run's best epoch for `best.pt`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch
from torch import nn
from torch.optim.swa_utils import AveragedModel, update_bn


class Averager:
    """The running mean of a network's weights, one sample per SWA epoch."""

    def __init__(self, net: nn.Module):
        self.averaged = AveragedModel(net)

    @property
    def net(self) -> nn.Module:
        """The averaged network, as a plain module (what `best.pt` and the export hold)."""
        return self.averaged.module

    @property
    def count(self) -> int:
        return int(self.averaged.n_averaged)

    def add(self, net: nn.Module, batches: Callable[[], Iterator[torch.Tensor]], bf16: bool) -> None:
        """Fold `net`'s weights into the mean, then measure batch-norm statistics for the mean."""
        self.averaged.update_parameters(net)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            update_bn(batches(), self.averaged)

    def state_dict(self) -> dict:
        return self.averaged.state_dict()

    def load_state_dict(self, state: dict) -> None:
        self.averaged.load_state_dict(state)
