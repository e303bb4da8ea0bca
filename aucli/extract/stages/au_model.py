"""Stage ``au-model``: a trained AU checkpoint on the aligned crops -> ``AUxx_c`` probabilities.

Faces are batched across frames (``batch_size`` crops per forward pass, on CUDA when available)
and items are yielded in their original order once their batch has run. Each crop gets the
checkpoint's own test transform (resize to ``data.input_size``, centre crop, normalisation), so
the model sees crops as it saw the aligned training crops. Faces without an aligned crop get no
``_c`` columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from aucli.extract.stages import STAGES
from aucli.extract.stages.base import Face, FrameItem


@dataclass(frozen=True)
class AUModelConfig:
    """au-model settings."""

    checkpoint: str = ""
    """A trained AU checkpoint (best.pt) or run folder (aucli train)."""
    batch_size: int = 256
    """Aligned crops per forward pass."""
    device: str = "auto"
    """auto (CUDA when available), cpu or cuda."""


@STAGES.register("au-model")
class AUModelStage:
    """Adds ``AUxx_c`` occurrence probabilities from a trained AU checkpoint."""

    config_class = AUModelConfig

    def __init__(self, config: AUModelConfig) -> None:
        self.config = config
        self._loaded: tuple[Any, ...] | None = None

    def _load(self) -> tuple[Any, ...]:
        if self._loaded is None:
            from aucli.config import from_dict
            from aucli.methods.checkpoint import build_method, load_checkpoint, resolve_checkpoint
            from aucli.methods.inputs import DataConfig
            from aucli.methods.runtime import resolve_device
            from aucli.errors import InputError

            if not self.config.checkpoint:
                raise InputError("au-model needs a checkpoint: --model CKPT")
            path = resolve_checkpoint(self.config.checkpoint)
            ckpt = load_checkpoint(path)
            if ckpt["meta"].get("task", "au") != "au":
                raise InputError(f"{path} is a {ckpt['meta']['task']} model, not an AU model")
            device = resolve_device(self.config.device)
            method = build_method(ckpt, device)
            columns = [f"AU{a:02d}_c" for a in ckpt["meta"]["aus"]]
            self._loaded = (path, ckpt, method, device, from_dict(DataConfig, ckpt["config"]["data"]),
                            columns)
        return self._loaded

    def describe(self) -> dict[str, Any]:
        from aucli.extract.model_files import sha256_file

        path, ckpt, *_ = self._load()
        return {"name": f"aucli-{ckpt['method']}", "file": str(path), "sha256": sha256_file(path),
                "aus": ckpt["meta"]["aus"], "dataset": ckpt["meta"].get("dataset", ""),
                "aucli_version": ckpt["aucli_version"], "licence": "as the training data allows"}

    def output_columns(self) -> list[str]:
        return list(self._load()[-1])

    def _run(self, faces: list[Face]) -> None:
        import torch

        from aucli.methods.inputs import eval_transform

        _, _, method, device, data_cfg, columns = self._load()
        image = torch.stack([eval_transform(f.aligned, data_cfg) for f in faces]).to(device)
        with torch.no_grad(), torch.autocast(device.type, dtype=torch.bfloat16,
                                             enabled=device.type == "cuda"):
            prob = method.predict({"image": image}).float().cpu().numpy()
        for face, row in zip(faces, prob):
            face.columns.update(zip(columns, row.tolist()))

    def __call__(self, items: Iterable[FrameItem]) -> Iterator[FrameItem]:
        pending: list[FrameItem] = []
        faces: list[Face] = []
        for item in items:
            pending.append(item)
            faces += [f for f in item.faces if f.aligned is not None]
            # frames without faces count too: a long face-less stretch must not pile up frames
            if len(faces) >= self.config.batch_size or len(pending) >= self.config.batch_size:
                if faces:
                    self._run(faces)
                yield from pending
                pending, faces = [], []
        if faces:
            self._run(faces)
        yield from pending
