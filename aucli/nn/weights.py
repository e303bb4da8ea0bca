"""Pretrained backbone weights from the files users have, through explicit key maps.

One small table per source format: which keys identify it (``signature``), how each source key
is renamed to aucli's (``rules``: regex -> replacement, first match wins), which source keys are
deliberately dropped (``drop``: classifiers, buffers the network derives itself) and, for the
JAX release, how a tensor is reshaped. The format is guessed from the keys; a file that does not
fit fails with the guessed format and the first keys that did not fit.

Formats (the file each paper preset expects is listed in the README):
- ``torchvision/timm-resnet``: torchvision ``resnet18-f37072fd.pth``, ``resnet50-0676ba61.pth``
  and timm's ``resnet18.a1_in1k`` / ``resnet50.a1_in1k``: timm kept torchvision's names, so one
  table serves both (their key lists are identical; the tests check both).
- ``swin-official``: microsoft/Swin-Transformer ``swin_base_patch4_window7_224.pth``
  (``{"model": ...}``; ``layers.N.downsample`` ends stage N).
- ``timm-swin``: timm >= 0.9 ``swin_base_patch4_window7_224`` (``layers.N.downsample`` starts
  stage N, ``head.fc``).
- ``timm-vit``: timm ``vit_*_patch16_224`` (``cls_token``, ``patch_embed.proj``, ``blocks.N``).
- ``jax-vit-in21k``: google-research/vision_transformer ImageNet-21k ``ViT-B_16.npz``
  (``Transformer/encoderblock_N/...``, kernels in JAX layout).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from aucli.errors import InputError

Convert = Callable[[dict[str, Any]], dict[str, torch.Tensor]]


@dataclass(frozen=True)
class KeyMap:
    """How one published file format names a backbone's tensors."""

    name: str
    family: str
    """Backbone family it fits: resnet, swin or vit."""
    signature: tuple[str, ...]
    """Regexes that must each match some key of the file."""
    rules: tuple[tuple[str, str | Callable[[re.Match], str]], ...] = ()
    """Source key regex -> aucli key (re.sub replacement, or a function of the match)."""
    drop: tuple[str, ...] = ()
    """Source keys deliberately not loaded (classifier heads, derived buffers)."""
    absent: tuple[str, ...] = ()
    """Regexes no key of this format matches (tells look-alike formats apart)."""
    convert: Convert | None = field(default=None, compare=False)
    """Reshape the whole dict first (JAX layouts); None = tensors load as they are."""

    def rename(self, key: str) -> str | None:
        if any(re.fullmatch(p, key) for p in self.drop):
            return None
        for pattern, repl in self.rules:
            if re.fullmatch(pattern, key):
                return re.sub(pattern, repl, key)
        return key


RESNET_DROP = (r"fc\..*", r".*num_batches_tracked")
SWIN_DROP = (r"head\..*", r".*relative_position_index", r".*attn_mask")


def _timm_merge(m: re.Match) -> str:
    """timm's downsample starts stage N; the official one (and aucli's) ends stage N - 1."""
    return f"layers.{int(m.group(1)) - 1}.downsample.{m.group(2)}"


def _jax_vit(src: dict[str, Any]) -> dict[str, torch.Tensor]:
    """google-research ViT .npz -> timm layout (kernels transposed, q/k/v fused)."""
    t = {k: torch.as_tensor(np.asarray(v)) for k, v in src.items()}
    out = {"cls_token": t["cls"], "pos_embed": t["Transformer/posembed_input/pos_embedding"],
           "patch_embed.proj.weight": t["embedding/kernel"].permute(3, 2, 0, 1),
           "patch_embed.proj.bias": t["embedding/bias"],
           "norm.weight": t["Transformer/encoder_norm/scale"],
           "norm.bias": t["Transformer/encoder_norm/bias"]}
    blocks = {int(m.group(1)) for k in t if (m := re.match(r"Transformer/encoderblock_(\d+)/", k))}
    for i in sorted(blocks):
        p, o = f"Transformer/encoderblock_{i}/", f"blocks.{i}."
        att = p + "MultiHeadDotProductAttention_1/"
        dim = t[att + "query/kernel"].shape[0]
        out[o + "attn.qkv.weight"] = torch.cat(
            [t[att + f"{n}/kernel"].reshape(dim, -1).T for n in ("query", "key", "value")])
        out[o + "attn.qkv.bias"] = torch.cat(
            [t[att + f"{n}/bias"].reshape(-1) for n in ("query", "key", "value")])
        out[o + "attn.proj.weight"] = t[att + "out/kernel"].reshape(-1, dim).T
        out[o + "attn.proj.bias"] = t[att + "out/bias"]
        for j, norm in ((0, "norm1"), (2, "norm2")):
            out[o + f"{norm}.weight"] = t[p + f"LayerNorm_{j}/scale"]
            out[o + f"{norm}.bias"] = t[p + f"LayerNorm_{j}/bias"]
        for j in (0, 1):
            out[o + f"mlp.fc{j + 1}.weight"] = t[p + f"MlpBlock_3/Dense_{j}/kernel"].T
            out[o + f"mlp.fc{j + 1}.bias"] = t[p + f"MlpBlock_3/Dense_{j}/bias"]
    return out


