"""Leave-one-subject-out training and evaluation of micro-expression methods.

``run_loso(config, out_dir)`` trains one model per held-out subject through the generic trainer
(``aucli.engine.trainer.fit``), for a fixed number of epochs: nothing is ever selected on the test
subject (DATASETS.md §4.3). Each fold lives in ``OUT/folds/<subject>/`` and is finished once its
``predictions.parquet`` exists, so an interrupted run resumes fold by fold (and a fold in progress
resumes from its ``last.pt``). Predictions of all folds are pooled before accuracy, UF1 and UAR
are computed; per-fold scores and a per-source breakdown (MEGC2019 composite) are reported beside
them. Outputs: ``predictions.parquet`` (subject, y_true, y_pred, dataset, clip, p_<class>),
``metrics.json``, ``folds.csv``, ``confusion.csv`` and ``confusion.png``, ``config.toml``.
"""

from __future__ import annotations

import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from aucli.config import dumps, from_dict, to_dict
from aucli.engine.me_data import InputCache, InputConfig, MEDataset, build_dataset, macro_bank
from aucli.engine.me_report import write_report
from aucli.engine.noise import RobustnessConfig, perturb_training
from aucli.engine.trainer import RunInfo, TrainConfig
from aucli.errors import AucliError


@dataclass(frozen=True)
class RunSection:
    """What to train on and where."""

    method: str = "baseline-me"
    """Registered ME method (baseline-me, mmmst, lightman)."""
    dataset: str = "casme2"
    """Registered ME dataset loader (casme2, samm, smic, megc2019, synthetic-me)."""
    root: str = ""
    """Dataset root folder."""
    options: dict[str, Any] = field(default_factory=dict)
    """The loader's own settings (e.g. casme2 classes = "5"; see the loader's config)."""
    protocol: str = "loso"
    """Evaluation protocol; loso is the one ME protocol."""
    cache: str = ""
    """Folder for cached clip inputs; empty = OUT/cache."""
    keep_fold_models: bool = True
    """Keep each fold's best.pt (last.pt, with optimiser state, is removed when a fold ends)."""
    final_model: bool = True
    """After the folds, train one model on every subject (OUT/final/best.pt, for aucli mer)."""
    device: str = "auto"
    """auto, cpu or cuda."""


@dataclass(frozen=True)
class AuxSection:
    """Auxiliary macro-expression data for methods with an auxiliary branch (lightman)."""

    dataset: str = ""
    """Registered expression loader (ck+, raf-db, synthetic-macro); empty = none."""
    root: str = ""
    """Its root folder."""
    options: dict[str, Any] = field(default_factory=dict)
    """The auxiliary loader's own settings."""
    map: dict[str, str] = field(default_factory=dict)
    """Auxiliary class name -> ME class name; empty pairs equal names; unmapped are dropped."""
    per_class: int = 0
    """At most this many images per ME class (0 = all)."""


@dataclass(frozen=True)
class MERunConfig:
    """A whole ME run: the TOML preset in pipelines/train-<method>-<dataset>.toml."""

    run: RunSection = RunSection()
    """Method, dataset, protocol."""
    input: InputConfig = InputConfig()
    """Clip -> flow/apex inputs."""
    train: TrainConfig = TrainConfig()
    """Optimisation (the generic trainer's settings; clips are in memory, so no workers)."""
    method: dict[str, Any] = field(default_factory=dict)
    """The method's own config table (its paper defaults fill what is left out)."""
    aux: AuxSection = AuxSection()
    """Auxiliary macro-expression data."""
    robustness: RobustnessConfig = RobustnessConfig()
    """Training-label noise and few-shot subsets."""


def method_config(config: MERunConfig) -> Any:
    """The method's resolved config; a method with ``input_size`` gets the run's input size."""
    from aucli.methods import METHODS

    cls = METHODS.get(config.run.method)
    if getattr(cls, "task", "") != "me":
        raise AucliError(f"{config.run.method!r} is not a micro-expression method")
    table = dict(config.method)
    if "input_size" in getattr(cls.config_class, "__dataclass_fields__", {}):
        table["input_size"] = config.input.size
    return from_dict(cls.config_class, table, "method.")


