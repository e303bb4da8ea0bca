"""Every registered stage, backbone and detector meets its contract, so a new one is tested by
registering it. (Methods and datasets have their own registry loops: test_methods.py,
test_me_methods.py, test_data_contract.py.)"""

from __future__ import annotations

import copy
import dataclasses
import json
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch

from aucli.config import field_help
from aucli.errors import AucliError
from aucli.extract.stages import STAGES
from aucli.extract.stages.base import FrameItem
from aucli.extract.stages.detect import DETECTORS, DetectConfig
from aucli.nn import BACKBONES, create_backbone
from tests.media import sample_frames

# Settings a stage cannot run without (its default config says "give me a file"); the value is
# built from the session's tmp folder. Every other stage must run on its defaults.
NEEDS = {"au-model": lambda tmp: {"checkpoint": str(untrained_au_checkpoint(tmp))}}


@pytest.fixture
def no_network(monkeypatch):
    """Any socket connection fails: constructors and offline models must not try one."""
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def untrained_au_checkpoint(folder):
    """A real (untrained) baseline-au checkpoint on the tiny backbone, two AUs."""
    from aucli.methods import METHODS
    from aucli.methods.checkpoint import save_checkpoint

    cls = METHODS.get("baseline-au")
    method = cls(cls.config_class(backbone="tiny"), 2)
    return save_checkpoint(folder / "au.pt", method, name="baseline-au",
                           config={"method": {"backbone": "tiny"},
                                   "data": {"input_size": 48, "crop_size": 40}},
                           meta={"num_outputs": 2, "aus": [1, 2], "task": "au"})


@pytest.fixture(scope="module")
def aligned_items(single_face_video):
    """Six real frames with a faceless one in the middle, through detect, track and align."""
    frames = sample_frames(single_face_video, range(6))
    frames.insert(3, np.full_like(frames[0], 90))
    items = iter([FrameItem(index=i, timestamp=i / 25, image=f) for i, f in enumerate(frames)])
    for name in ("detect", "track", "align"):
        cls = STAGES.get(name)
        items = cls(cls.config_class())(items)
    out = list(items)
    assert [len(it.faces) for it in out] == [1, 1, 1, 0, 1, 1, 1]
    return out


def build_stage(name, tmp_path):
    cls = STAGES.get(name)
    config = cls.config_class()
    return cls(dataclasses.replace(config, **NEEDS.get(name, lambda _: {})(tmp_path)))


def test_stage_needs_table_names_registered_stages():
    assert set(NEEDS) <= set(STAGES.names())


@pytest.mark.parametrize("name", STAGES.names())
def test_stage_config_is_frozen_and_documented(name):
    config_class = STAGES.get(name).config_class
    assert dataclasses.is_dataclass(config_class)
    assert config_class.__dataclass_params__.frozen
    fields = [f.name for f in dataclasses.fields(config_class)]
    assert set(field_help(config_class)) == set(fields), f"{name}: a field lacks its docstring"


@pytest.mark.parametrize("name", STAGES.names())
def test_stage_streams_the_items_it_is_given(name, aligned_items, tmp_path, no_network):
    stage = build_stage(name, tmp_path)  # the constructor only stores its config
    given = copy.deepcopy(aligned_items)
    taken = []

    def source():
        for item in given:
            taken.append(item.index)
            yield item

    out = stage(source())
    assert taken == [], f"{name} read its input before it was asked for output"
    out = list(out)
    assert [id(i) for i in out] == [id(i) for i in given]  # the same items, in order
    assert list(stage(iter([]))) == []
    json.dumps(stage.describe())
    columns = stage.output_columns() if hasattr(stage, "output_columns") else []
    for item in out:
        for face in item.faces:
            if face.aligned is not None:
                assert set(columns) <= set(face.columns), f"{name}: columns missing"
                assert all(isinstance(face.columns[c], float) for c in columns)


@pytest.mark.parametrize("name", BACKBONES.names())
def test_backbone_gives_a_feature_map(name, no_network):
    torch.manual_seed(0)
    net = create_backbone(name).eval()  # eval: batch norm must not mix the samples
    x = torch.randn(2, 3, 112, 112, requires_grad=True)
    y = net(x)
    assert y.ndim == 4 and y.shape[:2] == (2, net.out_channels)  # [B, out_channels, h, w]
    assert y.shape[2] >= 1 and y.shape[3] >= 1 and torch.isfinite(y).all()
    y[0].sum().backward()
    assert x.grad[0].abs().sum() > 0 and x.grad[1].abs().sum() == 0  # samples stay apart


@pytest.mark.parametrize("name", BACKBONES.names())
def test_backbone_weights_come_from_a_local_file_only(name, tmp_path, no_network):
    with pytest.raises(AucliError, match="not found"):
        create_backbone(name, str(tmp_path / "missing.pt"))


@pytest.mark.parametrize("name", DETECTORS.names())
def test_detector_builds_and_runs_offline(name, no_network):
    detector = DETECTORS.get(name)(DetectConfig(detector=name))
    try:
        faces = detector.detect(np.zeros((64, 64, 3), np.uint8), 0.0)
    except AucliError as exc:  # a detector whose models the user supplies says what to put where
        assert "\n" not in str(exc) and str(exc)
    else:
        assert faces == []
    finally:
        detector.close()


def test_synthetic_fixture_datasets_are_not_offered_to_users():
    """They register only when the tests import tests/data_fixtures (conftest.py does)."""
    code = ("from aucli.data import DATASETS; "
            "print([n for n in DATASETS.names() if 'synthetic' in n])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
