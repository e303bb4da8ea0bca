"""aunce: contrastive AU representation learning with noise-aware positives.

Shang et al., "Learning Contrastive Feature Representations for Facial Action Unit Detection"
(arXiv 2402.06165; code Ziqiao-Shang/AUNCE, whose ``losses.py`` and ``model/graph_au_pre.py`` the
defaults follow). Encoder: backbone (Swin-B, drop-path 0.5) -> a global block (Linear + BN +
ReLU on every token, D -> D) -> per-AU blocks (one Linear + BN + ReLU per AU on every token, then
the token mean) -> AU graph layer (top-k dot-product adjacency) -> L2-normalised per-AU
embeddings [B, C, d], d = 1024 (the backbone width of Swin-B).

Stage 1 (``stage = 1``): per AU over the 2B embeddings of two augmented views, InfoNCE with
temperature 0.5. Each step and AU draws p ~ U(0, 1): p < 0.2 the positive is the most similar
same-label sample, 0.2 <= p < 0.8 the mean exp-similarity of the same-label samples, p >= 0.8 the
other view of the same image. Negatives' exp-similarities are raised to 1.2 when the anchor's AU
is active, 0.8 when inactive. ``positives = "official"`` (default) is the public code's reading:
the anchor is one of its own same-label samples (so the "hardest" positive is the anchor itself,
exp(1/tau)) and the mean sums the same-label exp-similarities but divides by every sample with a
known label. ``positives = "exclusive"`` is aucli's earlier variant: the anchor is left out and
the mean is over the same-label samples only. A per-AU linear probe is trained alongside on
detached embeddings so stage 1 can be validated (it never touches the encoder). Stage 2
(``stage = 2``, ``encoder_checkpoint`` = the stage-1 run): frozen encoder, a fresh Linear(d -> 2)
softmax head per AU, weighted CE (the paper's linear evaluation; preset: Adam lr 1e-3, batch
256, 100 epochs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from aucli.errors import InputError
from aucli.methods import METHODS
from aucli.methods.base import Method
from aucli.nn import create_backbone
from aucli.nn.heads import AUGraphLayer, PerAULinear

ARCH_FIELDS = ("backbone", "embed_dim", "top_k", "global_block")


@dataclass(frozen=True)
class AUNCEConfig:
    """aunce settings (paper / public-code values)."""

    stage: int = 1
    """1: contrastive encoder training; 2: linear probe on the frozen stage-1 encoder."""
    encoder_checkpoint: str = ""
    """Stage 2: the stage-1 checkpoint (best.pt or run dir); its encoder settings are copied."""
    backbone: str = "swin-base"
    """Backbone (the paper uses Swin-B)."""
    backbone_weights: str = ""
    """Local file of pretrained backbone weights ("" = random init)."""
    embed_dim: int = 1024
    """d, the per-AU embedding size (official code: the backbone width, 1024 for Swin-B)."""
    global_block: bool = True
    """A shared Linear + BN + ReLU on every token before the per-AU blocks (official code)."""
    drop_path: float = 0.5
    """Stochastic-depth rate of a transformer backbone (official Swin-B: 0.5; CNNs have none)."""
    positives: str = "official"
    """official: the anchor is among its same-label samples, mean / all known samples;
    exclusive: the anchor is left out, mean over same-label samples (earlier aucli variant)."""
    top_k: int = 4
    """Neighbours per AU node in the graph layer."""
    temperature: float = 0.5
    """InfoNCE temperature."""
    p_hard: float = 0.2
    """Probability of the most-similar same-label positive."""
    p_self: float = 0.2
    """Probability of the other-view (self-supervised) positive; the rest is the mean positive."""
    neg_power_active: float = 1.2
    """Exponent on negatives' exp-similarity when the anchor's AU is active."""
    neg_power_inactive: float = 0.8
    """Exponent on negatives' exp-similarity when the anchor's AU is inactive."""
    probe_lr_scale: float = 100.0
    """Stage 1: lr of the online probe / the encoder's (1e-3 against the paper's 1e-5)."""


class AUNCEEncoder(nn.Module):
    def __init__(self, cfg: AUNCEConfig, num: int) -> None:
        super().__init__()
        self.backbone = create_backbone(cfg.backbone, cfg.backbone_weights, drop_path=cfg.drop_path)
        width = self.backbone.out_channels
        self.glob = nn.Sequential(nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU()) \
            if cfg.global_block else nn.Identity()
        self.proj = PerAULinear(num, self.backbone.out_channels, cfg.embed_dim)
        self.bn = nn.BatchNorm1d(num * cfg.embed_dim)
        self.graph = AUGraphLayer(num, cfg.embed_dim, cfg.top_k)

    def forward(self, image: torch.Tensor) -> torch.Tensor:  # -> [B, C, d], unit norm
        tokens = self.backbone(image).flatten(2).transpose(1, 2)  # [B, N, D]
        tokens = self.glob(tokens.reshape(-1, tokens.shape[-1])).view(tokens.shape)
        x = torch.einsum("bnD,cDd->bncd", tokens, self.proj.weight) + self.proj.bias
        b, n, c, d = x.shape
        x = F.relu(self.bn(x.reshape(b * n, c * d))).view(b, n, c, d).mean(1)
        return F.normalize(self.graph(x), dim=-1)


def aunce_loss(z1: torch.Tensor, z2: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor,
               cfg: AUNCEConfig, p: torch.Tensor) -> torch.Tensor:
    """Stage-1 loss. z1, z2: [B, C, d] unit embeddings of two views; labels, mask: [B, C];
    p: [C] uniform draws choosing each AU's positive type."""
    b = len(z1)
    z = torch.cat([z1, z2]).float()
    y, m = torch.cat([labels, labels]), torch.cat([mask, mask]) > 0
    sim = torch.einsum("icd,jcd->cij", z, z) / cfg.temperature  # [C, 2B, 2B]
    yc, mc = y.T, m.T  # [C, 2B]
    both = mc[:, :, None] & mc[:, None, :]
    eye = torch.eye(2 * b, dtype=torch.bool, device=z.device)
    same = both & (yc[:, :, None] == yc[:, None, :])
    diff = both & (yc[:, :, None] != yc[:, None, :])
    official = cfg.positives == "official"
    if not official:
        same = same & ~eye
    ninf = torch.finfo(sim.dtype).min
    hard = sim.masked_fill(~same, ninf).amax(-1)
    count = both.sum(-1) if official else same.sum(-1)  # the mean positive's denominator
    mean = torch.logsumexp(sim.masked_fill(~same, ninf), -1) - count.clamp(min=1).log()
    other = sim[:, torch.arange(2 * b), (torch.arange(2 * b) + b) % (2 * b)]
    kind = (p[:, None] >= cfg.p_hard).long() + (p[:, None] >= 1 - cfg.p_self).long()  # 0, 1, 2
    pos = torch.stack([hard, mean, other]).gather(0, kind.expand_as(hard)[None])[0]  # [C, 2B]
    power = torch.where(yc > 0, cfg.neg_power_active, cfg.neg_power_inactive)
    neg = torch.logsumexp((sim * power[:, :, None]).masked_fill(~diff, ninf), -1)
    loss = torch.logaddexp(pos, neg) - pos  # -log(e^pos / (e^pos + sum e^(power sim)))
    valid = mc & diff.any(-1) & ((kind == 2) | same.any(-1))
    return (loss * valid).sum() / valid.sum().clamp(min=1)


