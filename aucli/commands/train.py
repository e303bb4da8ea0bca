"""``aucli train``, ``aucli evaluate``, ``aucli export`` and ``aucli list``.

Each parses its options, calls one function of the training wing (``aucli.engine.runner``,
``aucli.engine.export``) and prints the result; torch is imported inside the command bodies.
"""

from __future__ import annotations

from pathlib import Path

import typer

from aucli.commands._common import Device, fail_usage, threads_option, use_threads, user_errors
from aucli.commands._tables import print_au_metrics, print_me_metrics


CACHE_HELP = ("Folder for the aligned-crop cache of a raw AU release (default: <root>.aucli-cache "
              "beside it); built once, resumable, reused.")
NO_ALIGN_HELP = "Read whole unaligned frames of a raw AU release (no face alignment)."


def _err(message: str) -> None:
    typer.echo(message, err=True)


def train_command(
    method: str = typer.Argument(..., help="Method to train (aucli list methods)."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name (aucli list datasets)."),
    root: Path = typer.Option(..., "--root", help="The dataset root in its original layout."),
    fold: int | None = typer.Option(None, "--fold", min=1, help="AU: published fold K (1..3)."),
    protocol: str | None = typer.Option(
        None, "--protocol", help="A named protocol (fera2015), or loso for micro-expressions."),
    aux_dataset: str | None = typer.Option(None, "--aux-dataset",
                                           help="Auxiliary expression dataset (mal, lightman)."),
    aux_root: Path | None = typer.Option(None, "--aux-root", help="Root of the auxiliary dataset."),
    config: str | None = typer.Option(
        None, "--config", help="Recipe TOML or preset name; default: train-METHOD-DATASET when "
        "it ships; 'none' = code defaults."),
    overrides: list[str] = typer.Option([], "--set", help="Override a setting: a.b=value."),
    device: Device = typer.Option(Device.auto, "--device", help="Where torch runs."),
    threads: int | None = threads_option(),
    out: Path = typer.Option(
        ..., "-o", "--out",
        help="Runs folder; the run is OUT/METHOD-DATASET-foldK (or OUT/METHOD-DATASET-PROTOCOL)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run (fold by fold for LOSO)."),
    cache: Path | None = typer.Option(None, "--cache", help=CACHE_HELP),
    no_align: bool = typer.Option(False, "--no-align", help=NO_ALIGN_HELP),
) -> None:
    """Train METHOD and score its test subjects. AU: one fold, validation subjects carved from
    the training ones -> RUN/{config.toml, log.csv, last.pt, best.pt, metrics.json,
    predictions.parquet}. ME: leave-one-subject-out, RUN/folds/<subject>/ per fold, pooled
    scores at RUN, and RUN/final/ trained on every subject for `aucli mer`."""
    from aucli import api

    if (aux_dataset is None) != (aux_root is None):
        fail_usage("give --aux-dataset with --aux-root")
    try:
        result = api.train(method, dataset, root, out, cache=cache, no_align=no_align,
                           threads=threads, fold=fold or 0, protocol=protocol or "",
                           config=config, overrides=overrides, aux_dataset=aux_dataset or "",
                           aux_root=aux_root or "", resume=resume, device=device.value,
                           announce=_err)
    except user_errors() as exc:
        fail_usage(str(exc))
    title = f"{method} on {dataset}, {result.run_dir.name} (test subjects)"
    if "pooled" in result.metrics:
        print_me_metrics(result.metrics, f"{title}, {result.folds} LOSO folds pooled")
        typer.echo("scored: each fold's last epoch (a fixed epoch count; nothing is selected on "
                   "the test subject)")
    elif result.metrics:
        print_au_metrics(result.metrics, title)
    typer.echo(f"preset: {result.source}")
    typer.echo(f"run: {result.run_dir}")


def evaluate_command(
    checkpoint: Path = typer.Argument(..., help="A run folder or a checkpoint file."),
    dataset: str = typer.Option(..., "--dataset", help="Dataset name."),
    root: Path = typer.Option(..., "--root", help="Dataset root."),
    fold: int | None = typer.Option(None, "--fold", min=1, help="Evaluate on this fold's test subjects."),
    protocol: str | None = typer.Option(None, "--protocol", help="Or a named protocol (loso for ME runs)."),
    identity_probe: bool = typer.Option(False, "--identity-probe",
                                        help="Subject-ID accuracy of a linear probe on embeddings."),
    save_embeddings: bool = typer.Option(False, "--save-embeddings",
                                         help="Also write every frame's embedding (embeddings.npy)."),
    out: Path | None = typer.Option(None, "-o", "--out", help="Output folder (default: in the run)."),
    device: Device = typer.Option(Device.auto, "--device", help="Where torch runs."),
    threads: int | None = threads_option(),
    batch_size: int = typer.Option(64, "--batch-size", min=1, help="Images per batch."),
    retrain: bool = typer.Option(False, "--retrain",
                                 help="ME runs: train every LOSO fold again instead of re-scoring."),
    label_noise: float | None = typer.Option(None, "--label-noise", min=0.0, max=1.0,
                                             help="ME runs: retrain with this symmetric noise."),
    shots: int | None = typer.Option(None, "--shots", min=1,
                                     help="ME runs: retrain on K training clips per class."),
    cache: Path | None = typer.Option(None, "--cache", help=CACHE_HELP),
    no_align: bool = typer.Option(False, "--no-align", help=NO_ALIGN_HELP),
) -> None:
    """Score a run on a dataset's test subjects. AU: per-AU F1 / accuracy / ROC-AUC of the
    checkpoint; writes metrics.json and predictions.parquet (subject, fold, AUxx_true, AUxx_pred,
    AUxx_prob: what `aucli score` reads), extras.npz and, for marl-t, au_relation.csv. ME (a LOSO
    run): re-scores the saved folds, or retrains them with --retrain / --label-noise / --shots."""
    from aucli import api

    if (fold is None) == (protocol is None):
        fail_usage("give exactly one of --fold / --protocol")
    try:
        ev = api.evaluate(checkpoint, dataset, root, cache=cache, no_align=no_align,
                          threads=threads, fold=fold or 0, protocol=protocol or "", out=out,
                          probe=identity_probe, save_embeddings=save_embeddings,
                          batch_size=batch_size, device=device.value, label_noise=label_noise,
                          shots=shots, retrain=retrain)
    except user_errors() as exc:
        fail_usage(str(exc))
    if ev.task == "me":
        print_me_metrics(ev.metrics, f"{checkpoint.name} on {dataset}: {ev.how}")
    else:
        print_au_metrics(ev.metrics, f"{ev.metrics['method']} on {dataset} "
                                     f"({ev.metrics['frames']} frames)")
    typer.echo(f"wrote {ev.folder / 'metrics.json'} and {ev.folder / 'predictions.parquet'}")


def export_command(
    checkpoint: Path = typer.Argument(..., help="A run folder or a checkpoint file."),
    out: Path = typer.Option(..., "-o", "--out", help="The .onnx file to write."),
    opset: int = typer.Option(17, "--opset", help="ONNX opset."),
    threads: int | None = threads_option(),
) -> None:
    """Export the model's per-AU probabilities to ONNX, checked against PyTorch."""
    from aucli.engine.export import export_onnx

    use_threads(threads)
    try:
        diff = export_onnx(checkpoint, out, opset)
    except user_errors() as exc:
        fail_usage(str(exc))
    typer.echo(f"wrote {out} (max |onnx - torch| = {diff:.1e})")


def list_command(
    what: str = typer.Argument(..., help="methods, datasets, stages or backbones."),
) -> None:
    """List the registered methods, datasets, stages or backbones."""
    from aucli.commands._tables import registry_lines

    try:
        lines = registry_lines(what)
    except KeyError:
        fail_usage(f"unknown list {what!r}; choose from methods, datasets, stages, backbones")
    for line in lines:
        typer.echo(line)


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("evaluate")(evaluate_command)
    app.command("export")(export_command)
    app.command("list")(list_command)
