"""A training run from names: method + dataset + fold -> datasets, method, ``fit``, evaluation.

What ``aucli train`` does, as functions the tests call too. The resolved config (written to
``RUN/config.toml`` and into every checkpoint) has four tables: ``train`` (TrainConfig), ``data``
(DataConfig), ``method`` (the method's own config) and ``dataset`` (names, roots, fold).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from aucli.config import ConfigError, dumps, from_dict, to_dict
from aucli.data.base import AUSample
from aucli.engine.data import DataConfig, FrameDataset, WeightedCollate, split_validation
from aucli.engine.trainer import TrainConfig
from aucli.errors import AucliError, InputError


@dataclass(frozen=True)
class Split:
    """A dataset loader and the subjects of one fold / protocol."""

    loader: Any
    name: str
    train: list[AUSample]
    test: list[AUSample]
    fold: int | None


def resolve_config(method: str, data: dict[str, Any], aus: tuple[int, ...] = ()) -> dict[str, Any]:
    """Validate a run config dict against the schemas and fill every default (and what the
    method derives from the dataset's AUs or a cascaded checkpoint)."""
    from aucli.methods import METHODS

    cls = METHODS.get(method)
    unknown = set(data) - {"train", "data", "method", "dataset", "method_name", "inputs"}
    if unknown:
        raise ConfigError(f"unknown config table(s) {sorted(unknown)}; use train, data, method")
    if data.get("method_name", method) != method:
        raise ConfigError(f"this config is for method {data['method_name']!r}, not {method!r}")
    return {
        "method_name": method,
        "train": to_dict(from_dict(TrainConfig, data.get("train"), "train.")),
        "data": to_dict(from_dict(DataConfig, data.get("data"), "data.")),
        "method": to_dict(from_dict(cls.config_class, cls.complete_config(
            dict(data.get("method") or {}), tuple(aus)), "method.")),
        "dataset": dict(data.get("dataset", {})),
        "inputs": dict(data.get("inputs", {})),  # what the run starts from (weights, alignment)
    }


def subjects_of(loader: Any, name: str, subjects: list[str], fold: int | None,
                protocol: str | None) -> tuple[list[str], list[str]]:
    """(train, test) subjects: the loader's own folds first, then aucli.data.splits."""
    if fold is not None:
        own = getattr(loader, "fold_subjects", None)
        folds = own(subjects) if own else {}
        if f"fold{fold}" in folds:
            return folds[f"fold{fold}"]
        from aucli.data.splits import fold_subjects  # real benchmarks (the published parts)

        return fold_subjects(name, fold)
    if protocol:
        from aucli.data.splits import protocol_subjects

        return protocol_subjects(name, protocol)
    raise InputError("give --fold K or --protocol P")


def load_split(name: str, root: str | Path, fold: int | None = None,
               protocol: str | None = None) -> Split:
    from aucli.data import DATASETS

    loader = DATASETS.get(name)(root)
    samples = loader.samples()
    if not samples:
        raise InputError(f"{name}: no labelled samples under {root}")
    train_s, test_s = subjects_of(loader, name, [s.subject for s in samples], fold, protocol)
    train_set, test_set = set(train_s), set(test_s)
    if train_set & test_set:
        raise AucliError(f"{name}: train and test subjects overlap: {sorted(train_set & test_set)}")
    train = [s for s in samples if s.subject in train_set]
    test = [s for s in samples if s.subject in test_set]
    if not train:
        raise InputError(f"{name}: no training samples for this fold under {root}")
    return Split(loader, name, train, test, fold)


def build_datasets(split: Split, data_cfg: DataConfig, views: int, seed: int,
                   aux: tuple[Any, list[AUSample]] | None = None):
    """(train, val, test) FrameDatasets and the collate with training class weights.

    Validation holds out whole training subjects (``data.val_fraction``); auxiliary samples join
    the training set only.
    """
    aus = tuple(split.loader.aus)
    train, val = split_validation(split.train, data_cfg.val_fraction, seed)
    subjects = sorted({s.subject for s in split.train + split.test})
    readers = [split.loader.read_image]
    names = [split.name, getattr(aux[0], "name", "aux") if aux else "aux"]
    sources = [0] * len(train)
    samples = list(train)
    if aux is not None:
        readers.append(aux[0].read_image)
        samples += aux[1]
        sources += [1] * len(aux[1])

    landmarks_for = getattr(split.loader, "landmarks_for", None)  # a prepared cache has them

    def make(items, is_train, src=None):
        landmarks = landmarks_for(items) if landmarks_for else None
        return FrameDataset(items, readers, len(aus), subjects, data_cfg, is_train,
                            views if is_train else 1, src, seed, names, landmarks)

    labels = np.stack([s.labels for s in train])
    from aucli.metrics import class_weights

    collate = WeightedCollate(class_weights(labels, labels >= 0))
    return make(samples, True, sources), make(val, False), make(split.test, False), collate


def write_config(run_dir: Path, config: dict[str, Any]) -> None:
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.toml").write_text(dumps(config), encoding="utf-8")


def train_run(method_name: str, config: dict[str, Any], split: Split, run_dir: str | Path,
              aux: tuple[Any, list[AUSample]] | None = None, device: str = "auto",
              resume: bool = False):
    """Resolve the config, build datasets and the method, ``fit``, then score the test fold.

    Returns (FitResult, test metrics or {} when the split has no test subjects).
    """
    from aucli.engine.evaluate import au_validate, evaluate_split
    from aucli.engine.trainer import (RunInfo, fit, is_main_process, resolve_device,
                                      seed_everything)
    from aucli.engine.pretrained import settle_weights
    from aucli.methods import METHODS

    cls = METHODS.get(method_name)
    if cls.aux_kind and aux is None:
        raise InputError(f"{method_name} trains with an auxiliary {cls.aux_kind} dataset: "
                         "give --aux-dataset NAME --aux-root ROOT")
    config = resolve_config(method_name, config, tuple(split.loader.aus))
    config = settle_weights(config, lambda line: print(line, file=sys.stderr))
    train_cfg = from_dict(TrainConfig, config["train"])
    data_cfg = from_dict(DataConfig, config["data"])
    seed_everything(train_cfg.seed)  # initial weights are part of a seeded run
    method = cls(from_dict(cls.config_class, config["method"]), len(split.loader.aus))
    train, val, test, collate = build_datasets(split, data_cfg, method.views, train_cfg.seed, aux)
    run_dir = Path(run_dir)
    write_config(run_dir, config)
    meta = {"num_outputs": len(split.loader.aus), "aus": list(split.loader.aus), "task": cls.task,
            "subjects": train.subjects, "dataset": split.name,
            "fold": -1 if split.fold is None else split.fold}
    dev = resolve_device(device)
    result = fit(method, train, run_dir, RunInfo(method_name, config, meta), train_cfg, val,
                 au_validate, dev, resume, collate)
    metrics = {}
    if len(test) and is_main_process():
        metrics = evaluate_split(run_dir / "best.pt", test, collate, run_dir, split.fold,
                                 device=dev, batch_size=train_cfg.batch_size)
    return result, metrics


def run_name(method: str, dataset: str, fold: int | None, protocol: str | None) -> str:
    return f"{method}-{dataset}-" + (f"fold{fold}" if fold is not None else str(protocol))


def evaluate_checkpoint(checkpoint: str | Path, dataset: str, root: str | Path, fold: int | None,
                        protocol: str | None, out_dir: str | Path | None, probe: bool = False,
                        device: str = "auto", batch_size: int = 64, num_workers: int = 0,
                        save_embeddings: bool = False):
    """Score a checkpoint on a dataset's test subjects with the checkpoint's data settings.

    Returns (metrics, output directory)."""
    from aucli.methods.checkpoint import load_checkpoint, resolve_checkpoint
    from aucli.engine.evaluate import evaluate_split
    from aucli.methods.runtime import resolve_device

    path = resolve_checkpoint(checkpoint)
    ckpt = load_checkpoint(path)
    split = load_split(dataset, root, fold, protocol)
    if tuple(split.loader.aus) != tuple(ckpt["meta"]["aus"]):
        raise InputError(f"the checkpoint predicts AUs {ckpt['meta']['aus']} but {dataset} has "
                         f"{list(split.loader.aus)}")
    if not split.test:
        raise InputError(f"{dataset}: no test samples for this fold under {root}")
    data_cfg = from_dict(DataConfig, ckpt["config"]["data"])
    subjects = sorted({s.subject for s in split.test})
    landmarks_for = getattr(split.loader, "landmarks_for", None)
    test = FrameDataset(split.test, [split.loader.read_image], len(split.loader.aus), subjects,
                        data_cfg, train=False,
                        landmarks=landmarks_for(split.test) if landmarks_for else None)
    out = Path(out_dir) if out_dir else path.parent / f"eval-{run_name('', dataset, fold, protocol)[1:]}"
    metrics = evaluate_split(path, test, WeightedCollate(None), out, fold, resolve_device(device),
                             batch_size, probe, num_workers, save_embeddings)
    return metrics, out
