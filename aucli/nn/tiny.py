"""A few-layer conv net: the backbone for CPU tests and quick experiments (not a paper model)."""

from __future__ import annotations

import torch
from torch import nn

from aucli.nn import BACKBONES


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class TinyConvNet(nn.Module):
    """Four stride-2 conv blocks (total stride 16), ``width`` to ``8 * width`` channels."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.out_channels = 8 * width
        self.features = nn.Sequential(
            _block(3, width), _block(width, 2 * width), _block(2 * width, 4 * width),
            _block(4 * width, 8 * width),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, 3, H, W] -> [B, 8w, H/16, W/16]
        return self.features(x)


@BACKBONES.register("tiny")
def tiny() -> TinyConvNet:
    """Four conv blocks, 128 channels at stride 16: for CPU tests, not a paper model."""
    return TinyConvNet(16)
