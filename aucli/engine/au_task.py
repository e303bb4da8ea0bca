"""AU runs: frames of an AU dataset -> FrameDatasets of one fold -> per-AU scores of its test set.

The runner (``aucli.engine.runner``) calls ``open`` (read and check the dataset and the
auxiliary set; nothing is written), ``fold_data`` (train / validation / test sets; validation
holds out whole training subjects, ``data.val_fraction``) and ``test_fold`` (score the fold's
``best.pt``: ``metrics.json``, ``predictions.parquet``). ``evaluate_checkpoint`` is
``aucli evaluate`` on an AU checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from aucli.data.base import AUSample
from aucli.engine.data import DataConfig, FrameDataset, WeightedCollate, split_validation
from aucli.engine.protocols import Fold, protocol_for
from aucli.errors import InputError


@dataclass(frozen=True)
class Split:
    """A dataset loader and the samples of one fold / protocol."""

    loader: Any
    name: str
    train: list[AUSample]
    test: list[AUSample]
    fold: int | None


@dataclass
class Opened:
    """An opened AU dataset: its loader, labelled samples and (for mal) auxiliary samples."""

    loader: Any
    name: str
    samples: list[AUSample]
    aux: tuple[Any, list[AUSample]] | None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def subjects(self) -> list[str]:
        return [s.subject for s in self.samples]

    @property
    def aus(self) -> tuple[int, ...]:
        return tuple(self.loader.aus)


@dataclass
class FoldData:
    """What the trainer needs for one fold."""

    train: Any
    val: Any
    test: Any
    collate: Any = None
    validate: Any = None
    train_config: Any = None


def open_dataset(name: str, root: str | Path, options: dict[str, Any] | None = None) -> Any:
    from aucli.data import DATASETS

    return DATASETS.get(name)(root, **(options or {}))


def aux_training_samples(loader: Any) -> list[AUSample]:
    """An auxiliary expression set's training samples: its own test partition is left out."""
    return [s for s in loader.samples() if getattr(s, "split", "") != "test"]


class AUTask:
    """Frame-level AU occurrence runs (baseline-au, marl, marl-t, mal, aunce)."""

    def open(self, config: Any) -> Opened:
        from aucli.engine.recipe import method_class

        run = config.run
        cls = method_class(run.method)
        if cls.aux_kind and not config.aux.dataset:
            raise InputError(f"{run.method} trains with an auxiliary {cls.aux_kind} dataset: "
                             "give --aux-dataset NAME --aux-root ROOT")
        loader = open_dataset(run.dataset, run.root, run.options)
        samples = loader.samples()
        if not samples:
            raise InputError(f"{run.dataset}: no labelled samples under {run.root}")
        aux = None
        if cls.aux_kind:
            aux_loader = open_dataset(config.aux.dataset, config.aux.root, config.aux.options)
            aux = (aux_loader, aux_training_samples(aux_loader))
        meta = {"num_outputs": len(loader.aus), "aus": list(loader.aus), "task": "au",
                "dataset": run.dataset}
        return Opened(loader, run.dataset, samples, aux, meta)

    def load(self, opened: Opened, config: Any, out_dir: Path) -> None:
        """AU frames are read lazily by the data loader; nothing to compute up front."""

    def fold_data(self, opened: Opened, fold: Fold, config: Any, views: int) -> FoldData:
        from aucli.engine.evaluate import au_validate

        split = split_of(opened, fold, config.run.fold or None)
        train, val, test, collate = build_datasets(split, config.data, views, config.train.seed,
                                                   opened.aux)
        opened.meta["subjects"] = train.subjects
        return FoldData(train, val, test, collate, au_validate, config.train)

    def test_fold(self, opened: Opened, fold: Fold, data: FoldData, fold_dir: Path, method: Any,
                  config: Any, device: Any) -> dict[str, Any]:
        from aucli.engine.evaluate import evaluate_split

        if not len(data.test):
            return {}
        return evaluate_split(fold_dir / "best.pt", data.test, data.collate, fold_dir,
                              config.run.fold or None, device=device,
                              batch_size=config.train.batch_size)

    def pool(self, opened: Opened, out_dir: Path, results: list[dict[str, Any]]) -> dict[str, Any]:
        if len(results) != 1:
            raise InputError("AU methods are scored per fold: give --fold K or a named protocol")
        return results[0]


def split_of(opened: Opened, fold: Fold, number: int | None) -> Split:
    train_set, test_set = set(fold.train), set(fold.test)
    train = [s for s in opened.samples if s.subject in train_set]
    test = [s for s in opened.samples if s.subject in test_set]
    if not train:
        raise InputError(f"{opened.name}: no training samples for {fold.name} under "
                         f"{getattr(opened.loader, 'root', '')}")
    return Split(opened.loader, opened.name, train, test, number)


def load_split(name: str, root: str | Path, fold: int | None = None,
               protocol: str | None = None) -> Split:
    """The samples of one published fold or named protocol of a dataset."""
    loader = open_dataset(name, root)
    samples = loader.samples()
    if not samples:
        raise InputError(f"{name}: no labelled samples under {root}")
    opened = Opened(loader, name, samples, None)
    part = protocol_for(protocol or "folds", fold or 0).folds(loader, name, opened.subjects)[0]
    return split_of(opened, part, fold)


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


def evaluate_checkpoint(checkpoint: str | Path, dataset: str, root: str | Path, fold: int | None,
                        protocol: str | None, out_dir: str | Path | None, probe: bool = False,
                        device: str = "auto", batch_size: int = 64, num_workers: int = 0,
                        save_embeddings: bool = False) -> tuple[dict[str, Any], Path]:
    """Score a checkpoint on a dataset's test subjects with the checkpoint's data settings.

    Returns (metrics, output directory)."""
    from aucli.config import from_dict
    from aucli.engine.evaluate import evaluate_split
    from aucli.engine.protocols import run_name
    from aucli.methods.checkpoint import load_checkpoint, resolve_checkpoint
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
    tag = run_name("", dataset, protocol or "folds", fold or 0)[1:]
    out = Path(out_dir) if out_dir else path.parent / f"eval-{tag}"
    metrics = evaluate_split(path, test, WeightedCollate(None), out, fold, resolve_device(device),
                             batch_size, probe, num_workers, save_embeddings)
    return metrics, out

