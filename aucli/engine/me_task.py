"""ME runs: clips of an ME dataset -> flow / apex inputs -> class probabilities per LOSO fold.

The runner (``aucli.engine.runner``) calls ``open`` (read the clips and the auxiliary
macro-expression bank; nothing is written), ``load`` (compute or read the cached clip inputs),
``fold_data`` (the fold's training clips, perturbed as ``[robustness]`` says, and its held-out
subject), ``test_fold`` (that subject's class probabilities -> the fold's
``predictions.parquet``) and ``pool`` (all folds' predictions pooled before accuracy, UF1 and
UAR, DATASETS.md §4.3). Epochs are fixed: nothing is selected on the test subject.
``rescore`` is ``aucli evaluate`` on a finished LOSO run.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from aucli.engine.au_task import FoldData, open_dataset
from aucli.engine.me_data import InputCache, MEDataset, build_dataset, macro_bank
from aucli.engine.noise import perturb_training
from aucli.engine.protocols import Fold
from aucli.errors import AucliError, InputError


@dataclass
class Opened:
    """An opened ME dataset: its clips, classes and (once loaded) their inputs."""

    loader: Any
    name: str
    clips: list
    classes: list[str]
    bank: Any = None
    """The auxiliary macro-expression images and labels (lightman), or None."""
    data: MEDataset | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def subjects(self) -> list[str]:
        return [c.subject for c in self.clips]


class METask:
    """Micro-expression recognition runs (baseline-me, mmmst, lightman)."""

    def open(self, config: Any) -> Opened:
        run = config.run
        loader = open_dataset(run.dataset, run.root, run.options)
        clips = loader.clips()  # read and checked before anything is written
        if not clips:
            raise AucliError(f"{run.dataset}: no clips under {run.root}")
        classes = list(loader.classes)
        subjects = sorted({c.subject for c in clips})
        meta = {"num_outputs": len(classes), "classes": classes, "subjects": subjects,
                "task": "me", "dataset": run.dataset}
        return Opened(loader, run.dataset, clips, classes, _aux_bank(config, classes), meta=meta)

    def load(self, opened: Opened, config: Any, out_dir: Path) -> None:
        from aucli.progress import progress_bar

        cache = InputCache(config.run.cache or out_dir / "cache", config.input)
        with progress_bar("clip inputs", len(opened.clips), transient=True) as bar:
            opened.data = build_dataset(opened.clips, opened.classes, opened.meta["subjects"],
                                        cache, lambda n: bar.update(completed=n))

    def fold_data(self, opened: Opened, fold: Fold, config: Any, views: int) -> FoldData:
        data = opened.data
        index = {s: i for i, s in enumerate(opened.meta["subjects"])}
        held = np.isin(data.subjects.numpy(), [index[s] for s in fold.test])
        train_idx = np.flatnonzero(~held)
        keep, labels = perturb_training(data.labels.numpy()[train_idx], len(opened.classes),
                                        config.robustness, fold.index)
        train = data.subset(train_idx[keep]).with_labels(labels)
        opened.meta.update(fold=fold.index, test_subjects=list(fold.test))
        return FoldData(train, None, data.subset(np.flatnonzero(held)),
                        train_config=replace(config.train, num_workers=0))  # clips are in memory

    def test_fold(self, opened: Opened, fold: Fold, data: FoldData, fold_dir: Path, method: Any,
                  config: Any, device: Any) -> dict[str, Any]:
        if not fold.test:
            return {}
        probs = predict(method, data.test, config.train.batch_size, device)
        rows = np.flatnonzero(np.isin([c.subject for c in opened.clips], fold.test))
        write_parquet(fold_table(opened.clips, opened.classes, rows, probs),
                      fold_dir / "predictions.parquet")
        return {}

    def pool(self, opened: Opened, out_dir: Path, results: list[dict[str, Any]]) -> dict[str, Any]:
        return pool_folds(out_dir, out_dir, opened.classes, opened.meta["subjects"])


def _aux_bank(config: Any, classes: list[str]) -> Any:
    from aucli.engine.recipe import method_class

    method = config.run.method
    if not method_class(method).aux_kind:
        return None
    if not config.aux.dataset:
        print(f"warning: {method} trains without its auxiliary branch (no aux.dataset given)",
              file=sys.stderr)
        return None
    if not config.aux.root:
        raise AucliError(f"{method} uses {config.aux.dataset} as auxiliary data: give "
                         f"--aux-dataset {config.aux.dataset} --aux-root ROOT (or "
                         "--set aux.dataset='\"\"' to train without it)")
    loader = open_dataset(config.aux.dataset, config.aux.root, config.aux.options)
    return macro_bank(loader, classes, dict(config.aux.map), config.input.size,
                      config.aux.per_class)


def predict(method: Any, data: MEDataset, batch_size: int, device: Any) -> np.ndarray:
    """Class probabilities [N, K] of a trained method (one plain forward pass per batch)."""
    import torch

    method.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            batch = data.batch(np.arange(start, min(start + batch_size, len(data))))
            batch = {k: v.to(device) for k, v in batch.items()}
            out.append(method.predict(batch).float().softmax(-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, method.num_outputs), np.float32)


def fold_table(clips: list, classes: list[str], rows: np.ndarray, probs: np.ndarray):
    """subject, y_true, y_pred, dataset, clip, p_<class> of the clips ``rows``."""
    import pyarrow as pa

    sel = [clips[i] for i in rows]
    cols = {
        "subject": [c.subject for c in sel], "y_true": [c.label for c in sel],
        "y_pred": [classes[i] for i in probs.argmax(1)], "dataset": [c.dataset for c in sel],
        "clip": [c.clip for c in sel],
    }
    cols.update({f"p_{c}": probs[:, k].astype(np.float32) for k, c in enumerate(classes)})
    return pa.table(cols)


def write_parquet(table: Any, path: Path) -> None:
    from aucli.extract.parquet import write_table_atomic

    write_table_atomic(table, path)


def pool_folds(run_dir: Path, out_dir: Path, classes: list[str],
               subjects: list[str]) -> dict[str, Any]:
    """Pool ``run_dir/folds/<subject>/predictions.parquet`` -> out_dir's predictions and report."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from aucli.engine.me_report import write_report

    missing = [s for s in subjects if not (run_dir / "folds" / s / "predictions.parquet").is_file()]
    if missing:
        raise InputError(f"{run_dir}: folds {missing[:5]} have no predictions.parquet; finish the "
                         "run with aucli train ... --resume")
    pooled = pa.concat_tables([pq.read_table(run_dir / "folds" / s / "predictions.parquet")
                               for s in subjects])
    out_dir.mkdir(parents=True, exist_ok=True)
    write_parquet(pooled, out_dir / "predictions.parquet")
    return write_report(pooled.to_pydict(), classes, out_dir)


