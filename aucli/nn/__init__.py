"""Shared network parts: backbones (registry), heads, attention, AU region maps, meta-learning.

A backbone is an ``nn.Module`` whose ``forward(x [B, 3, H, W])`` returns a feature map
``[B, out_channels, h, w]`` and which exposes ``out_channels``. Build one with
:func:`create_backbone`; pretrained weights load only from an explicit local file.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from aucli.errors import InputError
from aucli.registry import Registry

BACKBONES: Registry = Registry(
    "backbone", modules=("aucli.nn.resnet", "aucli.nn.transformer", "aucli.nn.tiny")
)


def create_backbone(name: str, weights: str = "") -> nn.Module:
    """Build backbone ``name``; ``weights`` is a local state-dict file (never downloaded)."""
    net = BACKBONES.get(name)()
    if weights:
        load_backbone_weights(net, weights)
    return net


def load_backbone_weights(net: nn.Module, path: str | Path) -> None:
    """Load a state dict (optionally nested under ``state_dict``/``model``); the classifier of an
    ImageNet checkpoint (``fc.*``, ``head.*``) is ignored, any other mismatch is an error."""
    import torch

    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"backbone weights not found: {path}")
    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    state = {k.removeprefix("module."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith(("fc.", "head."))}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise InputError(
            f"{path}: weights do not fit the backbone (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]})"
        )
