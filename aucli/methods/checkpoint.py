"""Checkpoints: weights + resolved run config + method name + aucli version, nothing pickled.

Every entry is a tensor, a number, a string, or a list/dict of those, so checkpoints load with
``torch.load(weights_only=True)``. ``meta`` carries what rebuilding needs (``num_outputs``,
``aus``, ``subjects``, ``task``); ``train_state`` (optimiser, step, epoch, best) only in
``last.pt``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from aucli import __version__
from aucli.config import from_dict
from aucli.errors import InputError

FORMAT = 1


def save_checkpoint(
    path: str | Path,
    method: torch.nn.Module,
    *,
    name: str,
    config: dict[str, Any],
    meta: dict[str, Any],
    train_state: dict[str, Any] | None = None,
) -> Path:
    """Write atomically (temporary file, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in method.state_dict().items()}
    payload = {
        "format": FORMAT, "aucli_version": __version__, "method": name,
        "config": config, "meta": meta, "state_dict": state,
    }
    if train_state is not None:
        payload["train_state"] = train_state
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)
    return path


def resolve_checkpoint(path: str | Path) -> Path:
    """A checkpoint file, or a run directory (its ``best.pt``, else ``last.pt``)."""
    path = Path(path).expanduser()
    if path.is_dir():
        for name in ("best.pt", "last.pt"):
            if (path / name).is_file():
                return path / name
        raise InputError(f"{path}: no best.pt or last.pt in this run directory")
    if not path.is_file():
        raise InputError(f"checkpoint not found: {path}")
    return path


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    path = resolve_checkpoint(path)
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unpickling failure is a bad file for the user
        raise InputError(f"{path}: not an aucli checkpoint ({exc.__class__.__name__})") from None
    if not isinstance(ckpt, dict) or "method" not in ckpt or "state_dict" not in ckpt:
        raise InputError(f"{path}: not an aucli checkpoint")
    return ckpt


def build_method(ckpt: dict[str, Any] | str | Path, device: str | torch.device = "cpu"):
    """Rebuild the trained method from a checkpoint (dict or path), in eval mode."""
    from aucli.methods import METHODS

    if not isinstance(ckpt, dict):
        ckpt = load_checkpoint(ckpt)
    cls = METHODS.get(ckpt["method"])
    fields = dict(ckpt["config"].get("method", {}))
    if "backbone_weights" in fields:  # the state dict holds them; the file need not exist here
        fields["backbone_weights"] = ""
    config = from_dict(cls.config_class, fields, "method.")
    method = cls(config, int(ckpt["meta"]["num_outputs"]))
    method.load_state_dict(ckpt["state_dict"])
    return method.to(device).eval()
