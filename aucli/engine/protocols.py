"""Evaluation protocols as strategies the runner is given: which subjects train and test.

``folds`` is a dataset's published fold K (BP4D/DISFA 3-fold), a named protocol (``fera2015``)
is a fixed train/test partition, and ``loso`` holds out each subject in turn (the ME protocol,
DATASETS.md §4.3). A single-partition protocol trains in the run folder itself; LOSO trains each
fold in ``RUN/folds/<subject>/`` and pools the predictions at ``RUN``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aucli.errors import AucliError, InputError


@dataclass(frozen=True)
class Fold:
    """One train/test partition of the subjects."""

    index: int
    """Position in the protocol (seeds per-fold draws such as label noise)."""
    name: str
    """fold<K>, the protocol name, or the held-out subject."""
    train: tuple[str, ...]
    test: tuple[str, ...]


@dataclass(frozen=True)
class PublishedFold:
    """The dataset's published fold K: the loader's own folds first, then aucli.data.splits."""

    fold: int
    per_fold_dirs = False

    @property
    def name(self) -> str:
        return f"fold{self.fold}"

    def folds(self, loader: Any, dataset: str, subjects: list[str]) -> list[Fold]:
        own = getattr(loader, "fold_subjects", None)
        table = own(subjects) if own else {}
        if self.name in table:
            train, test = table[self.name]
        else:
            from aucli.data.splits import fold_subjects

            train, test = fold_subjects(dataset, self.fold)
        return [_checked(Fold(0, self.name, tuple(train), tuple(test)), dataset)]


@dataclass(frozen=True)
class NamedProtocol:
    """A fixed train/test partition from aucli.data.splits (e.g. fera2015)."""

    name: str
    per_fold_dirs = False

    def folds(self, loader: Any, dataset: str, subjects: list[str]) -> list[Fold]:
        from aucli.data.splits import protocol_subjects

        train, test = protocol_subjects(dataset, self.name)
        return [_checked(Fold(0, self.name, tuple(train), tuple(test)), dataset)]


@dataclass(frozen=True)
class LeaveOneSubjectOut:
    """One fold per subject, every other subject trains; predictions pooled before scoring."""

    name = "loso"
    per_fold_dirs = True

    def folds(self, loader: Any, dataset: str, subjects: list[str]) -> list[Fold]:
        unique = sorted(set(subjects))
        return [Fold(i, s, tuple(x for x in unique if x != s), (s,)) for i, s in enumerate(unique)]


def _checked(fold: Fold, dataset: str) -> Fold:
    overlap = set(fold.train) & set(fold.test)
    if overlap:
        raise AucliError(f"{dataset}: train and test subjects overlap: {sorted(overlap)}")
    return fold


def protocol_for(protocol: str, fold: int = 0) -> PublishedFold | NamedProtocol | LeaveOneSubjectOut:
    """The strategy ``run.protocol`` / ``run.fold`` name."""
    if protocol == "loso":
        return LeaveOneSubjectOut()
    if protocol in ("folds", "") and fold > 0:
        return PublishedFold(fold)
    if protocol and protocol != "folds":
        return NamedProtocol(protocol)
    raise InputError("give --fold K or --protocol P")


def run_name(method: str, dataset: str, protocol: str, fold: int = 0) -> str:
    """The run folder's name: METHOD-DATASET-fold<K> or METHOD-DATASET-<protocol>."""
    return f"{method}-{dataset}-" + (f"fold{fold}" if protocol in ("folds", "") else protocol)
