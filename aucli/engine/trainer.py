"""The one generic trainer: ``fit(method, train_set, ...)`` for every AU and ME method.

AdamW / Adam / SGD, cosine or step schedule (per step, with linear warm-up), bf16 autocast on
CUDA, gradient clipping, ``last.pt`` every epoch and ``best.pt`` on the validation metric,
resume from ``last.pt``, deterministic seeding, a CSV log and a rich progress bar. Under
``torchrun`` (``WORLD_SIZE`` > 1) it shards the data and averages gradients across processes
with no change to the methods (gradients are all-reduced after ``backward``, which also covers
meta-learning steps built with ``torch.func``).
"""

from __future__ import annotations

import csv
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from aucli.methods.checkpoint import load_checkpoint, save_checkpoint
from aucli.errors import AucliError
from aucli.methods.base import Method
from aucli.methods.runtime import is_main_process, resolve_device, world  # noqa: F401  (re-exported)

Validate = Callable[[Method, DataLoader, torch.device], dict[str, float]]


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation settings shared by every method (presets set the papers' values)."""

    epochs: int = 20
    """Passes over the training set (one pass of the episodic sampler for meta methods)."""
    batch_size: int = 32
    """Samples per step (per process under torchrun)."""
    optimizer: str = "adamw"
    """adamw, adam or sgd."""
    lr: float = 1e-4
    """Base learning rate; a method's parameter group may scale it (lr_scale)."""
    weight_decay: float = 5e-4
    """Weight decay (decoupled for adamw)."""
    momentum: float = 0.9
    """SGD momentum (and Adam beta1)."""
    schedule: str = "cosine"
    """cosine (to 0 over all steps), step (x gamma every step_epochs) or constant."""
    step_epochs: int = 10
    """Epochs between decays for the step schedule."""
    gamma: float = 0.1
    """Decay factor of the step schedule."""
    warmup_epochs: float = 0.0
    """Linear warm-up length in epochs (may be fractional)."""
    grad_clip: float = 0.0
    """Clip the global gradient norm to this value; 0 turns clipping off."""
    amp: bool = True
    """bf16 autocast on CUDA (ignored on CPU)."""
    seed: int = 0
    """Seed for torch, numpy, python and the data order."""
    num_workers: int = 2
    """DataLoader worker processes."""
    max_steps_per_epoch: int = 0
    """Cap on steps per epoch (0 = the whole epoch); for smoke runs and benchmarks."""
    monitor: str = "f1"
    """Validation metric that selects best.pt."""
    monitor_mode: str = "max"
    """max or min: whether a larger monitor value is better."""


@dataclass
class RunInfo:
    """What checkpoints carry besides weights."""

    method: str
    """Registered method name."""
    config: dict[str, Any]
    """The fully resolved run config (TOML-ready); its ``method`` table rebuilds the method."""
    meta: dict[str, Any] = field(default_factory=dict)
    """num_outputs, aus / classes, subjects, dataset, fold, task."""


@dataclass
class FitResult:
    run_dir: Path
    best: float
    epochs_done: int
    steps: int
    history: list[dict[str, float]]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def init_distributed(device: torch.device) -> None:
    """Join the torchrun process group when launched by torchrun; no-op otherwise."""
    import torch.distributed as dist

    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            torch.cuda.set_device(device)


def to_device(batch: dict[str, Any], device: torch.device) -> dict[str, Any]:
    return {k: v.to(device, non_blocking=True) if torch.is_tensor(v) else v for k, v in batch.items()}


def lr_factor(cfg: TrainConfig, step: int, steps_per_epoch: int) -> float:
    """Multiplier of the base lr at optimiser step ``step`` (0-based)."""
    epoch = step / max(steps_per_epoch, 1)
    if cfg.warmup_epochs > 0 and epoch < cfg.warmup_epochs:
        return (epoch + 1 / max(steps_per_epoch, 1)) / cfg.warmup_epochs
    if cfg.schedule == "cosine":
        total = max(cfg.epochs - cfg.warmup_epochs, 1e-9)
        return 0.5 * (1 + math.cos(math.pi * min((epoch - cfg.warmup_epochs) / total, 1.0)))
    if cfg.schedule == "step":
        return cfg.gamma ** int(epoch // max(cfg.step_epochs, 1))
    return 1.0


def make_optimizer(method: Method, cfg: TrainConfig) -> torch.optim.Optimizer:
    groups = []
    for g in method.param_groups():
        g = dict(g)
        g["lr_scale"] = float(g.get("lr_scale", 1.0))
        g["lr"] = cfg.lr * g["lr_scale"]
        groups.append(g)
    makers = {
        "adamw": lambda: torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                           betas=(cfg.momentum, 0.999)),
        "adam": lambda: torch.optim.Adam(groups, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                         betas=(cfg.momentum, 0.999)),
        "sgd": lambda: torch.optim.SGD(groups, lr=cfg.lr, weight_decay=cfg.weight_decay,
                                       momentum=cfg.momentum),
    }
    if cfg.optimizer not in makers:
        raise AucliError(f"unknown optimizer {cfg.optimizer!r} (known: {', '.join(makers)})")
    return makers[cfg.optimizer]()


def make_loader(method: Method, dataset: Dataset, cfg: TrainConfig, epoch: int,
                collate_fn: Callable | None) -> DataLoader:
    """The epoch's training loader: the method's episodic sampler, else seeded shuffling."""
    rank, size = world()
    common = dict(num_workers=cfg.num_workers, collate_fn=collate_fn,
                  persistent_workers=False, pin_memory=torch.cuda.is_available())
    batches = method.sampler(dataset, cfg.batch_size, cfg.seed + 1000 * epoch + 7919 * rank)
    if batches is not None:
        if size > 1:  # each rank draws its own episodes; together they make one epoch
            batches = _Share(batches, size)
        return DataLoader(dataset, batch_sampler=batches, **common)
    if size > 1:
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(dataset, shuffle=True, seed=cfg.seed, drop_last=True)
        sampler.set_epoch(epoch)
        return DataLoader(dataset, cfg.batch_size, sampler=sampler, drop_last=True, **common)
    gen = torch.Generator().manual_seed(cfg.seed + 1000 * epoch)
    drop = len(dataset) > cfg.batch_size  # BatchNorm cannot train on a batch of one
    return DataLoader(dataset, cfg.batch_size, shuffle=True, generator=gen, drop_last=drop, **common)


class _Share:
    """The first ceil(len / world) batches of a rank's own episodic sampler."""

    def __init__(self, batches: Any, world: int) -> None:
        self.batches, self.n = batches, -(-len(batches) // world)

    def __len__(self) -> int:
        return self.n

    def __iter__(self):
        for i, batch in enumerate(self.batches):
            if i >= self.n:
                return
            yield batch


def _all_reduce_grads(params: list[torch.Tensor]) -> None:
    import torch.distributed as dist

    _, size = world()
    if size == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= size


def _barrier() -> None:
    import torch.distributed as dist

    if world()[1] > 1:
        dist.barrier()


def _write_log(path: Path, history: list[dict[str, float]]) -> None:
    keys: list[str] = []
    for row in history:
        keys += [k for k in row if k not in keys]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", newline="") as fh:
        writer = csv.DictWriter(fh, keys)
        writer.writeheader()
        writer.writerows(history)
    os.replace(tmp, path)


class _Progress:
    """rich progress bar (main process only) showing the running loss and ETA."""

    def __init__(self, enabled: bool) -> None:
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.bar = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn(), TimeRemainingColumn(),
            console=Console(stderr=True), disable=not enabled, transient=False,
        )

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.bar.__exit__(*exc)


def train_epoch(method: Method, loader: DataLoader, optimizer: torch.optim.Optimizer,
                cfg: TrainConfig, device: torch.device, step: int, steps_per_epoch: int,
                progress: _Progress, label: str) -> tuple[dict[str, float], int]:
    """One epoch of optimiser steps; returns the mean of every logged scalar and the new step."""
    method.train()
    params = [p for g in optimizer.param_groups for p in g["params"]]
    sums: dict[str, float] = {}
    count = 0
    task = progress.bar.add_task(label, total=steps_per_epoch, loss=float("nan"))
    use_amp = cfg.amp and device.type == "cuda"
    for i, batch in enumerate(loader):
        if i >= steps_per_epoch:
            break
        for g in optimizer.param_groups:
            g["lr"] = cfg.lr * g["lr_scale"] * lr_factor(cfg, step, steps_per_epoch)
        batch = to_device(batch, device)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=use_amp):
            out = method.training_step(batch)
        loss = out["loss"]
        if not torch.isfinite(loss):
            raise AucliError(f"the loss became {loss.item()} at step {step}; lower train.lr")
        loss.backward()
        _all_reduce_grads(params)
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        optimizer.step()
        step += 1
        count += 1
        for k, v in out.items():
            if torch.is_tensor(v) and v.numel() == 1:
                sums[k] = sums.get(k, 0.0) + float(v.detach())
        progress.bar.update(task, advance=1, loss=sums["loss"] / count)
    return {k: v / max(count, 1) for k, v in sums.items()}, step


