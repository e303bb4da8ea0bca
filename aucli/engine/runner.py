"""The one training runner: a RunConfig, a task (AU or ME) and a protocol -> a run folder.

``train(config, out_dir)`` opens the dataset once (``task.open``; nothing is written before it
is read and checked), writes ``config.toml``, then for each fold of the protocol builds the
method (``new_method``, the one place), fits it with the generic trainer and scores the fold's
test subjects; a finished fold (its ``predictions.parquet`` exists) is skipped on ``--resume``.
Run folder: ``config.toml``, ``log.csv``, ``best.pt`` / ``last.pt``, ``metrics.json``,
``predictions.parquet``; LOSO puts each fold in ``folds/<subject>/`` and pools at the top, and
trains one more model on every subject in ``final/`` (``run.final_model``) for ``aucli mer``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aucli.config import dumps, load_toml
from aucli.engine.au_task import AUTask
from aucli.engine.me_task import METask
from aucli.engine.protocols import Fold, protocol_for
from aucli.engine.recipe import RunConfig, method_class, method_config, resolved
from aucli.errors import AucliError

TASKS = {"au": AUTask(), "me": METask()}


@dataclass
class RunResult:
    """What a finished run reports."""

    run_dir: Path
    metrics: dict[str, Any]
    """metrics.json of the run (the test fold's, or LOSO's pooled scores)."""
    folds: int
    fits: list[Any] = field(default_factory=list)
    """The FitResult of each fold trained in this call (finished folds are skipped)."""
    source: str = ""
    """Which preset the config came from."""


def _announce(message: str) -> None:
    print(message, file=sys.stderr)


def new_method(config: RunConfig, meta: dict[str, Any], aux: Any = None) -> Any:
    """A fresh method for one fold, its initial weights drawn from the run's seed."""
    from aucli.engine.trainer import seed_everything

    seed_everything(config.train.seed)
    cls = method_class(config.run.method)
    method = cls(method_config(config, tuple(meta.get("aus", ()))), meta["num_outputs"])
    if aux is not None:
        method.set_auxiliary(*aux)
    return method


def check_out_dir(out_dir: Path, config: dict[str, Any], resume: bool) -> None:
    """Write RUN/config.toml; an existing run needs ``resume`` and the same recipe."""
    saved = out_dir / "config.toml"
    if saved.is_file():
        if not resume:
            raise AucliError(f"{out_dir} already holds a run: pass --resume to continue it, or "
                             "choose another -o")
        if load_toml(saved) != config:  # config is TOML-ready (lists, no None), as read back
            raise AucliError(f"{out_dir} holds a run with a different config; use another -o")
    out_dir.mkdir(parents=True, exist_ok=True)
    saved.write_text(dumps(config), encoding="utf-8")


