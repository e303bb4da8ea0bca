"""lightman: LightmanNet, dual-branch meta-auxiliary micro-expression recognition.

Paper: Wang et al., "Meta-Auxiliary Learning for Micro-Expression Recognition" (arXiv 2404.12024).
The paper's public repository is unrelated; this follows the paper as summarised in METHODS.md.

A shared encoder over the ME motion input (u, v, strain) feeds two branches: the primary MER
classifier, and an auxiliary alignment projector whose output is pulled towards embeddings of
macro-expression images of the same class (supervised contrastive loss; the macro images come
from CK+ / RAF-DB mapped onto the ME class set and are given with ``set_auxiliary``).
Bi-level optimisation over N-way K-shot episodes of training clips (``EpisodeSampler``): level 1
adapts all parameters on the support set with primary + auxiliary loss (``inner_steps`` at
``inner_lr``, through ``torch.func.functional_call``); level 2 is the adapted model's primary
loss on the query set, which the trainer's optimiser minimises w.r.t. the shared parameters.
Inference is one forward pass of the primary branch.

The auxiliary branch (``align``, ``macro``) reaches the query loss only through the level-1 step,
i.e. through second-order terms. With ``first_order = true`` those terms are dropped, so the outer
objective adds the auxiliary loss of the adapted model on the support set (weight ``aux_weight``);
without it the branch would get no gradient at all and stay at its random initialisation.

Batch size: an episode *is* the batch (``n_way * (k_shot + q_query)`` clips), so
``train.batch_size`` does not apply to this method; set ``k_shot`` / ``q_query`` / ``n_way``.

Choices the paper leaves open (config fields): the encoder is a small conv net (the paper
stresses speed); the macro images get their own small conv encoder; the episode batch is laid out
support-then-query, so ``training_step`` splits it by ``k_shot / (k_shot + q_query)``; a class
with too few clips is sampled with replacement.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from aucli.methods import METHODS
from aucli.methods.base import Method


@dataclass(frozen=True)
class LightmanConfig:
    """LightmanNet settings (METHODS.md defaults)."""

    channels: tuple[int, ...] = (32, 64, 128)
    """Conv widths of the shared encoder (3x3 conv, BN, ReLU, 2x2 max-pool each)."""
    macro_channels: tuple[int, ...] = (32, 64, 128)
    """Conv widths of the macro-expression image encoder."""
    embed_dim: int = 128
    """Width of the alignment space shared by ME and macro embeddings."""
    aux_weight: float = 0.5
    """lambda_aux of the auxiliary micro<->macro alignment loss."""
    aux_temperature: float = 0.1
    """Temperature of the supervised contrastive alignment."""
    aux_per_class: int = 4
    """Macro images drawn per class present in an episode's support set."""
    n_way: int = 0
    """Classes per episode; 0 = every class of the training set."""
    k_shot: int = 5
    """Support clips per class (the episode, n_way x (k_shot + q_query), is the batch;
    train.batch_size does not apply)."""
    q_query: int = 5
    """Query clips per class."""
    episodes_per_epoch: int = 0
    """Episodes per epoch; 0 = training clips / (n_way * (k_shot + q_query)), at least 1."""
    subjects_per_episode: int = 0
    """Training subjects an episode draws from; 0 = all (a class they lack falls back to all)."""
    inner_steps: int = 1
    """Level-1 adaptation steps on the support set."""
    inner_lr: float = 0.01
    """Level-1 step size."""
    first_order: bool = False
    """Drop second-order terms of the bi-level gradient (saves memory)."""