def resolved(config: MERunConfig) -> dict[str, Any]:
    """The run config as a TOML-ready dict with the method table fully resolved."""
    data = to_dict(config)
    data["method"] = to_dict(method_config(config))
    return data


def _check_out_dir(out_dir: Path, config: dict[str, Any], resume: bool) -> None:
    """Write OUT/config.toml; resuming a run with another recipe (device aside) is an error."""
    from aucli.config import load_toml

    saved = out_dir / "config.toml"
    if resume and saved.is_file():
        def recipe(data: dict[str, Any]) -> dict[str, Any]:
            return {**data, "run": {k: v for k, v in data.get("run", {}).items() if k != "device"}}

        if recipe(load_toml(saved)) != recipe(tomllib.loads(dumps(config))):  # as TOML reads it
            raise AucliError(f"{out_dir} holds a run with a different config; use another -o")
    out_dir.mkdir(parents=True, exist_ok=True)
    saved.write_text(dumps(config))


def _inputs(config: MERunConfig, out_dir: Path, clips: list, classes: list[str]
            ) -> tuple[list, list, MEDataset]:
    from rich.progress import Progress

    if not clips:
        raise AucliError(f"{config.run.dataset}: no clips under {config.run.root}")
    subjects = sorted({c.subject for c in clips})
    cache = InputCache(config.run.cache or out_dir / "cache", config.input)
    with Progress(transient=True) as bar:
        task = bar.add_task("clip inputs", total=len(clips))
        data = build_dataset(clips, classes, subjects, cache,
                             lambda n: bar.update(task, completed=n))
    return classes, subjects, data


def _aux_bank(config: MERunConfig, classes: list[str]) -> Any:
    from aucli.data import DATASETS
    from aucli.methods import METHODS

    if not getattr(METHODS.get(config.run.method), "aux_kind", ""):
        return None
    if not config.aux.dataset:
        print(f"warning: {config.run.method} trains without its auxiliary branch "
              "(no aux.dataset given)", file=sys.stderr)
        return None
    if not config.aux.root:
        raise AucliError(f"{config.run.method} uses {config.aux.dataset} as auxiliary data: give "
                         f"--aux-dataset {config.aux.dataset} --aux-root ROOT (or "
                         "--set aux.dataset='\"\"' to train without it)")
    loader = DATASETS.get(config.aux.dataset)(config.aux.root, **config.aux.options)
    return macro_bank(loader, classes, dict(config.aux.map), config.input.size,
                      config.aux.per_class)


def build_method(config: MERunConfig, num_classes: int, aux: Any = None):
    """A fresh method for one fold, initialised from the run's seed."""
    import torch

    from aucli.methods import METHODS

    torch.manual_seed(config.train.seed)
    method = METHODS.get(config.run.method)(method_config(config), num_classes)
    if aux is not None:
        method.set_auxiliary(*aux)
    return method


def predict(method: Any, data: MEDataset, batch_size: int, device: Any) -> np.ndarray:
    """Class probabilities [N, K] of a trained method (one plain forward pass per batch)."""
    import torch

    method.eval()
    out = []
    with torch.no_grad():
        for start in range(0, len(data), batch_size):
            batch = data.batch(np.arange(start, min(start + batch_size, len(data))))
            batch = {k: v.to(device) for k, v in batch.items()}
            out.append(method.predict(batch).float().softmax(-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, method.num_outputs), np.float32)


