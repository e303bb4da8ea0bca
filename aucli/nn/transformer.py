"""Small transformer backbones in plain torch: ViT (Dosovitskiy et al., ICLR 2021) and a
Swin-style hierarchical window transformer (Liu et al., ICCV 2021; AUNCE uses Swin-B).

Both return a feature map ``[B, C, h, w]`` like the CNNs, so every method head works on them.
Sizes are published variants (ViT-B/16, ViT-S/16, ViT-Ti/16; Swin-T, Swin-B); shapes adapt to the input
size (the ViT position table is interpolated, Swin pads to whole windows). Parameter names follow
timm's ViT (``cls_token``, ``patch_embed.proj``, ``blocks.N.mlp.fc1``) and the official Swin
release (``layers.N.blocks.M.attn.relative_position_bias_table``, ``layers.N.downsample``), so the
published checkpoints load through the small key maps of :mod:`aucli.nn.weights`; at the input
size a checkpoint was trained for, the forward pass is the reference implementation's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from aucli.nn import BACKBONES
from aucli.nn.heads import SelfAttention


class Mlp(nn.Module):
    def __init__(self, dim: int, ratio: float = 4.0) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, int(dim * ratio))
        self.act = nn.GELU()
        self.fc2 = nn.Linear(int(dim * ratio), dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class DropPath(nn.Module):
    """Stochastic depth (Huang et al. 2016): drop a residual branch per sample while training."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0:
            return x
        keep = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class ViTBlock(nn.Module):
    """Pre-norm transformer block."""

    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)  # timm ViT
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, N, D]
        x = x + self.attn(self.norm1(x))[0]
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    """Non-overlapping patches -> tokens (``proj``), with an optional LayerNorm (``norm``, Swin)."""

    def __init__(self, dim: int, patch: int, norm: bool) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, dim, patch, patch)
        self.norm = nn.LayerNorm(dim) if norm else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # -> [B, H/p, W/p, D]
        return self.norm(self.proj(x).permute(0, 2, 3, 1))


