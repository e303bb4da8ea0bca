"""marl: meta-learned cross-subject AU region representation.

Cao, Liu, Zhang, "Cross-subject Action Unit Detection with Meta Learning and Transformer-based
Relation Modeling", IJCNN 2022 (arXiv 2205.08787), stage 1 (MARL).

Region representation: backbone map F; per AU a JAA-Net attention map A_i from AU centres
(crop-space landmarks when the batch has them, else the canonical aligned face), refined by a
zero-initialised learned conv (so it starts as the landmark prior); e_i = MLP_i(sum(A_i F) /
sum(A_i)); a per-AU linear classifier on e_i. Meta-learning: an episode holds K subjects; for
subject s the per-AU heads (or all parameters) are adapted on a support half of s's frames and
the adapted model is scored on a query half, by default of the *next* subject in the episode
(cross-subject query), and with ``both_halves`` the halves swap roles; the outer loss is averaged
over the tasks. Each step logs the inner step's effect size (``inner_step`` = ||dtheta||/||theta||
of the adapted parameters, ``inner_query_gain`` = query loss before minus after adaptation).
``meta = false`` is the ablation: the same network trained directly. Test time: one forward pass.

Choices the paper leaves open (config fields): d = 256, two-layer MLP_i, map size 44 (JAA-Net),
support/query = halves of each subject's frames in the episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from aucli.methods import METHODS
from aucli.methods.base import Method
from aucli.nn import create_backbone
from aucli.nn.heads import PerAULinear
from aucli.nn.losses import weighted_bce
from aucli.nn.meta import SubjectEpisodes, adapt
from aucli.nn.regions import au_maps


@dataclass(frozen=True)
class MARLConfig:
    """marl settings (paper values where it gives them)."""

    backbone: str = "resnet18"
    """Backbone name (aucli list backbones)."""
    backbone_weights: str = ""
    """Local file of pretrained backbone weights ("" = random init)."""
    aus: tuple[int, ...] = ()
    """AU numbers of the outputs, for the AU-centre maps; () = the training dataset's AUs."""
    embed_dim: int = 256
    """d, the size of each AU region embedding e_i."""
    map_size: int = 44
    """Side of the JAA-Net attention maps before pooling to the feature map (44 for 176 crops)."""
    crop_ratio: float = 0.875
    """crop_size / input_size of the data pipeline: where the canonical centres fall."""
    episode_subjects: int = 4
    """K, subjects per episode (the batch is K x batch_size // K frames)."""
    inner_params: str = "heads"
    """Parameters adapted in the inner loop: heads (per-AU classifiers) or all."""
    inner_steps: int = 1
    """Inner-loop gradient steps."""
    inner_lr: float = 0.5
    """Inner-loop learning rate. The paper's method section (arXiv 2205.08787) was not available
    offline to check its value; at 0.01 one step moved the heads by ~0.1 % and the query loss by
    ~1e-4 (no adaptation to speak of); 0.5 moves them by ~4 % at initialisation, the query loss
    ~50x more (train_inner_step, train_inner_query_gain in log.csv)."""
    first_order: bool = False
    """Drop second-order terms of the meta-gradient (saves memory)."""
    cross_subject_query: bool = True
    """Query set from a different subject than the support set."""
    both_halves: bool = True
    """Each subject's two halves take turns as support and query, so every frame of the episode
    enters the outer loss (false: only each subject's second half is ever a query)."""
    meta: bool = True
    """false: the ablation -- the same network trained directly (weighted BCE on the whole
    batch, same episodes), no inner loop."""


class RegionEncoder(nn.Module):
    """Backbone + AU attention pooling + per-AU MLP -> e [B, C, d]."""

    def __init__(self, cfg: MARLConfig, aus: tuple[int, ...]) -> None:
        super().__init__()
        self.cfg, self.aus = cfg, aus
        self.backbone = create_backbone(cfg.backbone, cfg.backbone_weights)
        c, dim = len(aus), self.backbone.out_channels
        self.refine = nn.Conv2d(c, c, 3, padding=1)
        nn.init.zeros_(self.refine.weight)
        nn.init.zeros_(self.refine.bias)
        self.register_buffer("prior", au_maps(aus, cfg.map_size, crop_ratio=cfg.crop_ratio),
                             persistent=False)
        self.mlp1 = PerAULinear(c, dim, cfg.embed_dim)
        self.mlp2 = PerAULinear(c, cfg.embed_dim, cfg.embed_dim)

    def maps(self, feat: torch.Tensor, image_size: int, landmarks: torch.Tensor | None):
        prior = self.prior if landmarks is None else au_maps(
            self.aus, self.cfg.map_size, landmarks, image_size)
        a = F.relu(prior + self.refine(prior)) + 1e-4  # [1 or B, C, m, m]
        h, w = (int(s) for s in feat.shape[-2:])  # constants when traced for ONNX
        ph, pw = pool_matrix(int(a.shape[-2]), h, a), pool_matrix(int(a.shape[-1]), w, a)
        return torch.einsum("hm,bcmn,wn->bchw", ph, a, pw)  # adaptive average pooling, [., C, h, w]

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor | None = None) -> torch.Tensor:
        feat = self.backbone(image)  # [B, D, h, w]
        a = self.maps(feat, image.shape[-1], landmarks).to(feat.dtype)
        # [1 or B, C, hw] @ [B, hw, D] broadcasts over the batch (dynamic in ONNX too)
        pooled = a.flatten(2) @ feat.flatten(2).transpose(1, 2)
        pooled = pooled / a.sum((2, 3))[..., None]  # [B, C, D]
        return self.mlp2(F.relu(self.mlp1(pooled)))  # [B, C, d]


