"""Losses shared by the AU methods."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def weighted_bce(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor,
                 weight: torch.Tensor | None = None, reduce: bool = True) -> torch.Tensor:
    """Per-AU weighted BCE over valid labels (ME-GraphAU / AUNCE weighting).

    logits, labels, mask: [B, C]; weight: [C] or None. ``reduce=False`` gives one loss per
    sample [B] (mean over that sample's valid AUs).
    """
    loss = F.binary_cross_entropy_with_logits(logits.float(), labels.float(), reduction="none")
    if weight is not None:
        loss = loss * weight.to(loss.dtype)
    loss = loss * mask
    if not reduce:
        return loss.sum(1) / mask.sum(1).clamp(min=1)
    return loss.sum() / mask.sum().clamp(min=1)
