"""The ``aucli datasets check`` report: counts, fold sizes and problems, from a scan."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np

from aucli.data.items import AUSample, MEClip, Problem
from aucli.data.splits import loso_folds

if TYPE_CHECKING:
    from aucli.data.base import Loader

MAX_PROBLEMS = 200  # a broken root can produce one problem per frame; the count stays exact


def report(loader: Loader, items: list[Any], problems: list[Problem]) -> dict[str, Any]:
    """``{"dataset", "root", "subjects", "sequences", "items", "labels", "folds", "problems"}``.

    ``ok`` is false when a problem is fatal, i.e. when ``samples()`` / ``clips()`` would refuse.
    """
    subjects = sorted({i.subject for i in items})
    build = _me_labels if loader.kind == "me" else _au_labels
    out: dict[str, Any] = {
        "dataset": loader.name,
        "kind": loader.kind,
        "root": str(loader.root),
        "subjects": subjects,
        "sequences": len({(i.subject, _sequence(i)) for i in items}),
        "items": len(items),
        "labels": build(loader, items),
        "folds": _folds(loader, items, subjects),
        "problems": [p.message for p in problems[:MAX_PROBLEMS]],
        "problem_count": len(problems),
        "ok": not any(p.fatal for p in problems),
    }
    if loader.kind == "me":
        out["frames"] = sum(len(c.frames) for c in items)
    return out


def _sequence(item: AUSample | MEClip) -> str:
    return item.clip if isinstance(item, MEClip) else item.sequence


def _au_labels(loader: Loader, items: list[AUSample]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if items and loader.aus:
        labels = np.stack([s.labels for s in items])  # [N, C]
        for j, au in enumerate(loader.aus):
            col = labels[:, j]
            out[f"AU{au:02d}"] = {
                "present": int((col == 1).sum()),
                "absent": int((col == 0).sum()),
                "unknown": int((col < 0).sum()),
            }
    classes = getattr(loader, "classes", ())
    if classes:
        counts = Counter(s.expression for s in items)
        out["expression"] = {name: counts.get(k, 0) for k, name in enumerate(classes)}
        out["expression"]["unlabelled"] = counts.get(-1, 0)
    return out


def _me_labels(loader: Loader, items: list[MEClip]) -> dict[str, int]:
    counts = Counter(c.label for c in items)
    return {name: counts.get(name, 0) for name in loader.classes}


def _folds(loader: Loader, items: list[Any], subjects: list[str]) -> dict[str, Any]:
    per_subject = Counter(i.subject for i in items)
    folds = loader.fold_subjects(subjects)
    if not folds and loader.kind == "me":
        return {"loso": len(loso_folds(subjects))}
    if not folds:
        splits = Counter(getattr(i, "split", "") for i in items)
        return {name: count for name, count in splits.items() if name}
    reference = loader.reference_test_items()
    out = {}
    for name, (train, test) in folds.items():
        out[name] = {
            "train_subjects": sum(s in per_subject for s in train),
            "test_subjects": sum(s in per_subject for s in test),
            "train_items": sum(per_subject[s] for s in train),
            "test_items": sum(per_subject[s] for s in test),
        }
        if name in reference:
            out[name]["reference_test_items"] = reference[name]
    return out


def unknown_subjects(found: list[str], known: list[str], dataset: str) -> list[Problem]:
    """A problem for each subject folder that no published fold lists."""
    known_set = set(known)
    return [Problem(f"unknown subject {s} (in no {dataset} fold)") for s in found
            if s not in known_set]


def missing_images(where: str, missing: list) -> list[Problem]:
    """One problem for the labelled items of ``where`` that have no image ([] when none)."""
    if not missing:
        return []
    return [Problem(f"{where}: {len(missing)} labelled items have no image (first: {missing[:5]})")]
