"""``aucli train``, ``aucli evaluate``, ``aucli export`` and ``aucli list``.

Thin wrappers over :mod:`aucli.engine.run`; torch is imported inside the command bodies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from aucli.commands._common import fail_usage

CACHE_HELP = ("Folder for the aligned-crop cache of a raw AU release (default: <root>.aucli-cache "
              "beside it); built once, resumable, reused.")
NO_ALIGN_HELP = "Read whole unaligned frames of a raw AU release (no face alignment)."


def _user_errors() -> tuple[type[Exception], ...]:
    from aucli.config import ConfigError
    from aucli.errors import AucliError
    from aucli.registry import UnknownNameError

    return AucliError, ConfigError, UnknownNameError


def _recipe(config: Path | None, overrides: list[str]) -> dict[str, Any]:
    """The --config TOML (a path, or a preset name from pipelines/) with --set applied."""
    from aucli.config import apply_overrides, load_toml, preset

    data: dict[str, Any] = {}
    if config is not None:
        bundled = preset(str(config))
        data = load_toml(config if config.is_file() or bundled is None else bundled)
    return apply_overrides(data, overrides)


def _print_metrics(metrics: dict[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("AU", "F1", "Acc"):
        table.add_column(col, justify="right")
    aus = [k.removeprefix("f1_") for k in metrics if k.startswith("f1_AU")]
    for au in aus:
        table.add_row(au, f"{100 * metrics['f1_' + au]:.1f}", f"{100 * metrics['acc_' + au]:.1f}")
    table.add_row("mean", f"{100 * metrics['f1']:.1f}", f"{100 * metrics['acc']:.1f}")
    Console().print(table)
    if "identity_probe_acc" in metrics:
        typer.echo(f"identity probe: subject-ID accuracy {100 * metrics['identity_probe_acc']:.1f} % "
                   f"(chance {100 * metrics['identity_probe_chance']:.1f} %)")


def train_command(
    method: str = typer.Argument(..., help="Method to train (aucli list methods)."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name (aucli list datasets)."),
    root: Path = typer.Option(..., "--root", help="The dataset root in its original layout."),
    fold: int | None = typer.Option(None, "--fold", help="Published fold K (1..3)."),
    protocol: str | None = typer.Option(None, "--protocol", help="Named protocol, e.g. fera2015."),
    aux_dataset: str | None = typer.Option(None, "--aux-dataset", help="Auxiliary dataset (mal)."),
    aux_root: Path | None = typer.Option(None, "--aux-root", help="Root of the auxiliary dataset."),
    config: Path | None = typer.Option(None, "--config", help="Recipe TOML or preset name."),
    overrides: list[str] = typer.Option([], "--set", help="Override a setting: a.b=value."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    out: Path = typer.Option(
        ..., "-o", "--out", help="Runs folder; the run is OUT/METHOD-DATASET-FOLD."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run from its last.pt."),
    cache: Path | None = typer.Option(None, "--cache", help=CACHE_HELP),
    no_align: bool = typer.Option(False, "--no-align", help=NO_ALIGN_HELP),
) -> None:
    """Train METHOD on one fold (validation subjects carved from the training ones), then score
    the test fold: RUN/{config.toml, log.csv, last.pt, best.pt, metrics.json, predictions.parquet}."""
    from aucli.engine.run import load_split, run_name, train_run
    from aucli.extract.aligned import aligned_input_with_progress

    if (fold is None) == (protocol is None) or (aux_dataset is None) != (aux_root is None):
        fail_usage("give exactly one of --fold / --protocol, and --aux-dataset with --aux-root")
    run = out / run_name(method, dataset, fold, protocol)
    from aucli.engine.loso import is_me_method, train_cli  # ME methods: LOSO runner

    if is_me_method(method):
        try:
            train_cli(method, dataset, root, protocol, run, resume, config, overrides,
                      aux_dataset, aux_root, device)
        except _user_errors() as exc:
            fail_usage(str(exc))
        typer.echo(f"run: {run}")
        return
    if (run / "last.pt").is_file() and not resume:
        fail_usage(f"{run} already holds a run: pass --resume to continue it, or choose another -o")
    try:
        recipe = _recipe(config, overrides)
        recipe["dataset"] = {"name": dataset, "root": str(root), "fold": fold or 0,
                             "protocol": protocol or "", "aux_name": aux_dataset or "",
                             "aux_root": str(aux_root or "")}
        source = aligned_input_with_progress(dataset, root, cache, no_align)
        recipe["inputs"] = source.record
        split = load_split(source.dataset, source.root, fold, protocol)
        aux = _aux(aux_dataset, aux_root) if aux_dataset else None
        _, metrics = train_run(method, recipe, split, run, aux, device, resume)
    except _user_errors() as exc:
        fail_usage(str(exc))
    if metrics:
        _print_metrics(metrics, f"{method} on {dataset} {run.name} (test subjects)")
    typer.echo(f"run: {run}")


def _aux(name: str, root: Path):
    """The auxiliary loader and its training samples (its own test partition is left out)."""
    from aucli.data import DATASETS

    loader = DATASETS.get(name)(root)
    samples = [s for s in loader.samples() if getattr(s, "split", "") != "test"
               and s.sequence != "test"]
    return loader, samples


def evaluate_command(
    checkpoint: Path = typer.Argument(..., help="A run folder or a checkpoint file."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name."),
    root: Path = typer.Option(..., "--root", help="Dataset root."),
    fold: int | None = typer.Option(None, "--fold", help="Evaluate on this fold's test subjects."),
    protocol: str | None = typer.Option(None, "--protocol", help="Or a named protocol."),
    identity_probe: bool = typer.Option(False, "--identity-probe",
                                        help="Subject-ID accuracy of a linear probe on embeddings."),
    save_embeddings: bool = typer.Option(False, "--save-embeddings",
                                         help="Also write every frame's embedding (embeddings.npy)."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Output folder (default: in the run)."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Images per batch."),
    label_noise: float | None = typer.Option(None, "--label-noise", min=0.0, max=1.0,
                                             help="ME runs: retrain with this symmetric noise."),
    shots: int | None = typer.Option(None, "--shots", min=1,
                                     help="ME runs: retrain on K training clips per class."),
    cache: Path | None = typer.Option(None, "--cache", help=CACHE_HELP),
    no_align: bool = typer.Option(False, "--no-align", help=NO_ALIGN_HELP),
) -> None:
    """Per-AU F1 / accuracy on the test subjects; writes metrics.json and predictions.parquet
    (subject, fold, AUxx_true, AUxx_pred, AUxx_prob: what `aucli score` reads), extras.npz and,
    for marl-t, au_relation.csv (the AU-relation attention heat-map)."""
    from aucli.engine.run import evaluate_checkpoint
    from aucli.extract.aligned import aligned_input_with_progress

    if (fold is None) == (protocol is None):
        fail_usage("give exactly one of --fold / --protocol")
    if _evaluate_me(checkpoint, dataset, root, out, label_noise, shots, device):
        return
    try:
        source = aligned_input_with_progress(dataset, root, cache, no_align)
        metrics, folder = evaluate_checkpoint(checkpoint, source.dataset, source.root, fold, protocol, out,
                                              identity_probe, device, batch_size, 0,
                                              save_embeddings)
    except _user_errors() as exc:
        fail_usage(str(exc))
    _print_metrics(metrics, f"{metrics['method']} on {dataset} ({metrics['frames']} frames)")
    typer.echo(f"wrote {folder / 'metrics.json'} and {folder / 'predictions.parquet'}")


def _evaluate_me(checkpoint: Path, dataset: str, root: Path, out: Path | None,
                 label_noise: float | None, shots: int | None, device: str) -> bool:
    """ME runs: LOSO retraining under --label-noise / --shots (aucli.engine.loso)."""
    from aucli.engine.loso import evaluate_cli, me_run_config

    try:
        config = me_run_config(checkpoint)
        if config is None:
            if label_noise is not None or shots is not None:
                fail_usage("--label-noise and --shots apply to micro-expression runs")
            return False
        tag = f"eval-noise{label_noise or 0:g}-shots{shots or 0}"
        folder = out or (checkpoint if checkpoint.is_dir() else checkpoint.parent) / tag
        evaluate_cli(config, dataset, root, folder, label_noise, shots, device)
    except _user_errors() as exc:
        fail_usage(str(exc))
    typer.echo(f"wrote {folder / 'metrics.json'} and {folder / 'predictions.parquet'}")
    return True


def export_command(
    checkpoint: Path = typer.Argument(..., help="A run folder or a checkpoint file."),
    out: Path = typer.Option(..., "-o", "--out", help="The .onnx file to write."),
    opset: int = typer.Option(17, "--opset", help="ONNX opset."),
) -> None:
    """Export the model's per-AU probabilities to ONNX, checked against PyTorch."""
    from aucli.engine.export import export_onnx

    try:
        diff = export_onnx(checkpoint, out, opset)
    except _user_errors() as exc:
        fail_usage(str(exc))
    typer.echo(f"wrote {out} (max |onnx - torch| = {diff:.1e})")


def _summary(obj: Any) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def list_command(
    what: str = typer.Argument(..., help="methods, datasets, stages or backbones."),
) -> None:
    """List the registered methods, datasets, stages or backbones."""
    from aucli.data import DATASETS
    from aucli.methods import METHODS
    from aucli.nn import BACKBONES
    from aucli.extract.stages import STAGES

    registries = {"methods": METHODS, "datasets": DATASETS, "stages": STAGES,
                  "backbones": BACKBONES}
    if what not in registries:
        fail_usage(f"unknown list {what!r}; choose from {', '.join(registries)}")
    reg = registries[what]
    for name in reg.names():
        obj = reg.get(name)
        doc = _summary(obj) or _summary(__import__(obj.__module__, fromlist=["_"]))
        typer.echo(f"{name:16s} {doc}".rstrip())


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("export")(export_command)
    app.command("list")(list_command)
