"""baseline-me: the STSTNet-style shallow triple-stream CNN on (u, v, strain).

Liong, Gan, See, Khor, Huang, "Shallow Triple Stream Three-dimensional CNN (STSTNet) for
Micro-expression Recognition", FG 2019 (public code christy1206/STSTNet). Three parallel 3x3
convolutions (padding 2) with 3, 5 and 8 filters over the 3-channel optical-flow input, ReLU,
BatchNorm, 3x3/3 max-pooling, dropout 0.5, concatenation, 2x2 average pooling to a 5x5 grid
(28 px input), one linear layer; plain cross-entropy (as the public ``main.py``). The yardstick
every ME method must beat.

Choice left open by the paper for other input sizes: the final pooling is adaptive to a
``grid`` x ``grid`` map (equal to STSTNet's 2x2 average pooling at 28 px).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aucli.methods import METHODS
from aucli.methods.base import Method


@dataclass(frozen=True)
class BaselineMEConfig:
    """STSTNet settings (paper defaults)."""

    streams: tuple[int, ...] = (3, 5, 8)
    """Filters of each parallel 3x3 convolution stream."""
    grid: int = 5
    """Side of the pooled map of each stream (5 at STSTNet's 28 px input)."""
    dropout: float = 0.5
    """Dropout after each stream's pooling (STSTNet main.py)."""
    label_smoothing: float = 0.0
    """Cross-entropy label smoothing (0 = plain CE as in the paper)."""


class ShallowStreams(nn.Module):
    """Parallel shallow conv streams over one input; output [B, sum(streams) * grid^2]."""

    def __init__(self, in_channels: int, streams: tuple[int, ...], grid: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.streams = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=2), nn.ReLU(), nn.BatchNorm2d(c),
                          nn.MaxPool2d(3, 3, padding=1), nn.Dropout(dropout),
                          nn.AdaptiveAvgPool2d(grid))
            for c in streams
        )
        self.out_features = sum(streams) * grid * grid

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, Cin, S, S] -> [B, F]
        return torch.cat([s(x).flatten(1) for s in self.streams], dim=1)


@METHODS.register("baseline-me")
class BaselineME(Method):
    """baseline-me: STSTNet shallow triple-stream CNN on (u, v, strain), cross-entropy."""

    task = "me"
    config_class = BaselineMEConfig

    def __init__(self, config: BaselineMEConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        self.encoder = ShallowStreams(3, tuple(config.streams), config.grid, config.dropout)
        self.head = nn.Linear(self.encoder.out_features, num_outputs)

    def forward(self, flow: torch.Tensor) -> torch.Tensor:  # [B, 3, S, S] -> [B, K]
        return self.head(self.encoder(flow))

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits = self(batch["flow"])
        loss = F.cross_entropy(logits, batch["label"], label_smoothing=self.config.label_smoothing)
        acc = (logits.argmax(1) == batch["label"]).float().mean()
        return {"loss": loss, "acc": acc.detach()}

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["flow"])

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self.encoder(batch["flow"])}
