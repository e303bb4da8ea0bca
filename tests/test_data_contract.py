"""The loader contract, checked for every registered dataset against its layout fixture."""

from __future__ import annotations

import numpy as np
import pytest

from aucli.data import DATASETS
from aucli.data.base import AUSample, MEClip
from aucli.data.files import frame_number
from aucli.errors import InputError
from tests.data_fixtures import BUILDERS

NAMES = DATASETS.names()
REQUIRED = {"bp4d", "bp4d+", "disfa", "gft", "affwild2", "casme2", "samm", "smic", "megc2019",
            "casme3", "ck+", "rafdb", "rafau", "affectnet"}


def test_registry_holds_every_benchmark_and_each_has_a_fixture():
    assert REQUIRED <= set(NAMES)
    assert set(NAMES) <= set(BUILDERS), "every registered loader needs a fixture builder"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("datasets")
    out = {}
    for name in NAMES:
        build, options = BUILDERS[name]
        build(root / name)
        out[name] = (root / name, options)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_loader_contract(name, built):
    root, options = built[name]
    loader = DATASETS.get(name)(root, **options)
    assert loader.kind in ("au", "me", "expression")
    report = loader.check()
    assert report["dataset"] == name and report["ok"], report["problems"]
    assert report["items"] > 0 and report["subjects"]
    for key in ("dataset", "subjects", "items", "labels", "folds", "problems"):
        assert key in report
    if loader.kind == "me":
        items = loader.clips()
        assert all(isinstance(c, MEClip) and c.label in loader.classes for c in items)
        clip = items[0]
        numbers = [frame_number(f) for f in clip.frames]
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
        image = loader.read_image(clip.frames[clip.apex_index])
    else:
        items = loader.samples()
        assert all(isinstance(s, AUSample) for s in items)
        assert all(s.labels.shape == (len(loader.aus),) and s.labels.dtype == np.int8
                   for s in items)
        assert all(set(np.unique(s.labels)) <= {-1, 0, 1} for s in items)
        if loader.kind == "expression":
            assert all(-1 <= s.expression < len(loader.classes) for s in items)
        image = loader.read_image(items[-1])
    assert len(items) == report["items"]
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3


@pytest.mark.parametrize("name", NAMES)
def test_constructor_only_stores_and_missing_root_is_named(name, tmp_path):
    missing = tmp_path / "nowhere"
    loader = DATASETS.get(name)(missing)  # no I/O in the constructor
    with pytest.raises(InputError, match="nowhere"):
        loader.check()


@pytest.mark.parametrize("name", NAMES)
def test_empty_root_names_what_is_missing(name, tmp_path):
    with pytest.raises(InputError) as err:
        DATASETS.get(name)(tmp_path).samples() if DATASETS.get(name).kind != "me" \
            else DATASETS.get(name)(tmp_path).clips()
    assert str(tmp_path) in str(err.value)


def test_unknown_option_suggests_the_close_one(tmp_path):
    with pytest.raises(InputError, match="did you mean 'threshold'"):
        DATASETS.get("disfa")(tmp_path, treshold=1)
