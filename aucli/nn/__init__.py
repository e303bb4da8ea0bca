"""Shared network parts: backbones (registry), heads, attention, AU region maps, meta-learning.

A backbone is an ``nn.Module`` whose ``forward(x [B, 3, H, W])`` returns a feature map
``[B, out_channels, h, w]`` and which exposes ``out_channels``. Build one with
:func:`create_backbone`; pretrained weights load only from an explicit local file.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from aucli.registry import Registry

BACKBONES: Registry = Registry(
    "backbone", modules=("aucli.nn.resnet", "aucli.nn.transformer", "aucli.nn.tiny")
)


def create_backbone(name: str, weights: str = "", drop_path: float = 0.0) -> nn.Module:
    """Build backbone ``name``; ``weights`` is a local checkpoint in one of the published formats
    of :mod:`aucli.nn.weights` (never downloaded). ``drop_path`` (stochastic depth) applies to
    the backbones that take it (Swin); the others have none."""
    import inspect

    factory = BACKBONES.get(name)
    takes = "drop_path" in inspect.signature(factory).parameters
    net = factory(drop_path=drop_path) if takes and drop_path else factory()
    if weights:
        load_backbone_weights(net, weights)
    return net


def load_backbone_weights(net: nn.Module, path: str | Path) -> dict:
    """Load a published checkpoint through the key map of its guessed format; returns a
    summary (format, tensors loaded, keys dropped). A mismatch is an InputError naming the
    guessed format and the first keys that failed."""
    from aucli.nn.weights import load_weights

    return load_weights(net, path)