def _train_fold(config: MERunConfig, data: MEDataset, fold: int, test: np.ndarray,
                fold_dir: Path, meta: dict[str, Any], aux: Any, keep_model: bool) -> np.ndarray:
    """Train on the clips outside ``test`` (perturbed as configured), predict ``test``."""
    import torch

    from aucli.engine.trainer import fit, resolve_device

    train_idx = np.flatnonzero(~test)
    keep, labels = perturb_training(data.labels.numpy()[train_idx], meta["num_outputs"],
                                    config.robustness, fold)
    train_set = data.subset(train_idx[keep]).with_labels(labels)
    device = resolve_device(config.run.device)
    method = build_method(config, meta["num_outputs"], aux)
    held_out = [meta["subjects"][i] for i in np.unique(data.subjects.numpy()[test])]
    info = RunInfo(config.run.method, resolved(config),
                   {**meta, "fold": fold, "test_subjects": held_out})
    fit(method, train_set, fold_dir, info, replace(config.train, num_workers=0), device=device,
        resume=True)
    probs = predict(method, data.subset(np.flatnonzero(test)), config.train.batch_size, device)
    if not keep_model:
        (fold_dir / "best.pt").unlink(missing_ok=True)
    (fold_dir / "last.pt").unlink(missing_ok=True)
    del method
    torch.cuda.empty_cache() if torch.cuda.is_available() else None
    return probs


def _fold_table(clips: list, classes: list[str], rows: np.ndarray, probs: np.ndarray):
    import pyarrow as pa

    sel = [clips[i] for i in rows]
    cols = {
        "subject": [c.subject for c in sel], "y_true": [c.label for c in sel],
        "y_pred": [classes[i] for i in probs.argmax(1)], "dataset": [c.dataset for c in sel],
        "clip": [c.clip for c in sel],
    }
    cols.update({f"p_{c}": probs[:, k].astype(np.float32) for k, c in enumerate(classes)})
    return pa.table(cols)


def _write_parquet(table: Any, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)