def rescore(run_dir: Path, config: Any, out_dir: Path, device: Any = "cpu") -> dict[str, Any]:
    """Score a finished LOSO run again without training: each fold's kept ``best.pt`` predicts
    its held-out subject's clips (inputs from the run's cache), else the fold's saved
    predictions are reused; pooled into ``out_dir``."""
    import pyarrow.parquet as pq

    from aucli.engine.protocols import LeaveOneSubjectOut
    from aucli.methods.checkpoint import build_method

    task = METask()
    opened = task.open(config)
    folds = LeaveOneSubjectOut().folds(opened.loader, opened.name, opened.subjects)
    if any((run_dir / "folds" / f.name / "best.pt").is_file() for f in folds):
        task.load(opened, config, run_dir)
    for fold in folds:
        src = run_dir / "folds" / fold.name
        if (src / "best.pt").is_file():
            data = task.fold_data(opened, fold, config, 1)
            method = build_method(src / "best.pt", device)
            task.test_fold(opened, fold, data, out_dir / "folds" / fold.name, method, config, device)
        elif (src / "predictions.parquet").is_file():
            write_parquet(pq.read_table(src / "predictions.parquet"),
                          out_dir / "folds" / fold.name / "predictions.parquet")
    return pool_folds(out_dir, out_dir, opened.classes, opened.meta["subjects"])
