"""Protocols as data: the exact published subject lists (DATASETS.md 1.1, 1.3, 2.4)."""

from __future__ import annotations

from collections import Counter

import pytest

from aucli.data.splits import (fold_subjects, kfold_subjects, loso_folds, megc2019_list, parts,
                               protocol_subjects)
from aucli.errors import InputError

BP4D_PART1 = "F001 M007 F018 F008 F002 M004 F010 F009 M012 M001 F016 M014 F023 M008".split()
BP4D_PART2 = "M011 F003 M010 M002 F005 F022 M018 M017 F013 M016 F020 F011 M013 M005".split()
BP4D_PART3 = "F007 F015 F006 F019 M006 M009 F012 M003 F004 F021 F017 M015 F014".split()
DISFA_PART1 = "SN002 SN010 SN001 SN026 SN027 SN032 SN030 SN009 SN016".split()
DISFA_PART2 = "SN013 SN018 SN011 SN028 SN012 SN006 SN031 SN021 SN024".split()
DISFA_PART3 = "SN003 SN029 SN023 SN025 SN008 SN005 SN007 SN017 SN004".split()


def test_bp4d_three_folds_exact():
    assert parts("bp4d") == {"part1": BP4D_PART1, "part2": BP4D_PART2, "part3": BP4D_PART3}
    assert fold_subjects("bp4d", 1) == (BP4D_PART1 + BP4D_PART2, BP4D_PART3)
    assert fold_subjects("bp4d", "fold2") == (BP4D_PART1 + BP4D_PART3, BP4D_PART2)
    assert fold_subjects("BP4D", "3") == (BP4D_PART2 + BP4D_PART3, BP4D_PART1)
    every = BP4D_PART1 + BP4D_PART2 + BP4D_PART3
    women, men = [f"F{i:03d}" for i in range(1, 24)], [f"M{i:03d}" for i in range(1, 19)]
    assert sorted(every) == women + men


def test_disfa_three_folds_exact():
    assert fold_subjects("disfa", 1) == (DISFA_PART1 + DISFA_PART2, DISFA_PART3)
    assert fold_subjects("disfa", 2) == (DISFA_PART1 + DISFA_PART3, DISFA_PART2)
    assert fold_subjects("disfa", 3) == (DISFA_PART2 + DISFA_PART3, DISFA_PART1)
    every = set(DISFA_PART1 + DISFA_PART2 + DISFA_PART3)
    absent = {"SN014", "SN015", "SN019", "SN020", "SN022"}
    assert every == {f"SN{i:03d}" for i in range(1, 33)} - absent


def test_fera2015_odd_even_split():
    train, devel = protocol_subjects("bp4d", "fera2015")
    assert train == [f"F{i:03d}" for i in range(1, 24, 2)] + [f"M{i:03d}" for i in range(1, 18, 2)]
    assert devel == [f"F{i:03d}" for i in range(2, 23, 2)] + [f"M{i:03d}" for i in range(2, 19, 2)]
    assert protocol_subjects("bp4d", "fold1") == fold_subjects("bp4d", 1)


def test_unknown_fold_and_protocol_are_errors():
    with pytest.raises(InputError, match="fold1, fold2, fold3"):
        fold_subjects("bp4d", 4)
    with pytest.raises(InputError, match="no published 3-fold split"):
        fold_subjects("gft", 1)
    with pytest.raises(InputError, match="not 'fera2015'"):
        protocol_subjects("disfa", "fera2015")
    with pytest.raises(InputError, match="no protocol 'x' for 'casme2'"):
        protocol_subjects("casme2", "x")


def test_loso_holds_out_each_subject_once():
    folds = loso_folds(["s02", "s01", "s02", "s03"])
    assert folds == [(["s02", "s03"], ["s01"]), (["s01", "s03"], ["s02"]),
                     (["s01", "s02"], ["s03"])]


def test_kfold_is_subject_exclusive_and_seeded():
    subjects = [f"F{i:03d}" for i in range(10)]
    tests = [kfold_subjects(subjects, 3, f, seed=1)[1] for f in (1, 2, 3)]
    assert sorted(sum(tests, [])) == subjects
    assert kfold_subjects(subjects, 3, 1, seed=1) == kfold_subjects(subjects, 3, 1, seed=1)
    train, test = kfold_subjects(subjects, 3, 2, seed=1)
    assert not set(train) & set(test)


def test_megc2019_canonical_list():
    rows = megc2019_list()
    assert len(rows) == 442
    by_source = Counter(r["dataset"] for r in rows)
    assert by_source == {"casme2": 145, "smic": 164, "samm": 133}
    labels = {src: Counter(r["label"] for r in rows if r["dataset"] == src) for src in by_source}
    assert labels["casme2"] == {"negative": 88, "positive": 32, "surprise": 25}
    assert labels["smic"] == {"negative": 70, "positive": 51, "surprise": 43}
    assert labels["samm"] == {"negative": 92, "positive": 26, "surprise": 15}
    subjects = {r["subject"] for r in rows}
    assert len(subjects) == 68 and len(loso_folds([r["subject"] for r in rows])) == 68
    casme = {r["subject"] for r in rows if r["dataset"] == "casme2"}
    assert casme == {f"sub{i:02d}" for i in range(1, 27)} - {"sub10", "sub18"}
    samm = {r["subject"] for r in rows if r["dataset"] == "samm"}
    assert samm == {f"{i:03d}" for i in range(6, 38)} - {"008", "025", "027", "029"}
    smic = {r["subject"] for r in rows if r["dataset"] == "smic"}
    assert smic == {f"s{i:02d}" for i in range(1, 21)} - {"s07", "s10", "s16", "s17"}
    keys = {(r["dataset"], r["subject"], r["clip"]) for r in rows}
    assert ("casme2", "sub05", "EP12_03f") in keys  # meb drops it, the 442 list keeps it
