"""The one run config of every training run, AU or ME, and how a preset is picked.

A run is ``RunConfig``: ``[run]`` (method, dataset, protocol), ``[train]`` (the trainer),
``[data]`` (AU frame inputs) or ``[input]`` (ME clip inputs), ``[method]`` (the method's own
table; its paper defaults fill what is left out), ``[aux]`` and ``[robustness]``. Layers, later
wins: code defaults, the preset (``train-<method>-<dataset>`` when one ships, or ``--config``),
the named command-line options, then ``--set`` overrides. ``RUN/config.toml`` and every
checkpoint hold the resolved config (``resolved``), with only the tables the method's task uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aucli.config import ConfigError, apply_overrides, from_dict, load_toml, preset, to_dict
from aucli.engine.me_data import InputConfig
from aucli.engine.noise import RobustnessConfig
from aucli.engine.trainer import TrainConfig
from aucli.methods.inputs import DataConfig

# Tables a task does not use are left out of the resolved config.
UNUSED = {"au": ("input", "robustness"), "me": ("data",)}


@dataclass(frozen=True)
class RunSection:
    """What to train on, and under which protocol."""

    method: str = ""
    """Registered method (aucli list methods)."""
    dataset: str = ""
    """Registered dataset loader (aucli list datasets)."""
    root: str = ""
    """Dataset root folder, in the release's own layout (or a datasets prepare cache)."""
    options: dict[str, Any] = field(default_factory=dict)
    """The loader's own settings (e.g. casme2 classes = "5"; see the loader's config)."""
    protocol: str = ""
    """folds (published fold ``fold``), a named protocol (fera2015) or loso."""
    fold: int = 0
    """With protocol folds: the published fold K (1-based)."""
    cache: str = ""
    """ME: folder for cached clip inputs; empty = RUN/cache."""
    keep_fold_models: bool = True
    """LOSO: keep each fold's best.pt (last.pt, with optimiser state, goes when a fold ends)."""
    final_model: bool = True
    """LOSO: after the folds, train one model on every subject (RUN/final/best.pt, for aucli mer)."""


@dataclass(frozen=True)
class AuxSection:
    """Auxiliary expression data for methods with an auxiliary branch (mal, lightman)."""

    dataset: str = ""
    """Registered expression loader (ck+, raf-db, ...); empty = none."""
    root: str = ""
    """Its root folder."""
    options: dict[str, Any] = field(default_factory=dict)
    """The auxiliary loader's own settings."""
    map: dict[str, str] = field(default_factory=dict)
    """ME: auxiliary class name -> ME class name; empty pairs equal names; unmapped are dropped."""
    per_class: int = 0
    """ME: at most this many images per ME class (0 = all)."""


@dataclass(frozen=True)
class RunConfig:
    """A whole training run: the TOML preset ``pipelines/train-<method>-<dataset>.toml``."""

    run: RunSection = RunSection()
    """Method, dataset, protocol."""
    train: TrainConfig = TrainConfig()
    """Optimisation (the generic trainer's settings)."""
    data: DataConfig = DataConfig()
    """AU methods: frame -> image tensor (alignment, crop, augmentation)."""
    input: InputConfig = InputConfig()
    """ME methods: clip -> flow / apex inputs."""
    method: dict[str, Any] = field(default_factory=dict)
    """The method's own config table (its paper defaults fill what is left out)."""
    aux: AuxSection = AuxSection()
    """Auxiliary expression data."""
    robustness: RobustnessConfig = RobustnessConfig()
    """ME: training-label noise and few-shot subsets."""
    inputs: dict[str, Any] = field(default_factory=dict)
    """What the run starts from, recorded (not set): backbone (weights file or random init),
    alignment, cache, template (aucli.engine.pretrained, aucli.extract.aligned)."""


def method_class(name: str) -> Any:
    from aucli.methods import METHODS

    return METHODS.get(name)


def method_config(config: RunConfig, aus: tuple[int, ...] = ()) -> Any:
    """The method's resolved config: its own table completed from the data (AU sets, a
    cascaded checkpoint) and, for methods with ``input_size``, the run's ME input size."""
    cls = method_class(config.run.method)
    table = cls.complete_config(dict(config.method), tuple(aus))
    if cls.task == "me" and "input_size" in getattr(cls.config_class, "__dataclass_fields__", {}):
        table = {**table, "input_size": config.input.size}
    return from_dict(cls.config_class, table, "method.")


def resolved(config: RunConfig, aus: tuple[int, ...] = ()) -> dict[str, Any]:
    """The run config as a TOML-ready dict: every default filled, the method table resolved."""
    data = to_dict(config)
    data["method"] = to_dict(method_config(config, aus))
    for table in UNUSED[method_class(config.run.method).task]:
        data.pop(table, None)
    return data


def preset_for(method: str, dataset: str, config: str | Path | None) -> tuple[Path | None, str]:
    """(preset file or None, how to name it) for ``--config``.

    None (the default) picks the shipped ``train-<method>-<dataset>`` when there is one;
    ``none`` means code defaults; anything else is a TOML path or a preset name.
    """
    if config is None:
        path = preset(f"train-{method}-{dataset}")
        return path, (f"preset {path.stem}" if path else "code defaults (no preset ships for "
                      f"{method} on {dataset})")
    text = str(config)
    if text == "none":
        return None, "code defaults (--config none)"
    if Path(text).is_file():
        return Path(text), f"config {text}"
    if preset(text):
        return preset(text), f"preset {text}"
    raise ConfigError(f"--config {text}: no such file and no preset of that name "
                      "(presets: pipelines/train-<method>-<dataset>.toml)")


def load_config(method: str, dataset: str, root: str | Path, *, protocol: str = "", fold: int = 0,
                config: str | Path | None = None, overrides: list[str] | tuple[str, ...] = (),
                aux_dataset: str = "", aux_root: str | Path = "") -> tuple[RunConfig, str]:
    """(RunConfig, which preset it came from) for ``aucli train METHOD --dataset ...``."""
    path, source = preset_for(method, dataset, config)
    data = load_toml(path) if path else {}
    run = data.setdefault("run", {})
    if run.get("method", method) != method:
        raise ConfigError(f"{source} is for method {run['method']!r}, not {method!r}")
    if run.get("dataset") not in (None, dataset):
        run["options"] = {}  # a preset's loader options belong to its own dataset
    run.update(method=method, dataset=dataset, root=str(root), protocol=protocol, fold=fold)
    if aux_dataset:
        data["aux"] = {**data.get("aux", {}), "dataset": aux_dataset, "root": str(aux_root)}
    return from_dict(RunConfig, apply_overrides(data, list(overrides))), source


def read_config(path: str | Path) -> RunConfig:
    """The RunConfig of a run folder (its config.toml) or a checkpoint."""
    from aucli.methods.checkpoint import load_checkpoint

    path = Path(path)
    if path.is_dir() and (path / "config.toml").is_file():
        data = load_toml(path / "config.toml")
    else:
        data = load_checkpoint(path)["config"]
    return from_dict(RunConfig, data)


def load_run_config(path: str | Path | None, overrides: list[str] | tuple[str, ...] = ()
                    ) -> RunConfig:
    """A recipe TOML (or the code defaults) with ``--set`` overrides applied."""
    data = load_toml(path) if path else {}
    return from_dict(RunConfig, apply_overrides(data, list(overrides)))
