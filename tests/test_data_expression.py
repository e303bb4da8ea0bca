"""Macro-expression / auxiliary loaders (DATASETS.md 3, 6)."""

from __future__ import annotations

import numpy as np

from aucli.data import DATASETS
from tests.data_fixtures import make_affectnet, make_ckplus, make_rafau, make_rafdb


def test_ckplus_peak_and_neutral_frames_and_facs(tmp_path):
    make_ckplus(tmp_path)
    loader = DATASETS.get("ck+")(tmp_path)
    samples = {(s.subject, s.sequence, s.frame): s for s in loader.samples()}
    assert ("S010", "004", 5) not in samples  # no emotion file
    peak = samples[("S005", "001", 4)]
    assert peak.expression == 3 and loader.classes[3] == "disgust"
    present = {au for au, v in zip(loader.aus, peak.labels) if v == 1}
    assert present == {1, 4, 9}  # intensity 0 means present, not scored
    neutral = samples[("S005", "001", 1)]
    assert neutral.expression == 0 and not neutral.labels.any()
    assert any("1 sequences have no emotion file" in p for p in loader.check()["problems"])
    strict = DATASETS.get("ck+")(tmp_path, facs_present_above=1.0).samples()
    peak = next(s for s in strict if (s.subject, s.frame) == ("S005", 4))
    assert {au for au, v in zip(loader.aus, peak.labels) if v == 1} == {1, 9}  # OpenGraphAU rule
    kept = DATASETS.get("ck+")(tmp_path, require_emotion=False, neutral_first=False).samples()
    assert {(s.subject, s.sequence): s.expression for s in kept}[("S010", "004")] == -1


def test_rafdb_codes_split_and_missing_image(tmp_path):
    info = make_rafdb(tmp_path)
    loader = DATASETS.get("rafdb")(tmp_path)
    samples = loader.samples()
    assert len(samples) == len(info["names"]) - 1
    for s, name, code in zip(samples, info["names"], info["codes"]):
        assert s.image.endswith(name.replace(".jpg", "_aligned.jpg"))
        assert s.expression == code - 1
        assert s.split == name.split("_")[0]
    assert loader.classes[0] == "surprise" and loader.classes[6] == "neutral"
    assert "test_0003_aligned.jpg" in loader.check()["problems"][0]


def test_rafau_tokens_null_and_zero_fill(tmp_path):
    make_rafau(tmp_path)
    loader = DATASETS.get("rafau")(tmp_path)
    samples = {s.subject: s for s in loader.samples()}
    assert set(samples) == {"0001", "0003", "0004"}  # null dropped, '4.jpg' -> 0004

    def present(s):
        return {au for au, v in zip(loader.aus, s.labels) if v == 1}

    assert present(samples["0001"]) == {1, 2, 25}
    assert present(samples["0003"]) == {12, 4}
    assert present(samples["0004"]) == {6, 12, 14}  # 99 is not a RAF-AU AU
    kept = DATASETS.get("rafau")(tmp_path, keep_null=True).samples()
    assert any(s.subject == "0002" and not s.labels.any() for s in kept)


def test_affectnet_lists_and_class_protocols(tmp_path):
    info = make_affectnet(tmp_path)
    eight = DATASETS.get("affectnet")(tmp_path).samples()
    assert [(s.split, s.expression) for s in eight] == [
        ("train" if name == "training.csv" else "validation", code)
        for name, _, code in info["rows"] if code < 8]
    seven = DATASETS.get("affectnet")(tmp_path, num_classes=7).samples()
    assert all(s.expression < 7 for s in seven) and len(seven) < len(eight)
    assert np.all([s.labels.size == 0 for s in eight])
