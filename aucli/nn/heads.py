"""Per-AU layers, the AU graph layer (AUNCE / ME-GraphAU) and an AU-relation transformer."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class PerAULinear(nn.Module):
    """C independent linear maps applied to per-AU inputs: [B, C, in] -> [B, C, out]."""

    def __init__(self, num: int, fan_in: int, fan_out: int) -> None:
        super().__init__()
        bound = 1 / math.sqrt(fan_in)
        self.weight = nn.Parameter(torch.empty(num, fan_in, fan_out).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(num, fan_out).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.einsum("bci,cio->bco", x, self.weight) + self.bias


class AUGraphLayer(nn.Module):
    """relu(x + BN(A V(x) + U(x))) with A the top-k dot-product adjacency between AU nodes,
    symmetrically normalised (ME-GraphAU's GNN as AUNCE uses it). x: [B, C, d]."""

    def __init__(self, num: int, dim: int, top_k: int = 4) -> None:
        super().__init__()
        self.top_k = min(top_k, num)
        self.U = nn.Linear(dim, dim)
        self.V = nn.Linear(dim, dim)
        self.bn = nn.BatchNorm1d(num)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        sim = x @ x.transpose(1, 2)  # [B, C, C]
        kth = sim.topk(self.top_k, dim=-1).values[..., -1:]
        adj = (sim >= kth).float()
        deg = adj.sum(-1).clamp(min=1).rsqrt()  # [B, C]
        adj = deg[..., None] * adj * deg[:, None, :]
        return F.relu(x + self.bn(adj @ self.V(x) + self.U(x)))


class SelfAttention(nn.Module):
    """Multi-head self-attention that also returns the head-averaged weights (plain ops, so it
    exports to ONNX; torch's fused MultiheadAttention path does not)."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, n, d = x.shape  # [B, N, D]
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        attn = ((q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5).softmax(-1)  # [B, h, N, N]
        out = (self.drop(attn) @ v).transpose(1, 2).reshape(b, n, d)
        return self.proj(out), attn.mean(1)


class RelationLayer(nn.Module):
    """Post-norm transformer encoder layer that also returns its head-averaged attention."""

    def __init__(self, dim: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.attn = SelfAttention(dim, heads, dropout)
        self.norm1 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.ReLU(), nn.Dropout(dropout),
                                nn.Linear(4 * dim, dim))
        self.norm2 = nn.LayerNorm(dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y, attn = self.attn(x)
        x = self.norm1(x + self.drop(y))
        return self.norm2(x + self.drop(self.ff(x))), attn  # [B, C, d], [B, C, C]


class RelationEncoder(nn.Module):
    """AU tokens + learnable AU-position embeddings -> ``layers`` relation layers."""

    def __init__(self, num: int, dim: int, layers: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.pos = nn.Parameter(torch.zeros(1, num, dim))
        nn.init.trunc_normal_(self.pos, std=0.02)
        self.layers = nn.ModuleList(RelationLayer(dim, heads, dropout) for _ in range(layers))

    def forward(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = tokens + self.pos
        maps = []
        for layer in self.layers:
            x, a = layer(x)
            maps.append(a)
        return x, torch.stack(maps, 1).mean(1)  # [B, C, d], mean attention [B, C, C]
