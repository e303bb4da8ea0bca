"""Where a model runs: the device and, under torchrun, this process's rank. Shared by training
(``aucli.engine``) and inference (the ``au-model`` extract stage, ``aucli mer``)."""

from __future__ import annotations

import os

import torch

from aucli.errors import AucliError


def resolve_device(device: str = "auto") -> torch.device:
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise AucliError("--device cuda was asked for but no CUDA device is available")
    if device.startswith("cuda") and world()[1] > 1:
        device = f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}"
    return torch.device(device)


def world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main_process() -> bool:
    """True outside torchrun and on rank 0 under it."""
    return world()[0] == 0
