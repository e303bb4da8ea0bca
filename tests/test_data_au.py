"""AU loaders against fixtures that copy the release layouts and their quirks (DATASETS.md 6)."""

from __future__ import annotations

import numpy as np
import pytest

from aucli.data import DATASETS
from aucli.errors import InputError
from tests.data_fixtures import (make_affwild2, make_bp4d, make_bp4dplus, make_disfa, make_gft)


def _by_key(samples, key=lambda s: (s.subject, s.sequence, s.frame)):
    return {key(s): s for s in samples}


def test_bp4d_labels_frames_zip_and_intensity(tmp_path):
    info = make_bp4d(tmp_path)
    loader = DATASETS.get("bp4d")(tmp_path)
    samples = _by_key(loader.samples())
    expected = {k: v for k, v in info["labels"].items() if k not in info["missing"]}
    assert set(samples) == set(expected)
    assert min(f for _, _, f in samples) == 643  # coded segment starts at 643, not 1
    for key, labels in expected.items():
        np.testing.assert_array_equal(samples[key].labels, labels)
        np.testing.assert_array_equal(samples[key].intensity, info["intensity"][key])
    assert any((s.labels == -1).any() for s in samples.values()), "9 must become -1"
    assert samples[("F001", "T1", 644)].image == str(tmp_path / "F001/T1/0644.jpg")  # padded
    assert samples[("M011", "T1", 643)].image == str(tmp_path / "M011/T1/643.jpg")  # unpadded
    assert samples[("F007", "T2", 643)].image == f"{tmp_path / '2D+3D/F007.zip'}::F007/T2/0643.jpg"
    zipped = next(s for s in samples.values() if "::" in s.image)
    assert loader.read_image(zipped).shape == (32, 32, 3)


def test_bp4d_reports_missing_frames_and_unknown_subjects(tmp_path):
    make_bp4d(tmp_path, subjects=("F001", "X999"))
    report = DATASETS.get("bp4d")(tmp_path).check()
    assert report["ok"]
    assert any("F001/T1: 1 labelled items have no image" in p for p in report["problems"])
    assert any("unknown subject X999" in p for p in report["problems"])
    assert report["folds"]["fold1"]["test_subjects"] == 0  # F001 is in part1 = fold3's test
    assert report["folds"]["fold3"]["test_subjects"] == 1
    assert report["folds"]["fold1"]["reference_test_items"] == 46034  # ME-GraphAU's full fold
    assert report["folds"]["fera2015"]["train_subjects"] == 1  # F001 is odd: FERA train


def test_bp4d_selects_au_columns_by_header_name(tmp_path):
    info = make_bp4d(tmp_path, subjects=("F001",), tasks=("T1",), missing_image=False)
    path = tmp_path / "AUCoding/AU_OCC/F001_T1.csv"
    rows = [line.split(",") for line in path.read_text().split()]
    order = [0] + list(range(len(rows[0]) - 1, 0, -1))  # frame first, AU columns reversed
    path.write_text("\n".join(",".join(r[i] for i in order) for r in rows) + "\n")
    for s in DATASETS.get("bp4d")(tmp_path).samples():
        np.testing.assert_array_equal(s.labels, info["labels"][(s.subject, s.sequence, s.frame)])


def test_bp4d_missing_image_folder_names_the_paths(tmp_path):
    make_bp4d(tmp_path, subjects=("F001",), tasks=("T1",))
    for image in (tmp_path / "F001" / "T1").iterdir():
        image.unlink()
    with pytest.raises(InputError, match=r"no frames for F001/T1: looked in .*F001/T1"):
        DATASETS.get("bp4d")(tmp_path).samples()


def test_bp4dplus_reads_au_columns_by_position(tmp_path):
    info = make_bp4dplus(tmp_path)
    loader = DATASETS.get("bp4d+")(tmp_path)
    samples = loader.samples()
    assert len(samples) == len(info["labels"])
    for s in samples:
        np.testing.assert_array_equal(s.labels, info["labels"][(s.subject, s.sequence, s.frame)])
        np.testing.assert_array_equal(s.intensity,
                                      info["intensity"][(s.subject, s.sequence, s.frame)])
    folds = loader.check()["folds"]
    assert all(v["train_subjects"] + v["test_subjects"] == 2 for v in folds.values())