KEY_MAPS: tuple[KeyMap, ...] = (
    KeyMap("torchvision/timm-resnet", "resnet", (r"conv1\.weight", r"layer1\.0\.conv1\.weight"),
           drop=RESNET_DROP),
    KeyMap("swin-official", "swin", (r"layers\.0\.blocks\.0\.attn\.relative_position_bias_table",
                                     r"layers\.0\.downsample\.reduction\.weight"), drop=SWIN_DROP),
    KeyMap("timm-swin", "swin", (r"layers\.0\.blocks\.0\.attn\.relative_position_bias_table",
                                 r"layers\.1\.downsample\.reduction\.weight"),
           rules=((r"layers\.(\d+)\.downsample\.(.*)", _timm_merge),),
           drop=SWIN_DROP, absent=(r"layers\.0\.downsample\..*",)),
    KeyMap("timm-vit", "vit", (r"cls_token", r"blocks\.0\.attn\.qkv\.weight"),
           drop=(r"head\..*", r"fc_norm\..*", r"pre_logits\..*")),
    KeyMap("jax-vit-in21k", "vit", (r"Transformer/encoderblock_0/.*", r"embedding/kernel"),
           drop=(r"head\..*", r"pre_logits\..*"), convert=_jax_vit),
)


def family_of(net: torch.nn.Module) -> str:
    from aucli.nn.resnet import ResNet
    from aucli.nn.transformer import Swin, ViT

    kinds = {ResNet: "resnet", Swin: "swin", ViT: "vit"}
    return next((v for k, v in kinds.items() if isinstance(net, k)), type(net).__name__)


def guess_format(keys: list[str], family: str | None = None) -> KeyMap | None:
    """The first key map whose signature every listed regex matches (and whose ``absent``
    regexes none do), preferring maps of the backbone's ``family``."""
    maps = sorted(KEY_MAPS, key=lambda m: m.family != family)
    for m in maps:
        if all(any(re.fullmatch(p, k) for k in keys) for p in m.signature) and not any(
                re.fullmatch(p, k) for p in m.absent for k in keys):
            return m
    return None


def read_state(path: str | Path) -> dict[str, Any]:
    """A checkpoint's tensors: .pth/.pt/.bin (torch, nested under ``model``/``state_dict`` or
    not, ``module.`` prefixes removed), .npz (JAX releases) or .safetensors."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise InputError(f"backbone weights not found: {path}")
    if path.suffix == ".npz":
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    if path.suffix == ".safetensors":
        from safetensors.torch import load_file

        return dict(load_file(str(path)))
    state = torch.load(path, map_location="cpu", weights_only=True)
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
    return {k.removeprefix("module."): v for k, v in state.items()}


def map_state(src: dict[str, Any], net: torch.nn.Module, path: str = "") -> tuple[dict, KeyMap]:
    """Rename ``src`` into ``net``'s keys; InputError naming the format and first bad keys."""
    fmt = guess_format(list(src), family_of(net))
    if fmt is None:
        raise InputError(f"{path}: unknown weight format for a {family_of(net)} backbone "
                         f"(first keys: {list(src)[:4]})")
    if fmt.convert is not None:
        src = fmt.convert(src)
    mapped = {new: v for k, v in src.items() if (new := fmt.rename(k)) is not None}
    own = net.state_dict()
    if "pos_embed" in mapped and mapped["pos_embed"].shape != own.get("pos_embed", mapped["pos_embed"]).shape:
        mapped["pos_embed"] = resize_pos_embed(mapped["pos_embed"], own["pos_embed"].shape[1])
    unexpected = [k for k in mapped if k not in own]
    missing = [k for k in own if k not in mapped and not k.endswith("num_batches_tracked")]
    shape = [k for k in mapped if k in own and tuple(mapped[k].shape) != tuple(own[k].shape)]
    if unexpected or missing or shape:
        raise InputError(
            f"{path}: guessed format {fmt.name}, but it does not fit this {family_of(net)} "
            f"backbone: missing {missing[:3]}, unexpected {unexpected[:3]}, wrong shape "
            f"{[(k, tuple(mapped[k].shape), tuple(own[k].shape)) for k in shape[:3]]}")
    return mapped, fmt


def resize_pos_embed(pos: torch.Tensor, tokens: int) -> torch.Tensor:
    """[1, 1 + g*g, D] -> [1, tokens, D]: bicubic resize of the patch grid, class token kept."""
    d, g, n = pos.shape[-1], int(round((pos.shape[1] - 1) ** 0.5)), int(round((tokens - 1) ** 0.5))
    grid = pos[:, 1:].reshape(1, g, g, d).permute(0, 3, 1, 2)
    grid = torch.nn.functional.interpolate(grid, size=(n, n), mode="bicubic", align_corners=False)
    return torch.cat([pos[:, :1], grid.permute(0, 2, 3, 1).reshape(1, n * n, d)], 1)


def load_weights(net: torch.nn.Module, path: str | Path) -> dict[str, Any]:
    """Load a published checkpoint into ``net``; returns what loaded (format, tensors, dropped)."""
    src = read_state(path)
    mapped, fmt = map_state(src, net, str(path))
    net.load_state_dict(mapped, strict=False)  # strictness checked in map_state
    dropped = sorted(k for k in src if fmt.convert is None and fmt.rename(k) is None)
    return {"file": str(path), "format": fmt.name, "loaded": len(mapped),
            "parameters": int(sum(v.numel() for v in mapped.values())), "dropped": dropped}