def run_loso(config: MERunConfig, out_dir: str | Path, loader: Any = None,
             resume: bool = True) -> dict[str, Any]:
    """Train and test every LOSO fold (skipping finished ones), pool, score, write reports."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    from rich.progress import Progress

    from aucli.data import DATASETS

    if config.run.protocol != "loso":
        raise AucliError(f"protocol {config.run.protocol!r}: ME methods are evaluated with loso")
    out_dir = Path(out_dir)
    loader = loader or DATASETS.get(config.run.dataset)(config.run.root, **config.run.options)
    clips = loader.clips()  # read and checked before anything is written
    aux = _aux_bank(config, list(loader.classes))
    _check_out_dir(out_dir, resolved(config), resume)
    classes, subjects, data = _inputs(config, out_dir, clips, list(loader.classes))
    meta = {"num_outputs": len(classes), "classes": classes, "subjects": subjects, "task": "me",
            "dataset": config.run.dataset}
    tables = []
    with Progress() as bar:
        task = bar.add_task("LOSO folds", total=len(subjects))
        for fold, subject in enumerate(subjects):
            fold_dir = out_dir / "folds" / subject
            done = fold_dir / "predictions.parquet"
            if not (resume and done.is_file()):
                test = data.subjects.numpy() == fold
                probs = _train_fold(config, data, fold, test, fold_dir, meta, aux,
                                    config.run.keep_fold_models)
                _write_parquet(_fold_table(clips, classes, np.flatnonzero(test), probs), done)
            tables.append(pq.read_table(done))
            bar.update(task, advance=1, description=f"LOSO folds (done {subject})")
    pooled = pa.concat_tables(tables)
    _write_parquet(pooled, out_dir / "predictions.parquet")
    metrics = write_report(pooled.to_pydict(), classes, out_dir)
    final = out_dir / "final"
    if config.run.final_model and not (resume and (final / "best.pt").is_file()):
        _train_fold(config, data, len(subjects), np.zeros(len(data), bool), final, meta, aux, True)
    return metrics


def load_run_config(path: str | Path | None, overrides: list[str] = ()) -> MERunConfig:
    """A preset TOML (or the defaults) with ``--set`` overrides applied."""
    from aucli.config import apply_overrides, load_toml

    data = load_toml(path) if path else {}
    return from_dict(MERunConfig, apply_overrides(data, list(overrides)))


def preset_path(method: str, dataset: str) -> Path | None:
    """pipelines/train-<method>-<dataset>.toml when the repository ships one."""
    from aucli.config import preset

    return preset(f"train-{method}-{dataset}")


def cli_config(method: str, dataset: str, root: str, config: str | None = None,
               overrides: list[str] = (), aux_dataset: str = "", aux_root: str = "",
               label_noise: float | None = None, shots: int | None = None,
               device: str = "") -> MERunConfig:
    """The run config ``aucli train|evaluate <me-method> ...`` means.

    Layers, later wins: the method's paper defaults, the preset (``--config`` or the shipped
    pipelines/train-<method>-<dataset>.toml), the named options, then ``--set`` overrides.
    """
    named = [f"run.method={_q(method)}", f"run.dataset={_q(dataset)}", f"run.root={_q(root)}"]
    if aux_dataset:
        named += [f"aux.dataset={_q(aux_dataset)}", f"aux.root={_q(aux_root)}"]
    if label_noise is not None:
        named.append(f"robustness.label_noise={float(label_noise)}")
    if shots is not None:
        named.append(f"robustness.shots={int(shots)}")
    if device:
        named.append(f"run.device={_q(device)}")
    from aucli.config import preset

    if config and not Path(config).is_file() and preset(config):
        config = str(preset(config))  # a preset name, as for AU runs
    return load_run_config(config or preset_path(method, dataset), [*named, *overrides])


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'



def is_me_method(name: str) -> bool:
    """Whether ``name`` is a registered micro-expression method (routes train/evaluate here)."""
    from aucli.methods import METHODS

    return name in METHODS and getattr(METHODS.get(name), "task", "") == "me"


def train_cli(method: str, dataset: str, root: str | Path, protocol: str | None,
              run_dir: Path, resume: bool, config: Path | None = None,
              overrides: list[str] = (), aux_dataset: str | None = None,
              aux_root: str | Path | None = None, device: str = "auto") -> dict[str, Any]:
    """``aucli train <me-method> --protocol loso``: every fold, pooled scores, printed summary."""
    from aucli.engine.me_report import print_summary

    if protocol != "loso":
        raise AucliError(f"{method} is evaluated leave-one-subject-out: pass --protocol loso")
    if (run_dir / "config.toml").is_file() and not resume:
        raise AucliError(f"{run_dir} already holds a run: pass --resume to continue it fold by "
                         "fold, or choose another -o")
    cfg = cli_config(method, dataset, str(root), str(config) if config else None,
                     list(overrides), aux_dataset or "", str(aux_root or ""), device=device)
    metrics = run_loso(cfg, run_dir)
    print_summary(metrics, f"{method} on {dataset}, LOSO ({len(metrics['folds'])} folds)")
    return metrics


def me_run_config(path: Path) -> MERunConfig | None:
    """The run config of an ME run folder or checkpoint; None when ``path`` is not an ME run."""
    from aucli.config import load_toml
    from aucli.methods.checkpoint import load_checkpoint

    if path.is_dir() and (path / "config.toml").is_file():
        data = load_toml(path / "config.toml")
    elif path.is_file() and path.suffix == ".pt":
        data = load_checkpoint(path)["config"]
    else:
        return None
    run = data.get("run")
    if not isinstance(run, dict) or not is_me_method(str(run.get("method", ""))):
        return None
    return from_dict(MERunConfig, data)


def evaluate_cli(config: MERunConfig, dataset: str, root: str | Path, out_dir: Path,
                 label_noise: float | None, shots: int | None,
                 device: str = "auto") -> dict[str, Any]:
    """``aucli evaluate <me-run> --label-noise p --shots K``: the run's recipe, retrained per
    LOSO fold on perturbed training labels / a K-shot subset, scored on clean test labels."""
    from aucli.engine.me_report import print_summary

    rob = replace(config.robustness,
                  label_noise=config.robustness.label_noise if label_noise is None else label_noise,
                  shots=config.robustness.shots if shots is None else shots)
    run = replace(config.run, dataset=dataset, root=str(root),
                  device=device if device != "auto" else config.run.device)
    cfg = replace(config, run=run, robustness=rob)
    metrics = run_loso(cfg, out_dir)
    print_summary(metrics, f"{run.method} on {dataset}, LOSO, label noise {rob.label_noise:g}, "
                           f"shots {rob.shots or 'all'}")
    return metrics