def train(config: RunConfig, out_dir: str | Path, *, resume: bool = False, device: str = "auto",
          announce: Callable[[str], None] = _announce) -> RunResult:
    """Train and test every fold of ``config.run.protocol``, then pool and score."""
    from aucli.methods.runtime import is_main_process, resolve_device
    from aucli.progress import Bar, make_progress

    from dataclasses import replace

    from aucli.engine.pretrained import settle_weights

    config = settle_weights(config, announce)  # pretrained file, or one warning + random init
    cls = method_class(config.run.method)
    task = TASKS[cls.task]
    if cls.task == "me" and not config.run.protocol:  # the one ME protocol
        config = replace(config, run=replace(config.run, protocol="loso"))
    protocol = protocol_for(config.run.protocol, config.run.fold)
    out_dir = Path(out_dir)
    opened = task.open(config)  # the one place the dataset is opened
    folds = protocol.folds(opened.loader, config.run.dataset, opened.subjects)
    recipe = resolved(config, tuple(opened.meta.get("aus", ())))
    main = is_main_process()
    if main:  # under torchrun, rank 0 owns the run folder
        check_out_dir(out_dir, recipe, resume)
    task.load(opened, config, out_dir)
    dev = resolve_device(device)
    result = RunResult(out_dir, {}, len(folds))
    scores = []
    with make_progress(enabled=main) as bars:
        fold_bar = Bar(bars, f"{protocol.name} folds", len(folds)) if len(folds) > 1 else None
        epoch_bar = Bar(bars, "epoch", None)
        for fold in folds:
            fold_dir = out_dir / "folds" / fold.name if protocol.per_fold_dirs else out_dir
            scores.append(_run_fold(task, opened, fold, fold_dir, config, recipe, dev, resume,
                                    epoch_bar, result))
            if protocol.per_fold_dirs:  # optimiser state is not worth keeping per fold
                (fold_dir / "last.pt").unlink(missing_ok=True)
                if not config.run.keep_fold_models:
                    (fold_dir / "best.pt").unlink(missing_ok=True)
            if fold_bar:
                fold_bar.advance(1, note=f"done {fold.name}")
        metrics = task.pool(opened, out_dir, scores) if main else {}
        if protocol.per_fold_dirs and config.run.final_model:
            final = out_dir / "final"
            if not (resume and (final / "best.pt").is_file()):
                announce(f"training one more model on all {len(set(opened.subjects))} subjects "
                         f"for aucli mer: {final} (run.final_model = false skips it)")
                everyone = Fold(len(folds), "final", tuple(sorted(set(opened.subjects))), ())
                _run_fold(task, opened, everyone, final, config, recipe, dev, resume, epoch_bar,
                          result)
                (final / "last.pt").unlink(missing_ok=True)
    result.metrics = metrics
    return result


def _run_fold(task: Any, opened: Any, fold: Fold, fold_dir: Path, config: RunConfig,
              recipe: dict[str, Any], device: Any, resume: bool, bar: Any,
              result: RunResult) -> dict[str, Any]:
    """Fit one fold (unless it is finished) and score its test subjects."""
    import json

    from aucli.engine.trainer import RunInfo, fit
    from aucli.methods.runtime import is_main_process

    done = fold_dir / "predictions.parquet"
    if resume and done.is_file() and fold.test:
        metrics = fold_dir / "metrics.json"
        return json.loads(metrics.read_text()) if metrics.is_file() else {}
    method = new_method(config, opened.meta, getattr(opened, "bank", None))  # the one place
    data = task.fold_data(opened, fold, config, method.views)
    info = RunInfo(config.run.method, recipe, {**opened.meta, "fold": _fold_meta(config, fold)})
    fitted = fit(method, data.train, fold_dir, info, data.train_config, data.val, data.validate,
                 device, resume, data.collate, bar=bar)
    result.fits.append(fitted)
    if not is_main_process():
        return {}
    return task.test_fold(opened, fold, data, fold_dir, method, config, device)


def _fold_meta(config: RunConfig, fold: Fold) -> int:
    """The fold number checkpoints record: K of a published fold, the index for LOSO, -1 else."""
    if config.run.fold:
        return config.run.fold
    return fold.index if config.run.protocol == "loso" else -1