def fit(
    method: Method,
    train_set: Dataset,
    run_dir: str | Path,
    info: RunInfo,
    config: TrainConfig = TrainConfig(),
    val_set: Dataset | None = None,
    validate: Validate | None = None,
    device: str | torch.device = "auto",
    resume: bool = False,
    collate_fn: Callable | None = None,
) -> FitResult:
    """Train ``method`` on ``train_set``; write ``last.pt``, ``best.pt`` and ``log.csv``.

    ``validate(method, loader, device) -> {metric: value}`` scores ``val_set`` after each epoch;
    ``config.monitor`` picks the metric for ``best.pt``. Without a validation set ``best.pt`` is
    the last epoch. ``val_set`` must come from training subjects, never the test fold.
    """
    run_dir = Path(run_dir)
    device = device if isinstance(device, torch.device) else resolve_device(device)
    init_distributed(device)
    rank, _ = world()
    main = rank == 0
    seed_everything(config.seed + rank)
    method.to(device)
    start_epoch, step, history = 0, 0, []
    sign = 1.0 if config.monitor_mode == "max" else -1.0
    best = -math.inf
    last = run_dir / "last.pt"
    if resume and last.is_file():
        ckpt = load_checkpoint(last)
        method.load_state_dict(ckpt["state_dict"])
        state = ckpt["train_state"]
        start_epoch, step, best = state["epoch"], state["step"], state["best"]
        history = list(state["history"])
    else:
        method.prepare(train_set)
        method.to(device)
    optimizer = make_optimizer(method, config)
    if resume and last.is_file():
        optimizer.load_state_dict(ckpt["train_state"]["optimizer"])
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
    with _Progress(main) as progress:
        for epoch in range(start_epoch, config.epochs):
            seed_everything(config.seed + 1000 * epoch + rank)
            loader = make_loader(method, train_set, config, epoch, collate_fn)
            steps = len(loader) if config.max_steps_per_epoch <= 0 else min(
                len(loader), config.max_steps_per_epoch)
            t0 = time.perf_counter()
            row, step = train_epoch(method, loader, optimizer, config, device, step, steps,
                                    progress, f"epoch {epoch + 1}/{config.epochs}")
            row = {"epoch": epoch + 1, "step": step, "seconds": time.perf_counter() - t0,
                   "lr": optimizer.param_groups[0]["lr"], **{f"train_{k}": v for k, v in row.items()}}
            scores = _validate(method, val_set, validate, config, device, collate_fn)
            row.update({f"val_{k}": v for k, v in scores.items()})
            if scores and config.monitor not in scores:
                raise AucliError(f"train.monitor {config.monitor!r} is not a validation metric "
                                 f"(have: {', '.join(sorted(scores))})")
            current = sign * scores[config.monitor] if scores else math.inf
            history.append(row)
            improved = current > best or not scores
            best = max(best, current) if scores else best
            if main:
                _save_epoch(method, run_dir, info, optimizer, epoch + 1, step, best, history,
                            improved)
            _barrier()  # other ranks never read a checkpoint before rank 0 has written it
    if main:
        method.on_fit_end(run_dir, train_set, device)
    return FitResult(run_dir, sign * best if math.isfinite(best) else float("nan"),
                     len(history), step, history)


def _validate(method: Method, val_set: Dataset | None, validate: Validate | None,
              cfg: TrainConfig, device: torch.device, collate_fn: Callable | None
              ) -> dict[str, float]:
    if val_set is None or validate is None or len(val_set) == 0:
        return {}
    loader = DataLoader(val_set, cfg.batch_size, shuffle=False, num_workers=cfg.num_workers,
                        collate_fn=collate_fn)
    method.eval()
    with torch.no_grad():
        return {k: float(v) for k, v in validate(method, loader, device).items()}


def _save_epoch(method: Method, run_dir: Path, info: RunInfo, optimizer: torch.optim.Optimizer,
                epoch: int, step: int, best: float, history: list[dict[str, float]],
                improved: bool) -> None:
    state = {"epoch": epoch, "step": step, "best": best, "history": history,
             "optimizer": optimizer.state_dict()}
    common = dict(name=info.method, config=info.config, meta={**info.meta, "epoch": epoch})
    save_checkpoint(run_dir / "last.pt", method, train_state=state, **common)
    if improved:
        save_checkpoint(run_dir / "best.pt", method, **common)
    _write_log(run_dir / "log.csv", history)
