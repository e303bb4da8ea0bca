"""baseline-au: backbone -> global average pool -> linear(C), weighted BCE.

The plain multi-label CNN every AU method must beat (METHODS.md); its pooled features are the
reference of MARL's identity probe.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from aucli.methods import METHODS
from aucli.methods.base import Method
from aucli.nn import create_backbone
from aucli.nn.losses import weighted_bce


@dataclass(frozen=True)
class BaselineAUConfig:
    """baseline-au settings."""

    backbone: str = "resnet18"
    """Backbone name (aucli list backbones): resnet18, resnet50, vit-small, swin-tiny, tiny..."""
    backbone_weights: str = ""
    """Local file of pretrained backbone weights ("" = random init; nothing is downloaded)."""
    dropout: float = 0.0
    """Dropout before the classifier."""


@METHODS.register("baseline-au")
class BaselineAU(Method):
    config_class = BaselineAUConfig

    def __init__(self, config: BaselineAUConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        self.backbone = create_backbone(config.backbone, config.backbone_weights)
        self.dropout = nn.Dropout(config.dropout)
        self.head = nn.Linear(self.backbone.out_channels, num_outputs)

    def features(self, image: torch.Tensor) -> torch.Tensor:  # [B, D]
        return self.backbone(image).mean((2, 3))

    def forward(self, image: torch.Tensor) -> torch.Tensor:  # logits [B, C]
        return self.head(self.dropout(self.features(image)))

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits = self(batch["image"])
        return {"loss": weighted_bce(logits, batch["labels"], batch["mask"], batch.get("weight"))}

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self(batch["image"]).float())

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self.features(batch["image"])}