def pool_matrix(size: int, out: int, like: torch.Tensor) -> torch.Tensor:
    """[out, size] weights of adaptive average pooling along one axis (ONNX-exportable as a
    matmul for any size ratio; no in-place writes, so tracing keeps it exact)."""
    i = torch.arange(out, device=like.device)
    lo = (i * size) // out
    hi = -((-(i + 1) * size) // out)
    j = torch.arange(size, device=like.device)
    inside = (j[None] >= lo[:, None]) & (j[None] < hi[:, None])
    return inside.to(like.dtype) / (hi - lo).to(like.dtype)[:, None]


class AUHeads(nn.Module):
    """Per-AU linear classifiers on e_i: [B, C, d] -> logits [B, C]."""

    def __init__(self, num: int, dim: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(num, dim) * dim**-0.5)
        self.bias = nn.Parameter(torch.zeros(num))

    def forward(self, e: torch.Tensor) -> torch.Tensor:
        return (e * self.weight).sum(-1) + self.bias


def episode_tasks(subject: torch.Tensor, cross: bool, both: bool = False
                  ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """(support idx, query idx) tasks of an episode batch: each subject's frames split in halves
    (a, b); support a of subject s, query b of the next subject (cyclically) with ``cross``, else
    of s itself. ``both`` adds the swapped tasks (support b, query a)."""
    groups = [torch.nonzero(subject == s).flatten() for s in torch.unique(subject, sorted=False)]
    halves = [(g[: (len(g) + 1) // 2], g[(len(g) + 1) // 2:] if len(g) > 1 else g) for g in groups]
    shift = 1 if cross and len(halves) > 1 else 0
    nxt = [halves[(i + shift) % len(halves)] for i in range(len(halves))]
    tasks = [(h[0], q[1]) for h, q in zip(halves, nxt)]
    if both:
        tasks += [(h[1], q[0]) for h, q in zip(halves, nxt)]
    return tasks


def step_size(before: dict[str, torch.Tensor], after: dict[str, torch.Tensor]) -> torch.Tensor:
    """||after - before|| / ||before|| over all adapted tensors (the inner step's effect size)."""
    num = sum(((after[k] - v).detach().float() ** 2).sum() for k, v in before.items())
    den = sum((v.detach().float() ** 2).sum() for v in before.values())
    return (num / den.clamp(min=1e-12)).sqrt()


@METHODS.register("marl")
class MARL(Method):
    config_class = MARLConfig

    def __init__(self, config: MARLConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        aus = config.aus or tuple(range(1, num_outputs + 1))
        if len(aus) != num_outputs:
            raise ValueError(f"method.aus has {len(aus)} AUs but the dataset has {num_outputs}")
        self.encoder = RegionEncoder(config, aus)
        self.heads = AUHeads(num_outputs, config.embed_dim)

    @classmethod
    def complete_config(cls, method: dict[str, Any], aus: tuple[int, ...]) -> dict[str, Any]:
        return {**method, "aus": list(method.get("aus") or aus)}

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor | None = None) -> torch.Tensor:
        return self.heads(self.encoder(image, landmarks))

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        cfg = self.config
        lm = batch.get("landmarks")
        labels, mask, weight = batch["labels"], batch["mask"], batch.get("weight")
        if not cfg.meta:
            return {"loss": weighted_bce(self(batch["image"], lm), labels, mask, weight)}
        tasks = episode_tasks(batch["subject"], cfg.cross_subject_query, cfg.both_halves)
        if cfg.inner_params == "all":
            module, inputs = self, (batch["image"], lm)
            params = dict(self.named_parameters())
        else:
            module, inputs = self.heads, (self.encoder(batch["image"], lm),)
            params = dict(self.heads.named_parameters())

        def loss_on(p: dict, idx: torch.Tensor) -> torch.Tensor:
            args = tuple(None if x is None else x[idx] for x in inputs)
            out = functional_call(module, p, args)
            return weighted_bce(out, labels[idx], mask[idx], weight)

        outer, inner, steps, gains = [], [], [], []
        for support, query in tasks:
            fast = adapt(params, lambda p, s=support: loss_on(p, s), cfg.inner_steps,
                         cfg.inner_lr, cfg.first_order)
            inner.append(loss_on(params, support).detach())
            outer.append(loss_on(fast, query))
            steps.append(step_size(params, fast))
            with torch.no_grad():
                gains.append(loss_on(params, query) - outer[-1].detach())
        return {"loss": torch.stack(outer).mean(), "support_loss": torch.stack(inner).mean(),
                "inner_step": torch.stack(steps).mean(),  # ||dtheta|| / ||theta||
                "inner_query_gain": torch.stack(gains).mean()}  # query loss before - after

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self(batch["image"], batch.get("landmarks")).float())

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self.encoder(batch["image"], batch.get("landmarks"))}

    def sampler(self, dataset: Any, batch_size: int, seed: int) -> SubjectEpisodes:
        return SubjectEpisodes(dataset.subject_index, batch_size, self.config.episode_subjects, seed)
