"""The method contract the one generic trainer (aucli.engine.trainer.fit) drives.

A method is one module: a frozen ``<Name>Config`` dataclass whose defaults are the paper's values
(each field with a one-line docstring), and a ``torch.nn.Module`` subclass of :class:`Method`
registered with ``@METHODS.register("name")``. The trainer never knows which method it runs.

Batches are dicts of tensors. AU batches: ``image`` [B, 3, H, W] float, ``labels`` [B, C] float
in {0, 1}, ``mask`` [B, C] float (0 where the label is unknown), ``subject`` [B] long (index into
the run's subject list), optional ``landmarks`` [B, 68, 2] in crop pixels, ``weight`` [C] the
per-AU class weights. ME batches: ``flow`` [B, 3, S, S] (u, v, strain), ``apex`` [B, 1, S, S],
``label`` [B] long, ``subject`` [B] long.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn


class Method(nn.Module):
    """Base class. Subclasses set ``task`` ("au" or "me") and ``config_class``."""

    task: ClassVar[str] = "au"
    config_class: ClassVar[type] = object

    def __init__(self, config: Any, num_outputs: int) -> None:
        super().__init__()
        self.config = config
        self.num_outputs = num_outputs

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Return a dict holding at least ``loss`` (a scalar to minimise); other entries are logged."""
        raise NotImplementedError

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """AU: per-AU probabilities [B, C]; ME: class logits [B, K]. No adaptation at test time."""
        raise NotImplementedError

    def sampler(self, dataset: Any, batch_size: int, seed: int) -> Any | None:
        """An episodic batch sampler for meta-learning methods; None means plain shuffling."""
        return None

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Method-specific outputs the papers rely on (embeddings, attention); {} by default."""
        return {}
