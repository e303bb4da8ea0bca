"""mmmst: multi-modal multi-scale transformer for micro-expression recognition.

Paper: "Multi-scale multi-modal micro-expression recognition algorithm based on transformer"
(arXiv 2301.02969); reported SMIC accuracy 78.73 %, CASME II F1 0.9071 (composite).

Two modalities per clip: motion = onset->apex flow (u, v) + optical strain, texture = the apex
frame (grayscale, or its LBP map). Each modality is cut into patches at several scales; one small
ViT encodes each (modality, scale). The attention maps of all layers and heads are fused into a
per-patch importance (mean over heads, product over layers with the residual identity: attention
rollout, Abnar & Zuidema 2020) read from the class token's row; the patch tokens are weighted by
it and pooled into one embedding per modality and scale. Classifier on the concatenation; loss
CE + lambda * InfoNCE between the motion and texture embeddings of the same clip.

Choices the paper leaves open (config fields): a class token carries the rollout query; the
importance weights are the normalised rollout row; the InfoNCE is symmetric and uses a linear
projection per modality; LBP is the basic 8-neighbour code scaled to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from aucli.methods import METHODS
from aucli.methods.base import Method


@dataclass(frozen=True)
class MMMSTConfig:
    """MMMS-T settings; defaults follow METHODS.md (112 px input)."""

    input_size: int = 112
    """Side S of the flow and apex inputs (the run's input size is written here)."""
    patch_sizes: tuple[int, ...] = (8, 16, 28)
    """Patch side of each scale; each must divide the input size."""
    depth: int = 4
    """Transformer layers per (modality, scale) encoder."""
    dim: int = 192
    """Token width."""
    heads: int = 3
    """Attention heads."""
    mlp_ratio: float = 4.0
    """MLP hidden width / token width."""
    dropout: float = 0.1
    """Dropout in attention output, MLP and before the classifier."""
    texture: str = "gray"
    """Texture modality: gray (apex frame) or lbp (its 8-neighbour LBP map)."""
    contrast_weight: float = 0.5
    """lambda of the cross-modal contrastive loss."""
    temperature: float = 0.1
    """InfoNCE temperature tau."""
    proj_dim: int = 128
    """Width of the cross-modal contrastive projection."""


class Attention(nn.Module):
    """Multi-head self-attention that also returns its weights [B, H, N, N]."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = x.shape
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q @ k.transpose(-2, -1) * (d // self.heads) ** -0.5).softmax(-1)  # [B, H, N, N]
        out = (attn @ v).transpose(1, 2).reshape(b, n, d)
        return self.drop(self.proj(out)), attn


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float, dropout: float) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = Attention(dim, heads, dropout)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Dropout(dropout),
                                 nn.Linear(hidden, dim), nn.Dropout(dropout))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, attn = self.attn(self.norm1(x))
        x = x + y
        return x + self.mlp(self.norm2(x)), attn


def attention_rollout(attns: list[torch.Tensor]) -> torch.Tensor:
    """Fuse per-layer [B, H, N, N] attention: head mean, +identity, row-normalise, layer product."""
    n = attns[0].shape[-1]
    eye = torch.eye(n, device=attns[0].device, dtype=attns[0].dtype)
    rollout = eye.expand(attns[0].shape[0], n, n)
    for attn in attns:
        a = 0.5 * attn.mean(1) + 0.5 * eye
        rollout = (a / a.sum(-1, keepdim=True)) @ rollout
    return rollout  # [B, N, N]


class PatchViT(nn.Module):
    """A small ViT over one modality at one patch scale -> importance-pooled embedding [B, D]."""

    def __init__(self, in_ch: int, size: int, patch: int, cfg: MMMSTConfig) -> None:
        super().__init__()
        if size % patch:
            raise ValueError(f"patch size {patch} does not divide input size {size}")
        n = (size // patch) ** 2
        self.embed = nn.Conv2d(in_ch, cfg.dim, patch, stride=patch)
        self.cls = nn.Parameter(torch.zeros(1, 1, cfg.dim))
        self.pos = nn.Parameter(torch.randn(1, n + 1, cfg.dim) * 0.02)
        self.blocks = nn.ModuleList(Block(cfg.dim, cfg.heads, cfg.mlp_ratio, cfg.dropout)
                                    for _ in range(cfg.depth))
        self.norm = nn.LayerNorm(cfg.dim)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        tokens = self.embed(x).flatten(2).transpose(1, 2)  # [B, P, D]
        tokens = torch.cat([self.cls.expand(len(x), -1, -1), tokens], 1) + self.pos
        attns = []
        for block in self.blocks:
            tokens, attn = block(tokens)
            attns.append(attn)
        weight = attention_rollout(attns)[:, 0, 1:]  # [B, P] class token -> patches
        weight = weight / weight.sum(-1, keepdim=True)
        pooled = (self.norm(tokens[:, 1:]) * weight.unsqueeze(-1)).sum(1)  # [B, D]
        return pooled, weight


def lbp_map(img: torch.Tensor) -> torch.Tensor:
    """Basic 8-neighbour LBP of [B, 1, H, W] images, codes scaled to [0, 1]."""
    pad = F.pad(img, (1, 1, 1, 1), mode="replicate")
    h, w = img.shape[-2:]
    offsets = [(0, 0), (0, 1), (0, 2), (1, 2), (2, 2), (2, 1), (2, 0), (1, 0)]
    code = torch.zeros_like(img)
    for bit, (dy, dx) in enumerate(offsets):
        code = code + (pad[..., dy:dy + h, dx:dx + w] >= img).float() * (2**bit)
    return code / 255.0


def info_nce(a: torch.Tensor, b: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric InfoNCE: row i of ``a`` matches row i of ``b`` against the rest of the batch."""
    a, b = F.normalize(a, dim=-1), F.normalize(b, dim=-1)
    logits = a @ b.T / temperature  # [B, B]
    target = torch.arange(len(a), device=a.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@METHODS.register("mmmst")
class MMMST(Method):
    """mmmst: motion + texture multi-scale patch ViTs, attention-rollout pooling, CE + InfoNCE."""

    task = "me"
    config_class = MMMSTConfig

    def __init__(self, config: MMMSTConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        size = config.input_size
        if config.texture not in ("gray", "lbp"):
            raise ValueError(f"texture must be gray or lbp, got {config.texture!r}")
        self.motion = nn.ModuleList(PatchViT(3, size, p, config) for p in config.patch_sizes)
        self.texture = nn.ModuleList(PatchViT(1, size, p, config) for p in config.patch_sizes)
        width = config.dim * len(config.patch_sizes)
        self.proj_motion = nn.Linear(width, config.proj_dim)
        self.proj_texture = nn.Linear(width, config.proj_dim)
        self.drop = nn.Dropout(config.dropout)
        self.head = nn.Linear(2 * width, num_outputs)

    def encode(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        texture = batch["apex"] if self.config.texture == "gray" else lbp_map(batch["apex"])
        motion = [enc(batch["flow"]) for enc in self.motion]
        tex = [enc(texture) for enc in self.texture]
        return {
            "motion": torch.cat([m[0] for m in motion], 1),  # [B, D * scales]
            "texture": torch.cat([t[0] for t in tex], 1),
            **{f"importance_motion_{p}": m[1] for p, m in zip(self.config.patch_sizes, motion)},
            **{f"importance_texture_{p}": t[1] for p, t in zip(self.config.patch_sizes, tex)},
        }

    def _logits(self, enc: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self.drop(torch.cat([enc["motion"], enc["texture"]], 1)))

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        enc = self.encode(batch)
        logits = self._logits(enc)
        ce = F.cross_entropy(logits, batch["label"])
        nce = info_nce(self.proj_motion(enc["motion"]), self.proj_texture(enc["texture"]),
                       self.config.temperature) if len(logits) > 1 else ce.new_zeros(())
        acc = (logits.argmax(1) == batch["label"]).float().mean()
        return {"loss": ce + self.config.contrast_weight * nce, "ce": ce.detach(),
                "contrast": nce.detach(), "acc": acc.detach()}

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self._logits(self.encode(batch))

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return self.encode(batch)
