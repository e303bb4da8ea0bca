"""The one generic trainer: ``fit(method, train_set, ...)`` for every AU and ME method.

AdamW / Adam / SGD, cosine or step schedule (per step, with linear warm-up), bf16 autocast on
CUDA, gradient clipping, ``last.pt`` every epoch and ``best.pt`` on the validation metric,
resume from ``last.pt``, deterministic seeding, a CSV log and a rich progress bar. Under
``torchrun`` (``WORLD_SIZE`` > 1) it shards the data and averages gradients across processes
with no change to the methods (gradients are all-reduced after ``backward``, which also covers
meta-learning steps built with ``torch.func``).
"""

from __future__ import annotations

import contextlib
import csv
import math
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from aucli.errors import AucliError
from aucli.methods.base import Method
from aucli.methods.checkpoint import load_checkpoint, save_checkpoint
from aucli.progress import Bar, progress_bar
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
    monitor: str = "auto"
    """Validation metric that selects best.pt (ties go to the later epoch). auto: mean F1, but
    mean ROC-AUC per AU (auc, threshold-free) while F1 has been 0 in every epoch, as an early
    all-negative model gives; or name one (f1, auc, acc)."""
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
    """The selecting metric's value at the best epoch (NaN without validation)."""
    epochs_done: int
    steps: int
    history: list[dict[str, float]]
    best_epoch: int = 0
    """1-based epoch best.pt holds."""
    selected_by: str = ""
    """The validation column that chose it, or "last epoch"."""


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


def train_epoch(method: Method, loader: DataLoader, optimizer: torch.optim.Optimizer,
                cfg: TrainConfig, device: torch.device, step: int, steps_per_epoch: int,
                bar: Bar) -> tuple[dict[str, float], int]:
    """One epoch of optimiser steps; returns the mean of every logged scalar and the new step."""
    method.train()
    params = [p for g in optimizer.param_groups for p in g["params"]]
    sums: dict[str, float] = {}
    count = 0
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
        bar.advance(1, note=f"loss {sums['loss'] / count:.4f}")
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
    bar: Bar | None = None,
) -> FitResult:
    """Train ``method`` on ``train_set``; write ``last.pt``, ``best.pt`` and ``log.csv``.

    ``validate(method, loader, device) -> {metric: value}`` scores ``val_set`` after each epoch;
    ``config.monitor`` picks the epoch ``best.pt`` holds (``select_best``). Without a validation
    set ``best.pt`` is the last epoch. ``val_set`` must come from training subjects, never the
    test fold. ``bar`` is the run's progress bar, reused for every epoch (one is made if None).
    """
    run_dir = Path(run_dir)
    device = device if isinstance(device, torch.device) else resolve_device(device)
    init_distributed(device)
    rank, _ = world()
    main = rank == 0
    seed_everything(config.seed + rank)
    method.to(device)
    start_epoch, step, history = 0, 0, []
    last = run_dir / "last.pt"
    if resume and last.is_file():
        ckpt = load_checkpoint(last)
        method.load_state_dict(ckpt["state_dict"])
        state = ckpt["train_state"]
        start_epoch, step, history = state["epoch"], state["step"], list(state["history"])
    else:
        method.prepare(train_set)
        method.to(device)
    optimizer = make_optimizer(method, config)
    if resume and last.is_file():
        optimizer.load_state_dict(ckpt["train_state"]["optimizer"])
    if main:
        run_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if bar is None:
            bar = stack.enter_context(progress_bar("epoch", None, enabled=main))
        for epoch in range(start_epoch, config.epochs):
            seed_everything(config.seed + 1000 * epoch + rank)
            loader = make_loader(method, train_set, config, epoch, collate_fn)
            steps = len(loader) if config.max_steps_per_epoch <= 0 else min(
                len(loader), config.max_steps_per_epoch)
            bar.reset(steps, f"epoch {epoch + 1}/{config.epochs}")
            t0 = time.perf_counter()
            row, step = train_epoch(method, loader, optimizer, config, device, step, steps, bar)
            row = {"epoch": epoch + 1, "step": step, "seconds": time.perf_counter() - t0,
                   "lr": optimizer.param_groups[0]["lr"], **{f"train_{k}": v for k, v in row.items()}}
            scores = _validate(method, val_set, validate, config, device, collate_fn)
            row.update({f"val_{k}": v for k, v in scores.items()})
            history.append(row)
            chosen = select_best(history, config.monitor, config.monitor_mode)
            if main:
                _save_epoch(method, run_dir, info, optimizer, step, history, chosen)
            _barrier()  # other ranks never read a checkpoint before rank 0 has written it
    if main:
        method.on_fit_end(run_dir, train_set, device)
    chosen = select_best(history, config.monitor, config.monitor_mode)
    best = history[chosen.index].get(chosen.metric, float("nan")) if history else float("nan")
    return FitResult(run_dir, float(best), len(history), step, history,
                     chosen.index + 1 if history else 0, chosen.metric)


class Selection(NamedTuple):
    """The epoch best.pt holds and the validation column that chose it."""

    index: int
    """0-based index into the history."""
    metric: str
    """val_<name>, or "last epoch" when there is no validation split."""


def select_best(history: list[dict[str, float]], monitor: str = "auto",
                mode: str = "max") -> Selection:
    """The epoch to keep as best.pt: the best ``val_<monitor>``, ties to the later epoch.

    ``auto`` monitors mean F1, but mean ROC-AUC per AU (``val_auc``) while F1 has been 0 in
    every epoch so far (an all-negative early model); without validation the last epoch wins.
    NaN scores rank below any number.
    """
    if not history or not any(k.startswith("val_") for k in history[-1]):
        return Selection(len(history) - 1, "last epoch")
    name = monitor
    if monitor == "auto":
        f1 = [row.get("val_f1", float("nan")) for row in history]
        name = "f1" if any(v > 0 for v in f1) or "val_auc" not in history[-1] else "auc"
    key = f"val_{name}"
    if key not in history[-1]:
        have = ", ".join(sorted(k[4:] for k in history[-1] if k.startswith("val_")))
        raise AucliError(f"train.monitor {monitor!r} is not a validation metric (have: {have})")
    sign = 1.0 if mode == "max" else -1.0

    def rank(i: int) -> tuple[float, int]:
        value = float(history[i][key])
        return (sign * value if math.isfinite(value) else -math.inf, i)

    return Selection(max(range(len(history)), key=rank), key)


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
                step: int, history: list[dict[str, float]], chosen: Selection) -> None:
    epoch = len(history)
    state = {"epoch": epoch, "step": step, "history": history, "optimizer": optimizer.state_dict(),
             "best_epoch": chosen.index + 1, "selected_by": chosen.metric}
    common = dict(name=info.method, config=info.config,
                  meta={**info.meta, "epoch": epoch, "selected_by": chosen.metric})
    save_checkpoint(run_dir / "last.pt", method, train_state=state, **common)
    if chosen.index == epoch - 1:  # this epoch is the selected one
        save_checkpoint(run_dir / "best.pt", method, **common)
    _write_log(run_dir / "log.csv", history)
