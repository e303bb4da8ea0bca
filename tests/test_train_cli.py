"""``aucli train / evaluate / export / list`` end to end on the BP4D-layout fixture."""

import importlib.util
import json
import tomllib
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from au_helpers import synthetic_au, synthetic_fe  # noqa: F401
from typer.testing import CliRunner

from aucli.cli import app

runner = CliRunner()
TINY = ["--set", 'method.backbone="tiny"', "--set", "train.epochs=1", "--set",
        "train.batch_size=16", "--set", "train.num_workers=0", "--set", "data.input_size=48",
        "--set", "data.crop_size=40"]


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_train_evaluate_export(synthetic_au, tmp_path):
    res = invoke("train", "baseline-au", "--dataset", "synthetic-au", "--root", synthetic_au,
                 "--fold", 2, "--device", "cpu", "--config", "train-baseline-au-bp4d", "-o",
                 tmp_path, *TINY)
    assert res.exit_code == 0, res.output
    run = tmp_path / "baseline-au-synthetic-au-fold2"
    assert "mean" in res.output and "AU17" in res.output
    for name in ("config.toml", "log.csv", "last.pt", "best.pt", "metrics.json",
                 "predictions.parquet"):
        assert (run / name).is_file(), name
    resolved = (run / "config.toml").read_text()
    assert 'root = "' in resolved and "warmup_epochs = 1.0" in resolved  # preset + --set
    again = invoke("train", "baseline-au", "--dataset", "synthetic-au", "--root", synthetic_au,
                   "--fold", 2, "-o", tmp_path, *TINY)
    assert again.exit_code == 2 and "--resume" in again.output

    res = invoke("evaluate", run, "--dataset", "synthetic-au", "--root", synthetic_au, "--fold", 2,
                 "--identity-probe", "--device", "cpu", "-o", tmp_path / "eval")
    assert res.exit_code == 0, res.output
    assert "identity probe" in res.output
    metrics = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert 0 <= metrics["f1"] <= 1 and metrics["fold"] == 2
    table = pq.read_table(tmp_path / "eval" / "predictions.parquet")
    assert {"subject", "fold", "AU01_true", "AU01_pred"} <= set(table.column_names)

    res = invoke("export", run / "best.pt", "-o", tmp_path / "m.onnx")
    assert res.exit_code == 0, res.output

    # the predictions are what `aucli score` reads, and the checkpoint runs inside extract
    res = invoke("score", tmp_path / "eval" / "predictions.parquet", "--task", "au", "--json")
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["f1_mean"] == pytest.approx(metrics["f1"], abs=1e-9)
    video = Path(__file__).resolve().parents[1] / "sample_videos" / "single_face.mp4"
    res = invoke("extract", video, "-o", tmp_path / "x", "-q", "--stride", "24", "--model",
                 run / "best.pt", "--device", "cpu")
    assert res.exit_code == 0, res.output
    rows = pq.read_table(tmp_path / "x" / "single_face.parquet").to_pylist()
    assert len(rows) == 3 and all(0 <= r["AU12_c"] <= 1 and r["AU12_r"] is not None for r in rows)
    meta = pq.read_schema(tmp_path / "x" / "single_face.parquet").metadata[b"aucli.models"]
    assert b"aucli-baseline-au" in meta
    assert (tmp_path / "m.onnx").is_file()


def test_mal_needs_its_auxiliary_dataset(synthetic_au, synthetic_fe, tmp_path):
    res = invoke("train", "mal", "--dataset", "synthetic-au", "--root", synthetic_au, "--fold", 1,
                 "-o", tmp_path, *TINY)
    assert res.exit_code == 2 and "--aux-dataset" in res.output
    res = invoke("train", "mal", "--dataset", "synthetic-au", "--root", synthetic_au, "--fold", 1,
                 "--aux-dataset", "synthetic-fe", "--aux-root", synthetic_fe, "--device", "cpu",
                 "-o", tmp_path, *TINY)
    assert res.exit_code == 0, res.output
    weights = pq.read_table(tmp_path / "mal-synthetic-au-fold1" / "fe_weights.parquet")
    names = [Path(p).name for p in weights.column("sample").to_pylist()]
    # training FE samples only: RAF-DB's own test partition (test_*.jpg) never trains
    assert len(names) == 32 and all(n.startswith("train_") for n in names), names[:5]


def test_user_errors_are_one_line(synthetic_au, tmp_path):
    res = invoke("train", "marll", "--dataset", "synthetic-au", "--root", synthetic_au, "--fold",
                 1, "-o", tmp_path)
    assert res.exit_code == 2 and "did you mean 'marl'" in res.output
    res = invoke("train", "marl", "--dataset", "synthetic-au", "--root", synthetic_au, "--fold",
                 1, "--set", "train.lr_max=1", "-o", tmp_path)
    assert res.exit_code == 2 and "unknown setting 'train.lr_max'" in res.output
    res = invoke("train", "marl", "--dataset", "synthetic-au", "--root", synthetic_au, "-o",
                 tmp_path)
    assert res.exit_code == 2 and "--fold" in res.output
    res = invoke("evaluate", tmp_path / "nothing", "--dataset", "synthetic-au", "--root",
                 synthetic_au, "--fold", 1)
    assert res.exit_code == 2 and "not found" in res.output


@pytest.mark.parametrize("what,expected", [("methods", "marl-t"), ("datasets", "synthetic-au"),
                                           ("backbones", "resnet18"), ("stages", "au-model")])
def test_list(what, expected):
    if what == "stages" and importlib.util.find_spec("aucli.extract.stages.detect") is None:
        pytest.skip("the extract stages are not on this branch")
    res = invoke("list", what)
    assert res.exit_code == 0, res.output
    assert expected in res.output


def _au_presets():
    from importlib import resources

    from aucli.methods import METHODS

    folder = Path(str(resources.files("aucli.pipelines")))
    return sorted(p for p in folder.glob("train-*.toml")
                  if METHODS.get(tomllib.loads(p.read_text())["run"]["method"]).task == "au")


PRESETS = _au_presets()  # ME presets are checked in test_me_methods.py


@pytest.mark.parametrize("path", PRESETS, ids=lambda p: p.stem)
def test_presets_fit_the_schemas(path):
    from aucli.config import from_dict, load_toml
    from aucli.engine.recipe import RunConfig
    from aucli.methods import METHODS

    config = from_dict(RunConfig, load_toml(path))
    method, dataset = config.run.method, config.run.dataset
    assert path.stem in (f"train-{method}-{dataset}", f"train-{method}-probe-{dataset}")
    assert dataset in ("bp4d", "disfa")
    from_dict(METHODS.get(method).config_class, config.method)


def test_presets_cover_every_method_on_bp4d_and_disfa():
    from aucli.methods import METHODS

    names = {p.stem for p in PRESETS}
    for method in (m for m in METHODS.names() if METHODS.get(m).task == "au"):
        assert {f"train-{method}-bp4d", f"train-{method}-disfa"} <= names, method