def probe_loss(logits: torch.Tensor, labels: torch.Tensor, mask: torch.Tensor,
               weight: torch.Tensor | None) -> torch.Tensor:
    """Weighted 2-way CE per AU. logits: [B, C, 2]."""
    ce = F.cross_entropy(logits.float().transpose(1, 2), labels.long(), reduction="none")  # [B, C]
    if weight is not None:
        ce = ce * weight
    return (ce * mask).sum() / mask.sum().clamp(min=1)


@METHODS.register("aunce")
class AUNCE(Method):
    config_class = AUNCEConfig

    def __init__(self, config: AUNCEConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        if config.stage not in (1, 2):
            raise ValueError("method.stage must be 1 or 2")
        if config.positives not in ("official", "exclusive"):
            raise ValueError("method.positives must be official or exclusive")
        self.encoder = AUNCEEncoder(config, num_outputs)
        self.probe = PerAULinear(num_outputs, config.embed_dim, 2)
        self.encoder.requires_grad_(config.stage == 1)

    @property
    def views(self) -> int:  # type: ignore[override]
        return 2 if self.config.stage == 1 else 1

    @classmethod
    def complete_config(cls, method: dict[str, Any], aus: tuple[int, ...]  # noqa: ARG003
                        ) -> dict[str, Any]:
        if int(method.get("stage", 1)) != 2:
            return method
        if not method.get("encoder_checkpoint"):
            raise InputError("aunce stage 2 needs method.encoder_checkpoint (a stage-1 run)")
        from aucli.methods.checkpoint import load_checkpoint

        ckpt = load_checkpoint(method["encoder_checkpoint"])
        if ckpt["method"] != "aunce":
            raise InputError(f"{method['encoder_checkpoint']} is not an aunce checkpoint")
        return {**method, **{k: ckpt["config"]["method"][k] for k in ARCH_FIELDS}}

    def prepare(self, train_set: Any) -> None:  # noqa: ARG002 - loads its stage-1 encoder
        if self.config.stage == 2:
            from aucli.methods.checkpoint import load_checkpoint

            state = load_checkpoint(self.config.encoder_checkpoint)["state_dict"]
            self.encoder.load_state_dict(
                {k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")})

    def train(self, mode: bool = True) -> AUNCE:
        super().train(mode)
        if self.config.stage == 2:
            self.encoder.eval()
        return self

    def param_groups(self) -> list[dict[str, Any]]:
        if self.config.stage == 2:
            return [{"params": list(self.probe.parameters())}]
        return [{"params": list(self.encoder.parameters())},
                {"params": list(self.probe.parameters()), "lr_scale": self.config.probe_lr_scale}]

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        labels, mask, weight = batch["labels"], batch["mask"], batch.get("weight")
        if self.config.stage == 2:
            with torch.no_grad():
                z = self.encoder(batch["image"])
            return {"loss": probe_loss(self.probe(z), labels, mask, weight)}
        z1, z2 = self.encoder(batch["image"]), self.encoder(batch["image2"])
        p = torch.rand(self.num_outputs, device=z1.device)
        nce = aunce_loss(z1, z2, labels, mask, self.config, p)
        probe = probe_loss(self.probe(z1.detach()), labels, mask, weight)
        return {"loss": nce + probe, "nce": nce.detach(), "probe": probe.detach()}

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.probe(self.encoder(batch["image"])).float().softmax(-1)[..., 1]

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self.encoder(batch["image"])}
