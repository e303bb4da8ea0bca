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
    """True outside torchrun and on rank 0 under it, also before the process group is joined
    (torchrun sets ``RANK``), so only rank 0 ever writes a run folder."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    return int(os.environ.get("RANK", "0")) == 0


def available_cores() -> int:
    """Physical cores this process may use: CPU affinity, one per core (hyper-threads share
    one), capped by a cgroup CPU quota (containers, Slurm)."""
    allowed = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        list(range(os.cpu_count() or 1))
    cores = set()
    for cpu in allowed:
        siblings = f"/sys/devices/system/cpu/cpu{cpu}/topology/thread_siblings_list"
        try:
            with open(siblings) as fh:
                cores.add(fh.read().strip())
        except OSError:
            cores.add(str(cpu))
    return max(1, min(len(cores), _cgroup_quota() or len(cores)))


def _cgroup_quota() -> int:
    """CPUs the cgroup quota allows (rounded up), 0 when unlimited or unknown."""
    import math

    for path, parse in (("/sys/fs/cgroup/cpu.max", lambda t: t.split()),
                        ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", None)):
        try:
            with open(path) as fh:
                text = fh.read().strip()
            if parse:
                quota, period = parse(text)
            else:
                with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as fh:
                    quota, period = text, fh.read().strip()
            if quota in ("max", "-1"):
                return 0
            return max(1, math.ceil(int(quota) / int(period)))
        except (OSError, ValueError):
            continue
    return 0


def configure_threads(threads: int | None = None) -> int:
    """Set torch's intra-op threads (default: ``available_cores()``) and one inter-op thread.

    torch's own default (every logical CPU, spin-waiting OpenMP) makes small models many times
    slower on a shared or loaded machine. Called by every command that runs torch, the Python
    API and each Ray task. Returns the thread count set.
    """
    n = int(threads) if threads else available_cores()
    torch.set_num_threads(n)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only settable before the first inter-op work; keep what is set
        pass
    return n