class ViT(nn.Module):
    """Class token + patch tokens + blocks; the patch tokens are reshaped back to a
    [B, D, H/p, W/p] map (timm's ``forward_features`` without the class token)."""

    def __init__(self, dim: int, depth: int, heads: int, patch: int = 16, grid: int = 14) -> None:
        super().__init__()
        self.out_channels = dim
        self.patch_embed = PatchEmbed(dim, patch, norm=False)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, 1 + grid * grid, dim))
        nn.init.trunc_normal_(self.pos_embed, std=0.02)
        self.blocks = nn.Sequential(*[ViTBlock(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)  # [B, h, w, D]
        b, h, w, d = x.shape
        pos, grid = self.pos_embed[:, 1:], int(round((self.pos_embed.shape[1] - 1) ** 0.5))
        if (h, w) != (grid, grid):
            pos = pos.reshape(1, grid, grid, d).permute(0, 3, 1, 2)
            pos = F.interpolate(pos, size=(h, w), mode="bicubic", align_corners=False)
            pos = pos.permute(0, 2, 3, 1).reshape(1, h * w, d)
        cls = self.cls_token + self.pos_embed[:, :1]
        x = torch.cat([cls.expand(b, -1, -1), x.reshape(b, h * w, d) + pos], 1)  # [B, 1+hw, D]
        x = self.norm(self.blocks(x))[:, 1:]
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
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        coords = torch.stack(torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij"))
        rel = (coords.flatten(1)[:, :, None] - coords.flatten(1)[:, None, :]) + ws - 1
        self.register_buffer("bias_index", rel[0] * (2 * ws - 1) + rel[1], persistent=False)

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        bw, n, c = x.shape  # [B*nW, ws*ws, C]
        q, k, v = self.qkv(x).view(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        attn = (q * (c // self.heads) ** -0.5) @ k.transpose(-2, -1)  # [B*nW, heads, n, n]
        bias = self.relative_position_bias_table[self.bias_index]  # [n, n, heads]
        attn = attn + bias.permute(2, 0, 1)[None]
        if mask is not None:  # [nW, n, n]
            nw = mask.shape[0]
            attn = attn.view(bw // nw, nw, self.heads, n, n) + mask[None, :, None]
            attn = attn.view(bw, self.heads, n, n)
        out = attn.softmax(-1) @ v  # [B*nW, heads, n, d]
        return self.proj(out.transpose(1, 2).reshape(bw, n, c))


class SwinBlock(nn.Module):
    def __init__(self, dim: int, heads: int, ws: int, shift: bool, drop_path: float = 0.0) -> None:
        super().__init__()
        self.ws, self.shift_size = ws, (ws // 2 if shift else 0)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, heads, ws)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim)

    def _mask(self, h: int, w: int, shift: int, device: torch.device) -> torch.Tensor | None:
        if not shift:
            return None
        region = torch.zeros(1, h, w, 1, device=device)
        cuts = (slice(0, -self.ws), slice(-self.ws, -shift), slice(-shift, None))
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
        # as the official code: a map no larger than one window is not shifted
        shift = self.shift_size if min(h, w) > self.ws else 0
        if shift:
            y = torch.roll(y, (-shift, -shift), (1, 2))
        y = self.attn(_windows(y, self.ws), self._mask(hp, wp, shift, x.device))
        y = _unwindows(y, self.ws, b, hp, wp)
        if shift:
            y = torch.roll(y, (shift, shift), (1, 2))
        x = x + self.drop_path(y[:, :h, :w])
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(4 * dim)
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [B, H, W, C] -> [B, H/2, W/2, 2C]
        x = F.pad(x, (0, 0, 0, x.shape[2] % 2, 0, x.shape[1] % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], -1)
        return self.reduction(self.norm(x))


class SwinStage(nn.Module):
    """One stage (the official ``BasicLayer``): blocks, then patch merging unless it is the last."""

    def __init__(self, dim: int, depth: int, heads: int, ws: int, drop: list[float],
                 merge: bool) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(SwinBlock(dim, heads, ws, bool(j % 2), drop[j])
                                    for j in range(depth))
        self.downsample = PatchMerging(dim) if merge else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x if self.downsample is None else self.downsample(x)


class Swin(nn.Module):
    """Patch-4 embedding, stages of (shifted) window blocks with patch merging between them.
    ``drop_path``: the stochastic-depth rate, rising linearly over the blocks (official code)."""

    def __init__(self, dim: int, depths: tuple[int, ...], heads: tuple[int, ...], ws: int = 7,
                 drop_path: float = 0.0):
        super().__init__()
        self.patch_embed = PatchEmbed(dim, 4, norm=True)
        rates = torch.linspace(0, drop_path, sum(depths)).tolist()
        self.layers = nn.ModuleList()
        for i, (depth, nh) in enumerate(zip(depths, heads)):
            start = sum(depths[:i])
            self.layers.append(SwinStage(dim * 2**i, depth, nh, ws, rates[start:start + depth],
                                         merge=i < len(depths) - 1))
        self.out_channels = dim * 2 ** (len(depths) - 1)
        self.norm = nn.LayerNorm(self.out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)  # [B, H/4, W/4, C]
        for stage in self.layers:
            x = stage(x)
        return self.norm(x).permute(0, 3, 1, 2).contiguous()


@BACKBONES.register("vit-base")
def vit_base() -> ViT:
    """ViT-B/16: d 768, 12 blocks, 12 heads (the ImageNet-21k release's size)."""
    return ViT(dim=768, depth=12, heads=12)


@BACKBONES.register("vit-small")
def vit_small() -> ViT:
    """ViT-S/16: d 384, 12 blocks, 6 heads."""
    return ViT(dim=384, depth=12, heads=6)


@BACKBONES.register("vit-tiny")
def vit_tiny() -> ViT:
    """ViT-Ti/16: d 192, 12 blocks, 3 heads."""
    return ViT(dim=192, depth=12, heads=3)


@BACKBONES.register("swin-tiny")
def swin_tiny(drop_path: float = 0.0) -> Swin:
    """Swin-T: C 96, depths 2-2-6-2, window 7."""
    return Swin(96, (2, 2, 6, 2), (3, 6, 12, 24), drop_path=drop_path)


@BACKBONES.register("swin-base")
def swin_base(drop_path: float = 0.0) -> Swin:
    """Swin-B: C 128, depths 2-2-18-2, window 7 (AUNCE's backbone)."""
    return Swin(128, (2, 2, 18, 2), (4, 8, 16, 32), drop_path=drop_path)


@BACKBONES.register("swin-micro")
def swin_micro(drop_path: float = 0.0) -> Swin:
    """A 4-block Swin for CPU experiments (not a published size)."""
    return Swin(32, (2, 2), (2, 4), drop_path=drop_path)
