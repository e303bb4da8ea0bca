"""Evaluation protocols as data: subject folds, LOSO, the 442-clip MEGC2019 list.

The subject lists ship with the package (``aucli/data/protocols/``) exactly as published:
BP4D and DISFA 3-fold parts (JAA-Net = ME-GraphAU = AUNCE), BP4D FERA-2015 train/devel
(``find_BP4D.m``) and the MEGC2019 composite list (STSTNet ``video442subName.txt``, HTNet CSV).
"""

from __future__ import annotations

import csv
import json
import random
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from aucli.errors import InputError

_THREE_FOLD = {"bp4d": "BP4D", "disfa": "DISFA"}
_PROTOCOLS = {("bp4d", "fera2015"): ("BP4D_FERA2015", "train", "devel")}
MEGC2019_CLASSES = ("negative", "positive", "surprise")  # STSTNet / HTNet codes 0, 1, 2


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    """The packaged ``splits.json``."""
    text = resources.files("aucli.data").joinpath("protocols/splits.json").read_text("utf-8")
    return json.loads(text)


def parts(dataset: str) -> dict[str, list[str]]:
    """The published subject parts of a 3-fold dataset (``part1``..``part3``)."""
    return {k: list(v) for k, v in spec()[_three_fold_key(dataset)]["parts"].items()}


def fold_names(dataset: str) -> list[str]:
    """``["fold1", "fold2", "fold3"]`` for a 3-fold dataset."""
    return list(spec()[_three_fold_key(dataset)]["folds"])


def fold_subjects(dataset: str, fold: str | int) -> tuple[list[str], list[str]]:
    """(train subjects, test subjects) of one published fold: ``fold`` is 1..3 or ``"fold1"``."""
    entry = spec()[_three_fold_key(dataset)]
    name = f"fold{fold}" if isinstance(fold, int) or str(fold).isdigit() else str(fold)
    if name not in entry["folds"]:
        raise InputError(f"{dataset} has folds {', '.join(entry['folds'])}, not {fold!r}")
    fold_def, groups = entry["folds"][name], entry["parts"]
    train = [s for part in fold_def["train"] for s in groups[part]]
    return train, list(groups[fold_def["test"]])


def protocol_subjects(dataset: str, protocol: str | int) -> tuple[list[str], list[str]]:
    """(train, test) subjects of a named protocol: ``"fera2015"`` (train, devel) or a fold."""
    key = (dataset.lower(), str(protocol).lower())
    if key in _PROTOCOLS:
        section, train, test = _PROTOCOLS[key]
        return list(spec()[section][train]), list(spec()[section][test])
    if dataset.lower() in _THREE_FOLD:
        return fold_subjects(dataset, protocol)
    known = sorted({f"{d}:{p}" for d, p in _PROTOCOLS} | {f"{d}:fold1..3" for d in _THREE_FOLD})
    raise InputError(f"no protocol {protocol!r} for {dataset!r} (known: {', '.join(known)})")


def loso_folds(subjects: list[str]) -> list[tuple[list[str], list[str]]]:
    """Leave-one-subject-out: one (train, [held-out]) pair per unique subject, sorted."""
    unique = sorted(set(subjects))
    return [([s for s in unique if s != held], [held]) for held in unique]


def kfold_subjects(subjects: list[str], k: int, fold: int, seed: int = 0,
                   ) -> tuple[list[str], list[str]]:
    """A subject-exclusive k-fold (BP4D+, GFT have no published lists): fold 1..k, seeded."""
    unique = sorted(set(subjects))
    if not 1 <= fold <= k <= len(unique):
        raise InputError(f"cannot take fold {fold} of {k} over {len(unique)} subjects")
    random.Random(seed).shuffle(unique)
    test = unique[fold - 1::k]
    return sorted(set(unique) - set(test)), sorted(test)


def megc2019_list(path: str | Path | None = None) -> list[dict[str, str]]:
    """The MEGC2019 composite sample list: dicts with dataset, subject, clip, label.

    ``path`` defaults to the packaged 442-clip list; HTNet's CSV (``dataset,sub,filename_o,
    label`` with labels 0/1/2) is read as well. Dataset names are casme2, samm, smic.
    """
    if path is None:
        source = resources.files("aucli.data").joinpath("protocols/megc2019_composite_442.csv")
        text = source.read_text("utf-8")
        where = "megc2019_composite_442.csv"
    else:
        path = Path(path)
        if not path.is_file():
            raise InputError(f"MEGC2019 sample list not found: {path}")
        text, where = path.read_text("utf-8-sig"), str(path)
    return [_megc_row(row, where) for row in csv.DictReader(text.splitlines())]


def _megc_row(row: dict[str, str], where: str) -> dict[str, str]:
    try:
        label = row["label"].strip()
        if label.isdigit():
            label = MEGC2019_CLASSES[int(label)]
        return {
            "dataset": row["dataset"].strip().lower(),
            "subject": (row.get("subject") or row["sub"]).strip(),
            "clip": (row.get("clip") or row["filename_o"]).strip(),
            "label": label,
        }
    except (KeyError, IndexError, AttributeError):
        raise InputError(f"{where}: row {row} is not dataset,subject,clip,label") from None


def _three_fold_key(dataset: str) -> str:
    try:
        return _THREE_FOLD[dataset.lower()]
    except KeyError:
        raise InputError(
            f"{dataset!r} has no published 3-fold split (known: {', '.join(_THREE_FOLD)})"
        ) from None