def conv_encoder(in_ch: int, channels: tuple[int, ...]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for c in channels:
        layers += [nn.Conv2d(in_ch, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
        in_ch = c
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def supcon_align(anchor: torch.Tensor, anchor_y: torch.Tensor, bank: torch.Tensor,
                 bank_y: torch.Tensor, temperature: float) -> torch.Tensor:
    """Supervised contrastive loss of anchors [A, D] against a labelled bank [M, D].

    For each anchor, the mean -log softmax over the bank of its same-class entries; anchors whose
    class is absent from the bank are skipped (0 when none has a positive).
    """
    a, b = F.normalize(anchor, dim=-1), F.normalize(bank, dim=-1)
    logp = (a @ b.T / temperature).log_softmax(-1)  # [A, M]
    pos = (anchor_y[:, None] == bank_y[None, :]).float()
    count = pos.sum(1)
    keep = count > 0
    if not keep.any():
        return anchor.sum() * 0
    per = -(logp * pos).sum(1)[keep] / count[keep]
    return per.mean()


class EpisodeSampler:
    """N-way K-shot episodes over training clips; each yields support indices then query ones."""

    def __init__(self, labels: np.ndarray, subjects: np.ndarray, cfg: LightmanConfig,
                 seed: int) -> None:
        self.labels, self.subjects = np.asarray(labels), np.asarray(subjects)
        self.classes = np.unique(self.labels)
        self.n_way = min(cfg.n_way or len(self.classes), len(self.classes))
        self.k, self.q, self.cfg = cfg.k_shot, cfg.q_query, cfg
        self.seed, self.epoch = seed, 0
        per = self.n_way * (self.k + self.q)
        self.episodes = cfg.episodes_per_epoch or max(1, len(self.labels) // per)

    def __len__(self) -> int:
        return self.episodes

    def _pool(self, rng: np.random.Generator) -> np.ndarray:
        subjects = np.unique(self.subjects)
        if not self.cfg.subjects_per_episode or self.cfg.subjects_per_episode >= len(subjects):
            return np.ones(len(self.labels), bool)
        chosen = rng.choice(subjects, self.cfg.subjects_per_episode, replace=False)
        return np.isin(self.subjects, chosen)

    def episode(self, rng: np.random.Generator) -> list[int]:
        pool = self._pool(rng)
        support, query = [], []
        for c in rng.choice(self.classes, self.n_way, replace=False):
            idx = np.flatnonzero((self.labels == c) & pool)
            if len(idx) == 0:
                idx = np.flatnonzero(self.labels == c)
            need = self.k + self.q
            pick = rng.choice(idx, need, replace=len(idx) < need)
            support += pick[: self.k].tolist()
            query += pick[self.k:].tolist()
        return support + query

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng([self.seed, self.epoch])
        self.epoch += 1
        for _ in range(self.episodes):
            yield self.episode(rng)


@METHODS.register("lightman")
class LightmanNet(Method):
    """lightman: LightmanNet, MER + micro<->macro alignment branches, bi-level episodes."""

    task = "me"
    config_class = LightmanConfig
    aux_kind = "expression"

    def __init__(self, config: LightmanConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        self.encoder = conv_encoder(3, tuple(config.channels))
        self.head = nn.Linear(config.channels[-1], num_outputs)
        self.align = nn.Sequential(nn.Linear(config.channels[-1], config.embed_dim), nn.ReLU(),
                                   nn.Linear(config.embed_dim, config.embed_dim))
        self.macro = nn.Sequential(conv_encoder(1, tuple(config.macro_channels)),
                                   nn.Linear(config.macro_channels[-1], config.embed_dim))
        self.register_buffer("aux_images", torch.zeros(0, 1, 1, 1), persistent=False)
        self.register_buffer("aux_labels", torch.zeros(0, dtype=torch.long), persistent=False)

    def set_auxiliary(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        """Macro-expression images [M, 1, S, S] in [0, 1] with ME class indices [M]."""
        device = self.head.weight.device
        self.aux_images, self.aux_labels = images.float().to(device), labels.long().to(device)

    def forward(self, flow: torch.Tensor, macro: torch.Tensor | None = None
                ) -> dict[str, torch.Tensor]:
        z = self.encoder(flow)  # [B, C]
        out = {"logits": self.head(z), "embedding": z}
        if macro is not None:
            out["align"], out["macro"] = self.align(z), self.macro(macro)
        return out

    def _draw_macro(self, labels: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor]:
        if len(self.aux_labels) == 0 or self.config.aux_weight == 0:
            return None, labels.new_zeros(0)
        picks = []
        for c in labels.unique():
            idx = torch.nonzero(self.aux_labels == c).flatten()
            if len(idx):
                sel = torch.randint(len(idx), (self.config.aux_per_class,), device=idx.device)
                picks.append(idx[sel])
        if not picks:
            return None, labels.new_zeros(0)
        idx = torch.cat(picks)
        return self.aux_images[idx], self.aux_labels[idx]

    def _inner_loss(self, params: dict[str, torch.Tensor], flow: torch.Tensor, y: torch.Tensor,
                    macro: torch.Tensor | None, macro_y: torch.Tensor) -> torch.Tensor:
        out = functional_call(self, params, (flow, macro))
        loss = F.cross_entropy(out["logits"], y)
        if macro is not None:
            loss = loss + self.config.aux_weight * supcon_align(
                out["align"], y, out["macro"], macro_y, self.config.aux_temperature)
        return loss

    def _adapt(self, params: dict[str, torch.Tensor], flow: torch.Tensor, y: torch.Tensor,
               macro: torch.Tensor | None, macro_y: torch.Tensor, second_order: bool
               ) -> tuple[dict[str, torch.Tensor], torch.Tensor | None]:
        """Level 1: ``inner_steps`` gradient steps on the support set (primary + auxiliary)."""
        cfg, inner = self.config, None
        for _ in range(cfg.inner_steps):
            inner = self._inner_loss(params, flow, y, macro, macro_y)
            names = [k for k, p in params.items() if p.requires_grad]
            grads = torch.autograd.grad(inner, [params[k] for k in names], allow_unused=True,
                                        create_graph=second_order)
            params = dict(params)
            for k, g in zip(names, grads):
                if g is not None:
                    params[k] = params[k] - cfg.inner_lr * (g if second_order else g.detach())
        return params, inner

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        cfg = self.config
        flow, y = batch["flow"], batch["label"]
        n_s = max(1, min(len(y) - 1, round(len(y) * cfg.k_shot / (cfg.k_shot + cfg.q_query))))
        macro, macro_y = self._draw_macro(y[:n_s])
        params = dict(self.named_parameters())
        second_order = torch.is_grad_enabled() and self.training and not cfg.first_order
        with torch.enable_grad():  # the level-1 step needs gradients even under no_grad
            fast, inner = self._adapt(params, flow[:n_s], y[:n_s], macro, macro_y, second_order)
        logits = functional_call(self, fast, (flow[n_s:],))["logits"]
        outer = F.cross_entropy(logits, y[n_s:])
        acc = (logits.argmax(1) == y[n_s:]).float().mean()
        out = {"query_acc": acc.detach()}
        if cfg.first_order and macro is not None:
            # first order drops the only path from the query loss to the auxiliary branch
            support = functional_call(self, fast, (flow[:n_s], macro))
            aux = supcon_align(support["align"], y[:n_s], support["macro"], macro_y,
                               cfg.aux_temperature)
            outer = outer + cfg.aux_weight * aux
            out["aux_loss"] = aux.detach()
        out["loss"] = outer
        if inner is not None:
            out["inner_loss"] = inner.detach()
        return out

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self(batch["flow"])["logits"]

    def sampler(self, dataset, batch_size: int, seed: int) -> EpisodeSampler:
        labels = np.asarray(dataset.labels)
        subjects = np.asarray(getattr(dataset, "subject_index", np.zeros(len(labels))))
        return EpisodeSampler(labels, subjects, self.config, seed)

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self(batch["flow"])["embedding"]}