@pytest.mark.parametrize("threshold", [2, 1])
def test_disfa_one_based_labels_meet_each_image_naming(tmp_path, threshold):
    def level(subject, frame, labels):  # brightness encodes the 1-based label frame
        return np.full((16, 16, 3), 20 * frame, np.uint8)

    info = make_disfa(tmp_path, image_fn=level, threshold=threshold)
    loader = DATASETS.get("disfa")(tmp_path, threshold=threshold)
    samples = loader.samples()
    assert len(samples) == len(info["labels"])
    names = {s.subject: s.image.rsplit("/", 1)[-1] for s in samples if s.frame == 1}
    assert names == {"SN001": "0.png", "SN013": "0.jpg", "SN003": "frame-1.jpg"}
    for s in samples:
        np.testing.assert_array_equal(s.labels, info["labels"][(s.subject, s.frame)])
        np.testing.assert_array_equal(s.intensity, info["intensity"][(s.subject, s.frame)])
        assert abs(float(loader.read_image(s).mean()) - 20 * s.frame) < 3


@pytest.mark.parametrize("width", [64, 48])  # 48: decord mis-strides it, OpenCV takes over
def test_disfa_frames_decoded_from_the_left_video(tmp_path, width):
    def level(subject, frame, labels):
        return np.full((32, width, 3), 25 * frame, np.uint8)

    info = make_disfa(tmp_path, subjects=("SN002",), n_frames=6, image_fn=level, video=True)
    loader = DATASETS.get("disfa")(tmp_path)
    samples = loader.samples()
    assert [s.frame for s in samples] == list(range(1, 7))
    assert samples[0].image.endswith("Videos_LeftCamera/LeftVideoSN002_comp.avi::0")
    for s in samples:
        np.testing.assert_array_equal(s.labels, info["labels"][(s.subject, s.frame)])
        image = loader.read_image(s)
        assert image.shape == (32, width, 3)
        assert abs(float(image.mean()) - 25 * s.frame) < 6


def test_disfa_missing_label_file_is_named(tmp_path):
    make_disfa(tmp_path, subjects=("SN001",))
    (tmp_path / "ActionUnit_Labels/SN001/SN001_au25.txt").unlink()
    with pytest.raises(InputError, match="SN001_au25.txt"):
        DATASETS.get("disfa")(tmp_path).samples()


def test_gft_partition_and_unknown_subject(tmp_path):
    info = make_gft(tmp_path)
    report = DATASETS.get("gft")(tmp_path).check()
    assert any("unknown subject 099X" in p for p in report["problems"])
    samples = DATASETS.get("gft")(tmp_path).samples()
    for s in samples:
        np.testing.assert_array_equal(s.labels, info["labels"][(s.subject, s.frame)])
        assert s.split == info["split"][s.subject]
    assert report["folds"] == {"train": 10, "test": 5}


def test_affwild2_masks_minus_one_and_skips_missing_images(tmp_path):
    info = make_affwild2(tmp_path)
    loader = DATASETS.get("affwild2")(tmp_path)
    samples = _by_key(loader.samples(), key=lambda s: (s.subject, s.frame))
    assert set(samples) == set(info["labels"])
    assert not set(info["all_unknown"]) & set(samples)
    assert not set(info["missing"]) & set(samples)
    partial = samples[("vid_left", 4)]
    assert partial.labels[4] == -1 and (partial.labels >= 0).sum() == 11
    assert {s.split for s in samples.values()} == {"train", "validation"}
    report = loader.check()
    assert any("vid_left: 1 labelled items have no image (first: [5])" in p
               for p in report["problems"])
    strict = DATASETS.get("affwild2")(tmp_path, drop_partial=True).samples()
    assert all((s.labels >= 0).all() for s in strict)


def test_affwild2_wrong_header_is_named(tmp_path):
    make_affwild2(tmp_path)
    path = tmp_path / "AU_Detection_Challenge/Validation_Set/118.txt"
    path.write_text(path.read_text().replace("AU1,", "AU3,", 1))
    with pytest.raises(InputError, match="118.txt: header"):
        DATASETS.get("affwild2")(tmp_path).samples()
