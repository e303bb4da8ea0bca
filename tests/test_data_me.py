"""Micro-expression loaders against fixtures copying the release layouts (DATASETS.md 2, 6)."""

from __future__ import annotations

import numpy as np
import pytest

from aucli.data import DATASETS
from aucli.data.files import frame_number
from aucli.data.splits import megc2019_list
from aucli.errors import InputError
from tests.data_fixtures import make_casme2, make_casme3, make_megc2019, make_samm, make_smic
from tests.data_fixtures.me import CASME2_DEFAULT


def _clips(loader):
    return {(c.subject, c.clip): c for c in loader.clips()}


def test_casme2_sheet_quirks_and_five_classes(tmp_path):
    info = make_casme2(tmp_path)
    loader = DATASETS.get("casme2")(tmp_path)
    clips = _clips(loader)
    assert loader.classes == ("happiness", "repression", "disgust", "surprise", "others")
    # fear is not in the 5-class protocol
    assert set(clips) == {k for k, v in info["clips"].items() if v["emotion"] != "fear"}
    for key, clip in clips.items():
        meta = info["clips"][key]
        assert (clip.onset, clip.offset, clip.emotion) == (meta["onset"], meta["offset"],
                                                            meta["emotion"])
        assert [frame_number(f) for f in clip.frames] == list(range(clip.onset, clip.offset + 1))
        assert "/Cropped/" in clip.frames[0]
        assert clip.frames[0].rsplit("/", 1)[-1].startswith("reg_img")
    slash = clips[("sub01", "EP19_05f")]
    assert slash.apex == 10 + (14 - 10) // 2  # '/' -> middle frame
    assert clips[("sub02", "EP01_11f")].aus == (12,)  # int cell
    assert clips[("sub02", "EP11_01")].aus == (12, 10)  # 'R12+L10'
    assert clips[("sub01", "EP19_05f")].aus == (4, 10)  # '4+L10'
    problems = loader.check()["problems"]
    assert any("EP19_05f: apex '/'" in p for p in problems)


def test_casme2_frames_sort_numerically_and_raw_folder(tmp_path):
    rows = ((4, "EP12_02f", 8, 9, 12, "4", "disgust"),)  # img8..img12: '10' < '8' as text
    make_casme2(tmp_path, rows=rows, cropped=False)
    clip = DATASETS.get("casme2")(tmp_path).clips()[0]
    assert [f.rsplit("/", 1)[-1] for f in clip.frames] == [f"img{n}.jpg" for n in range(8, 13)]
    assert "/CASME2_RAW_selected/sub04/EP12_02f/" in clip.frames[0]
    assert clip.apex_index == 1


def test_casme2_builder_scales_for_learnability_tests(tmp_path):
    seen = []

    def draw(subject, frame, meta):
        seen.append(meta["label"])
        return np.full((24, 24, 3), 40 * (meta["label"] == "happiness"), np.uint8)

    make_casme2(tmp_path, n_subjects=4, clips_per_subject=5, n_frames=3, image_fn=draw, raw=False)
    loader = DATASETS.get("casme2")(tmp_path)
    clips = loader.clips()
    assert len(clips) == 20 and len({c.subject for c in clips}) == 4
    assert {c.label for c in clips} == set(loader.classes)
    assert all(len(c.frames) == 3 for c in clips)
    happy = next(c for c in clips if c.label == "happiness")
    assert loader.read_image(happy.frames[0]).mean() > 30 and "happiness" in seen


def test_casme2_class_sets(tmp_path):
    make_casme2(tmp_path)
    megc = _clips(DATASETS.get("casme2")(tmp_path, classes="megc"))
    assert {c.label for c in megc.values()} <= {"negative", "positive", "surprise"}
    assert ("sub03", "EP07_04") not in megc  # others dropped in MEGC
    assert ("sub02", "EP13_04") not in megc  # fear dropped in MEGC (kept by MMNet's 3-class)
    three = _clips(DATASETS.get("casme2")(tmp_path, classes="3"))
    assert three[("sub02", "EP13_04")].label == "negative"
    with pytest.raises(InputError, match="no class set '9'"):
        DATASETS.get("casme2")(tmp_path, classes="9").clips()


def test_casme2_missing_clip_folder_is_named(tmp_path):
    make_casme2(tmp_path, rows=CASME2_DEFAULT[:2])
    folder = tmp_path / "Cropped" / "sub01" / "EP02_01f"
    for f in folder.iterdir():
        f.unlink()
    folder.rmdir()
    with pytest.raises(InputError, match="sub01/EP02_01f: frame folder missing or empty: .*01f"):
        DATASETS.get("casme2")(tmp_path).clips()
    report = DATASETS.get("casme2")(tmp_path).check()
    assert not report["ok"] and report["items"] == 1


