"""ONNX export of a trained AU method's ``predict``, checked against PyTorch.

The graph maps a normalised image batch ``image`` [B, 3, S, S] (S = the checkpoint's
``data.crop_size``; normalise with ``data.mean`` / ``data.std``, stored in the model metadata)
to per-AU probabilities ``prob`` [B, C]; the batch axis is dynamic. Landmark-driven attention
(MARL with landmarks) is not exported: the ONNX graph uses the canonical AU centres.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import torch

from aucli.methods.checkpoint import build_method, load_checkpoint
from aucli.errors import AucliError


class _Predict(torch.nn.Module):
    def __init__(self, method: torch.nn.Module) -> None:
        super().__init__()
        self.method = method

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.method.predict({"image": image})


def export_onnx(checkpoint: str | Path, out: str | Path, opset: int = 17,
                atol: float = 1e-4) -> float:
    """Write ``out`` and return the max |onnxruntime - PyTorch| on a random batch of 2."""
    import onnx
    import onnxruntime as ort

    ckpt = load_checkpoint(checkpoint)
    method = build_method(ckpt).float()
    size = int(ckpt["config"]["data"]["crop_size"])
    model = _Predict(method).eval()
    x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(0))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), str(out), input_names=["image"], output_names=["prob"],
                          dynamic_axes={"image": {0: "batch"}, "prob": {0: "batch"}},
                          opset_version=opset, dynamo=False)
        expected = model(x).numpy()
    proto = onnx.load(str(out))
    meta = {"aucli.method": ckpt["method"], "aucli.aus": json.dumps(ckpt["meta"]["aus"]),
            "aucli.data": json.dumps(ckpt["config"]["data"]), "aucli.version": ckpt["aucli_version"]}
    for key, value in meta.items():
        proto.metadata_props.add(key=key, value=value)
    onnx.save(proto, str(out))
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    got = session.run(None, {"image": x.numpy()})[0]
    diff = float(np.abs(got - expected).max())
    if diff > atol:
        raise AucliError(f"ONNX output differs from PyTorch by {diff:.2e} (> {atol}); "
                         f"try another --opset")
    return diff
