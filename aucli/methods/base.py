"""The method contract the one generic trainer (aucli.engine.trainer.fit) drives.

A method is one module: a frozen ``<Name>Config`` dataclass whose defaults are the paper's values
(each field with a one-line docstring), and a ``torch.nn.Module`` subclass of :class:`Method`
registered with ``@METHODS.register("name")``. The trainer never knows which method it runs.

Batches are dicts of tensors. AU batches: ``image`` [B, 3, H, W] float, ``labels`` [B, C] float
in {0, 1}, ``mask`` [B, C] float (0 where the label is unknown), ``subject`` [B] long (index into
the run's subject list, -1 when unknown), ``expression`` [B] long (-1 when none), ``source`` [B]
long (0 primary dataset, 1 auxiliary), ``index`` [B] long (row in the dataset), optional
``image2`` (a second augmented view, when ``views == 2``), optional ``landmarks`` [B, 68, 2] in
crop pixels, ``weight`` [C] the per-AU class weights. ME batches: ``flow`` [B, 3, S, S]
(u, v, strain), ``apex`` [B, 1, S, S], ``label`` [B] long, ``subject`` [B] long.

Datasets handed to ``fit`` expose ``subject_index`` (np.ndarray [N], int) so that episodic
samplers can group by subject; AU datasets also expose ``source`` and ``expression``.
"""

from __future__ import annotations

import abc
from pathlib import Path
from typing import Any, ClassVar

import torch
from torch import nn


class Method(nn.Module, metaclass=abc.ABCMeta):
    """Base class. Subclasses set ``task`` ("au" or "me") and ``config_class``.

    The constructor only builds modules (no file I/O); anything that reads files before training
    (a cascaded checkpoint) happens in :meth:`prepare`.
    """

    task: ClassVar[str] = "au"
    config_class: ClassVar[type] = object
    views: ClassVar[int] = 1
    """Augmented views of each image the dataset must produce (2 for contrastive methods)."""
    aux_kind: ClassVar[str] = ""
    """Kind of auxiliary dataset the method trains with ("expression" for MAL), "" for none."""

    def __init__(self, config: Any, num_outputs: int) -> None:
        super().__init__()
        self.config = config
        self.num_outputs = num_outputs

    @abc.abstractmethod
    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Return a dict holding at least ``loss`` (a scalar to minimise); other entries are logged."""

    @abc.abstractmethod
    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """AU: per-AU probabilities [B, C]; ME: class logits [B, K]. No adaptation at test time."""

    def sampler(self, dataset: Any, batch_size: int, seed: int) -> Any | None:
        """An episodic batch sampler (iterable of index lists with ``len``); None = shuffling."""
        return None

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Method-specific outputs the papers rely on (embeddings, attention); {} by default.

        ``embedding`` ([B, D] or [B, C, d]) is what ``aucli evaluate --identity-probe`` probes.
        """
        return {}

    @classmethod
    def cascade(cls, method: dict[str, Any]) -> tuple[str, dict[str, str]]:
        """(run label, {setting: method whose run it reads}) for methods trained in stages.

        A later stage names its own run folder ``<label>-<dataset>-<part>`` (label "" = the
        method's name) and, when the setting is empty, reads the earlier stage's run from the
        same runs folder, so two stages can share one ``-o``.
        """
        return "", {}

    @classmethod
    def complete_config(cls, method: dict[str, Any], aus: tuple[int, ...]) -> dict[str, Any]:
        """Fill settings that depend on the data or on a cascaded checkpoint (before building)."""
        return method

    def param_groups(self) -> list[dict[str, Any]]:
        """Parameter groups for the optimiser; a group may carry ``lr_scale`` (x the base lr)."""
        return [{"params": [p for p in self.parameters() if p.requires_grad]}]

    def prepare(self, train_set: Any) -> None:
        """Called by ``fit`` once before the first step of a fresh run (not on resume)."""

    def on_fit_end(self, run_dir: Path, train_set: Any, device: torch.device) -> None:
        """Called by ``fit`` on the main process after the last epoch (write inspectable outputs)."""