def test_samm_preamble_gray_frames_and_subject_from_filename(tmp_path):
    info = make_samm(tmp_path)
    loader = DATASETS.get("samm")(tmp_path)
    clips = _clips(loader)
    assert ("006", "006_1_2") in clips and ("009", "009_3_2") not in clips  # disgust: not 5-class
    first = clips[("006", "006_1_2")]
    assert first.frames[0].endswith("SAMM/006/006_1_2/006_05562.jpg")
    assert (first.onset, first.apex, first.offset, first.label) == (5562, 5564, 5566, "contempt")
    assert clips[("007", "007_3_1")].aus == (4, 7, 43)  # "4+7 or 43"
    assert clips[("009", "009_2_1")].label == "others"
    image = loader.read_image(first.frames[0])
    assert image.shape[2] == 3 and (image[..., 0] == image[..., 1]).all()
    megc = _clips(DATASETS.get("samm")(tmp_path, classes="megc"))
    assert megc[("009", "009_3_2")].label == "negative" and ("009", "009_2_1") not in megc
    assert info["header_row"] == 14


def test_smic_folders_non_micro_ignored_and_modalities(tmp_path):
    info = make_smic(tmp_path)
    for modality in ("HS", "VIS", "NIR"):
        clips = _clips(DATASETS.get("smic")(tmp_path, modality=modality))
        assert set(clips) == {(s, c) for m, s, c in info["clips"] if m == modality}
        assert all("/non_micro/" not in f[len(str(tmp_path)):] for c in clips.values()
                   for f in c.frames)
        for (subject, name), clip in clips.items():
            meta = info["clips"][(modality, subject, name)]
            assert (clip.label, clip.onset, clip.apex, clip.offset) == (
                meta["label"], meta["onset"], meta["apex"], meta["offset"])
    first = _clips(DATASETS.get("smic")(tmp_path))[("s01", "s1_ne_01")]
    assert first.frames[0].endswith("HS/s1/micro/negative/s1_ne_01/image106720.bmp")
    with pytest.raises(InputError, match="modality must be one of HS, VIS, NIR"):
        DATASETS.get("smic")(tmp_path, modality="IR").clips()


def test_megc2019_list_labels_and_loso(tmp_path):
    info = make_megc2019(tmp_path)
    loader = DATASETS.get("megc2019")(tmp_path, sample_list=info["sample_list"])
    clips = loader.clips()
    got = [(c.dataset, c.subject, c.clip, c.label) for c in clips]
    assert got == info["expected"]  # list order, list spelling (s01_ne_01), list labels
    canonical = {(r["dataset"], r["subject"], r["clip"], r["label"]) for r in megc2019_list()}
    assert set(got) <= canonical
    report = loader.check()
    assert report["folds"]["loso"] == len({c.subject for c in clips}) == 7
    assert report["labels"] == {"negative": 4, "positive": 4, "surprise": 3}
    same_name = [c for c in clips if c.clip == "EP02_01f"]
    assert [c.subject for c in same_name] == ["sub01", "sub09"]
    assert same_name[0].frames[0] != same_name[1].frames[0]


def test_megc2019_missing_list_clip_is_fatal(tmp_path):
    info = make_megc2019(tmp_path)
    path = tmp_path / info["sample_list"]
    path.write_text(path.read_text() + "samm,037,037_9_9,0,,037_037_9_9.jpg,\n")
    with pytest.raises(InputError, match="samm 037/037_9_9 from the sample list was not found"):
        DATASETS.get("megc2019")(tmp_path, sample_list=info["sample_list"]).clips()


def test_casme3_takes_hold_several_clips(tmp_path):
    info = make_casme3(tmp_path)
    clips = _clips(DATASETS.get("casme3")(tmp_path, classes="7"))
    assert set(clips) == set(info["clips"])
    j1, j2 = clips[("spNO.1", "j_28")], clips[("spNO.1", "j_102")]
    assert [frame_number(f) for f in j1.frames] == list(range(28, 37))
    assert [frame_number(f) for f in j2.frames] == list(range(102, 107))
    assert clips[("spNO.11", "a_26")].aus == (28, 14)  # 'T28+14'
    three = _clips(DATASETS.get("casme3")(tmp_path))
    assert three[("spNO.10", "f_278")].label == "negative" and ("spNO.10", "k_735") not in three
