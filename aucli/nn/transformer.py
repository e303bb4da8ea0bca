"""Small transformer backbones in plain torch: ViT (Dosovitskiy et al., ICLR 2021) and a
Swin-style hierarchical window transformer (Liu et al., ICCV 2021; AUNCE uses Swin-B).

Both return a feature map ``[B, C, h, w]`` like the CNNs, so every method head works on them.
Sizes are published variants (ViT-S/16, ViT-Ti/16; Swin-T, Swin-B); shapes adapt to the input size (the
ViT position table is interpolated, Swin pads to whole windows).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aucli.nn import BACKBONES
from aucli.nn.heads import SelfAttention


class Mlp(nn.Sequential):
    def __init__(self, dim: int, ratio: float = 4.0) -> None:
        hidden = int(dim * ratio)
        super().__init__(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))


class ViTBlock(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, N, D]
        x = x + self.attn(self.norm1(x))[0]
        return x + self.mlp(self.norm2(x))


class ViT(nn.Module):
    """Patch embedding + blocks; tokens reshaped back to a [B, D, H/p, W/p] map (no class token)."""

    def __init__(self, dim: int, depth: int, heads: int, patch: int = 16, grid: int = 14) -> None:
        super().__init__()
        self.out_channels = dim
        self.patch_embed = nn.Conv2d(3, dim, patch, patch)
        self.pos_embed = nn.Parameter(torch.zeros(1, dim, grid, grid))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.Sequential(*[ViTBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)  # [B, D, h, w]
        b, d, h, w = x.shape
        pos = self.pos_embed
        if pos.shape[-2:] != (h, w):
            pos = F.interpolate(pos, size=(h, w), mode="bicubic", align_corners=False)
        x = (x + pos).flatten(2).transpose(1, 2)  # [B, h*w, D]
        x = self.norm(self.blocks(x))
        return x.transpose(1, 2).reshape(b, d, h, w)


def _windows(x: torch.Tensor, ws: int) -> torch.Tensor:  # [B, H, W, C] -> [B*nW, ws*ws, C]
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, ws * ws, c)


def _unwindows(x: torch.Tensor, ws: int, b: int, h: int, w: int) -> torch.Tensor:
    x = x.view(b, h // ws, w // ws, ws, ws, -1).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, -1)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside a window, with a learned relative position bias."""

    def __init__(self, dim: int, heads: int, ws: int) -> None:
        super().__init__()
        self.heads, self.ws = heads, ws
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        nn.init.trunc_normal_(self.bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij"))
        rel = (coords.flatten(1)[:, :, None] - coords.flatten(1)[:, None, :]) + ws - 1
        self.register_buffer("bias_index", rel[0] * (2 * ws - 1) + rel[1], persistent=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        bw, n, c = x.shape  # [B*nW, ws*ws, C]
        q, k, v = self.qkv(x).view(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)  # [B*nW, heads, n, n]
        attn = attn + self.bias_table[self.bias_index].permute(2, 0, 1)[None]
        if mask is not None:  # [nW, n, n]
            nw = mask.shape[0]
            attn = attn.view(bw // nw, nw, self.heads, n, n) + mask[None, :, None]
            attn = attn.view(bw, self.heads, n, n)
        out = attn.softmax(-1) @ v  # [B*nW, heads, n, d]
        return self.proj(out.transpose(1, 2).reshape(bw, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim: int, heads: int, ws: int, shift: bool) -> None:
        super().__init__()
        self.ws, self.shift = ws, (ws // 2 if shift else 0)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, ws)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim)

    def _mask(self, h: int, w: int, device: torch.device) -> torch.Tensor | None:
        if not self.shift:
            return None
        region = torch.zeros(1, h, w, 1, device=device)
        cuts = (slice(0, -self.ws), slice(-self.ws, -self.shift), slice(-self.shift, None))
        for i, (hs, wsl) in enumerate((a, b) for a in cuts for b in cuts):
            region[:, hs, wsl] = i
        ids = _windows(region, self.ws).squeeze(-1)  # [nW, n]
        diff = ids[:, None, :] - ids[:, :, None]
        return diff.ne(0).float() * -100.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, H, W, C]
        b, h, w, c = x.shape
        ph, pw = (-h) % self.ws, (-w) % self.ws
        y = F.pad(self.norm1(x), (0, 0, 0, pw, 0, ph))
        hp, wp = h + ph, w + pw
        if self.shift:
            y = torch.roll(y, (-self.shift, -self.shift), (1, 2))
        y = self.attn(_windows(y, self.ws), self._mask(hp, wp, x.device))
        y = _unwindows(y, self.ws, b, hp, wp)
        if self.shift:
            y = torch.roll(y, (self.shift, self.shift), (1, 2))
        x = x + y[:, :h, :w]
        return x + self.mlp(self.norm2(x))


class PatchMerging(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, H, W, C] -> [B, H/2, W/2, 2C]
        x = F.pad(x, (0, 0, 0, x.shape[2] % 2, 0, x.shape[1] % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class Swin(nn.Module):
    """Patch-4 embedding, stages of (shifted) window blocks with patch merging between them."""

    def __init__(self, dim: int, depths: tuple[int, ...], heads: tuple[int, ...], ws: int = 7):
        super().__init__()
        self.patch_embed = nn.Conv2d(3, dim, 4, 4)
        self.embed_norm = nn.LayerNorm(dim)
        stages: list[nn.Module] = []
        for i, (depth, nh) in enumerate(zip(depths, heads)):
            if i:
                stages.append(PatchMerging(dim))
                dim *= 2
            stages += [SwinBlock(dim, nh, ws, shift=bool(j % 2)) for j in range(depth)]
        self.stages = nn.Sequential(*stages)
        self.norm = nn.LayerNorm(dim)
        self.out_channels = dim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.embed_norm(self.patch_embed(x).permute(0, 2, 3, 1))  # [B, H/4, W/4, C]
        return self.norm(self.stages(x)).permute(0, 3, 1, 2).contiguous()


@BACKBONES.register("vit-small")
def vit_small() -> ViT:
    """ViT-S/16: d 384, 12 blocks, 6 heads."""
    return ViT(dim=384, depth=12, heads=6)


@BACKBONES.register("vit-tiny")
def vit_tiny() -> ViT:
    """ViT-Ti/16: d 192, 12 blocks, 3 heads."""
    return ViT(dim=192, depth=12, heads=3)


@BACKBONES.register("swin-tiny")
def swin_tiny() -> Swin:
    """Swin-T: C 96, depths 2-2-6-2, window 7."""
    return Swin(96, (2, 2, 6, 2), (3, 6, 12, 24))


@BACKBONES.register("swin-base")
def swin_base() -> Swin:
    """Swin-B: C 128, depths 2-2-18-2, window 7 (AUNCE's backbone)."""
    return Swin(128, (2, 2, 18, 2), (4, 8, 16, 32))


@BACKBONES.register("swin-micro")
def swin_micro() -> Swin:
    """A 4-block Swin for CPU experiments (not a published size)."""
    return Swin(32, (2, 2), (2, 4))