def run_training(method: str, dataset: str, root: str | Path, out: str | Path, *, fold: int = 0,
                 protocol: str = "", config: str | Path | None = None,
                 overrides: list[str] | tuple[str, ...] = (), aux_dataset: str = "",
                 aux_root: str | Path = "", resume: bool = False, device: str = "auto",
                 announce: Callable[[str], None] = _announce, reads: Any = None) -> RunResult:
    """``aucli train``: pick the preset, name the run folder under ``out``, train, score.

    ``config`` None picks ``train-<method>-<dataset>`` when it ships, ``"none"`` means code
    defaults. The run is ``out/<method>-<dataset>-fold<K>`` (or ``-<protocol>``); a later stage
    of a cascaded method (aunce's probe, marl-t) names its own folder and reads the earlier
    stage's run from ``out`` unless its checkpoint setting is given.
    """
    from dataclasses import replace

    from aucli.engine.protocols import run_name
    from aucli.engine.recipe import load_config

    if (fold > 0) == bool(protocol) or (protocol == "loso") != (
            method_class(method).task == "me"):
        task = method_class(method).task
        raise AucliError("AU methods take --fold K or a named protocol; micro-expression methods "
                         f"are evaluated leave-one-subject-out (--protocol loso); {method} is {task}")
    cfg, source = load_config(method, dataset, root, protocol=protocol or "folds", fold=fold,
                              config=config, overrides=overrides, aux_dataset=aux_dataset,
                              aux_root=aux_root)
    announce(f"{method}: {source}")
    if reads is not None:
        cfg = replace(cfg, run=replace(cfg.run, dataset=reads.dataset, root=str(reads.root),
                                       options={}), inputs={**cfg.inputs, **reads.record})
    label, earlier_runs = method_class(method).cascade(dict(cfg.method))
    table = dict(cfg.method)
    for setting, earlier in earlier_runs.items():
        found = Path(out) / run_name(earlier, dataset, cfg.run.protocol, fold)
        if not table.get(setting) and found.is_dir():
            table[setting] = str(found)
            announce(f"{method}: {setting} = {found} (the earlier stage in -o)")
    result = train(replace(cfg, method=table),
                   Path(out) / run_name(label or method, dataset, cfg.run.protocol, fold),
                   resume=resume, device=device, announce=announce)
    result.source = source
    return result


@dataclass
class Evaluation:
    """What ``aucli evaluate`` produced."""

    metrics: dict[str, Any]
    folder: Path
    task: str
    """au or me."""
    how: str
    """What was done: scored the checkpoint, re-scored the saved folds, or retrained."""


def evaluate_run(path: str | Path, dataset: str, root: str | Path, *, fold: int = 0,
                 protocol: str = "", out: str | Path | None = None, probe: bool = False,
                 save_embeddings: bool = False, batch_size: int = 64, device: str = "auto",
                 label_noise: float | None = None, shots: int | None = None,
                 retrain: bool = False) -> Evaluation:
    """``aucli evaluate``: score a run folder or checkpoint on a dataset's test subjects.

    AU: the checkpoint (best.pt of a run) on fold K / a named protocol. ME (a LOSO run): the
    saved folds are re-scored (each fold's best.pt on its held-out subject, or its saved
    predictions); ``retrain`` (implied by ``label_noise`` / ``shots``) trains every fold again
    with the run's recipe, perturbed as asked, into ``RUN/eval-noise<p>-shots<K>``.
    """
    from dataclasses import replace

    from aucli.engine.au_task import evaluate_checkpoint
    from aucli.engine.me_task import rescore
    from aucli.engine.recipe import read_config
    from aucli.methods.runtime import resolve_device

    path = Path(path)
    config = read_config(path)
    if method_class(config.run.method).task == "au":
        if label_noise is not None or shots is not None or retrain:
            raise AucliError("--label-noise, --shots and --retrain apply to micro-expression runs")
        metrics, folder = evaluate_checkpoint(path, dataset, root, fold or None, protocol or None,
                                              out, probe, device, batch_size, 0, save_embeddings)
        return Evaluation(metrics, folder, "au", f"scored {metrics['checkpoint']}")
    run_dir = path if path.is_dir() else path.parent
    config = replace(config, run=replace(config.run, dataset=dataset, root=str(root)))
    if label_noise is None and shots is None and not retrain:
        folder = Path(out) if out else run_dir / f"eval-{dataset}"
        metrics = rescore(run_dir, config, folder, resolve_device(device))
        return Evaluation(metrics, folder, "me", "re-scored the saved folds (no training)")
    rob = config.robustness
    rob = replace(rob, label_noise=rob.label_noise if label_noise is None else label_noise,
                  shots=rob.shots if shots is None else shots)
    folder = Path(out) if out else run_dir / f"eval-noise{rob.label_noise:g}-shots{rob.shots}"
    config = replace(config, robustness=rob, run=replace(config.run, final_model=False))
    result = train(config, folder, resume=True, device=device)
    return Evaluation(result.metrics, folder, "me",
                      f"retrained every fold (label noise {rob.label_noise:g}, "
                      f"shots {rob.shots or 'all'})")
