"""Inference paths of a trained checkpoint: ONNX export and the ``au-model`` extract stage."""

import numpy as np
import onnx
import pytest
import torch
from au_helpers import synthetic_au, synthetic_fe, tiny_run  # noqa: F401

from aucli.data import DATASETS
from aucli.methods.checkpoint import build_method
from aucli.engine.data import DataConfig, eval_transform
from aucli.engine.export import export_onnx
from aucli.engine.runner import train
from aucli.methods import METHODS
from aucli.extract.stages.base import Face, FrameItem

AU_METHODS = [m for m in METHODS.names() if METHODS.get(m).task == "au"]


@pytest.fixture(scope="module")
def trained(synthetic_au, synthetic_fe, tmp_path_factory):
    """One briefly trained run per AU method (a checkpoint is all these tests need)."""
    runs = {}
    for name in AU_METHODS:
        aux = synthetic_fe if METHODS.get(name).aux_kind else None
        run = tmp_path_factory.mktemp(name)
        train(tiny_run(name, synthetic_au, 1, aux, epochs=1, max_steps_per_epoch=2), run,
              resume=True, device="cpu")
        runs[name] = run
    return runs


@pytest.mark.parametrize("name", AU_METHODS)
def test_onnx_matches_pytorch(name, trained, tmp_path):
    import onnxruntime as ort

    out = tmp_path / "model.onnx"
    diff = export_onnx(trained[name], out)
    assert diff < 1e-4
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta["aucli.method"] == name and meta["aucli.aus"] == "[1, 2, 4, 6, 12, 17]"
    # an independent batch of another size, through the exported graph and through torch
    x = torch.randn(5, 3, 40, 40)
    got = ort.InferenceSession(str(out)).run(None, {"image": x.numpy()})[0]
    with torch.no_grad():
        expected = build_method(trained[name] / "best.pt").predict({"image": x}).numpy()
    np.testing.assert_allclose(got, expected, atol=1e-4)


def test_au_model_stage_adds_probabilities_in_order(trained, synthetic_au):
    from aucli.extract.stages.au_model import AUModelConfig, AUModelStage

    loader = DATASETS.get("synthetic-au")(synthetic_au)
    samples = loader.samples()[:7]
    crops = [loader.read_image(s) for s in samples]
    items = []
    for i, crop in enumerate(crops):
        faces = [] if i == 3 else [Face(np.zeros(4), 1.0, np.zeros((478, 3)), np.zeros((68, 2)),
                                        aligned=crop)]
        items.append(FrameItem(i, i / 30, np.zeros((8, 8, 3), np.uint8), faces))
    stage = AUModelStage(AUModelConfig(checkpoint=str(trained["marl"]), batch_size=2,
                                       device="cpu"))
    out = list(stage(iter(items)))
    assert [it.index for it in out] == list(range(7))
    assert stage.output_columns() == ["AU01_c", "AU02_c", "AU04_c", "AU06_c", "AU12_c", "AU17_c"]
    assert stage.describe()["sha256"] and stage.describe()["name"] == "aucli-marl"
    method = build_method(trained["marl"] / "best.pt")
    ckpt = torch.load(trained["marl"] / "best.pt", weights_only=True)
    cfg = DataConfig(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in ckpt["config"]["data"].items()})
    with torch.no_grad():
        expected = method.predict({"image": torch.stack([eval_transform(c, cfg) for c in crops])})
    for i, item in enumerate(out):
        if i == 3:
            assert not item.faces
            continue
        got = [item.faces[0].columns[c] for c in stage.output_columns()]
        np.testing.assert_allclose(got, expected[i].numpy(), atol=1e-5)
