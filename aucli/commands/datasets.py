"""``aucli datasets ...``: benchmark dataset roots (``check``; ``prepare`` belongs here too).

Sub-commands are added to ``datasets_app``; heavy imports stay inside the command bodies.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from aucli.commands._common import Engine

datasets_app = typer.Typer(
    help="Benchmark datasets in their original layouts: check a root before training on it.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(datasets_app, name="datasets")


def parse_options(items: list[str]) -> dict[str, Any]:
    """``["modality=VIS", "threshold=1"]`` -> ``{"modality": "VIS", "threshold": 1}`` (TOML)."""
    from aucli.config import parse_value
    from aucli.errors import InputError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"option {item!r} is not of the form key=value")
        out[key.strip()] = parse_value(value.strip())
    return out


def open_loader(name: str, root: Path, options: list[str]) -> Any:
    """The registered loader ``name`` on ``root``; one-line errors for bad names and options."""
    from aucli.data import DATASETS
    from aucli.errors import AucliError
    from aucli.registry import UnknownNameError

    try:
        return DATASETS.get(name.lower())(root, **parse_options(options))
    except UnknownNameError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except AucliError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@datasets_app.command("check")
def check(
    name: str = typer.Argument(..., help="Dataset name, e.g. bp4d, disfa, casme2, smic."),
    root: Path = typer.Argument(..., help="The dataset root in its original layout."),
    option: list[str] = typer.Option([], "--option", "-o",
                                     help="Loader option key=value, e.g. -o modality=VIS."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Walk a dataset root without loading images: counts, fold sizes and every problem found."""
    from aucli.errors import AucliError

    loader = open_loader(name, root, option)
    try:
        report = loader.check()
    except AucliError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
    else:
        _render(report)
    raise typer.Exit(0 if report["ok"] else 1)


def _render(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = Table(title=f"{report['dataset']} at {report['root']}", show_header=False)
    for key in ("kind", "subjects", "sequences", "items", "frames", "problem_count"):
        if key in report:
            value = report[key]
            summary.add_row(key, str(len(value) if isinstance(value, list) else value))
    console.print(summary)
    labels = Table("label", "counts", title="labels")
    for key, value in report["labels"].items():
        labels.add_row(key, ", ".join(f"{k} {v}" for k, v in value.items())
                       if isinstance(value, dict) else str(value))
    console.print(labels)
    folds = Table("fold", "sizes", title="folds")
    for key, value in report["folds"].items():
        folds.add_row(key, ", ".join(f"{k} {v}" for k, v in value.items())
                      if isinstance(value, dict) else str(value))
    console.print(folds)
    for message in report["problems"]:
        console.print(f"[yellow]problem[/]: {message}", highlight=False)
    if report["problem_count"] > len(report["problems"]):
        console.print(f"... {report['problem_count'] - len(report['problems'])} more problems")


@datasets_app.command("prepare")
def prepare_command(
    name: str = typer.Argument(..., help="Dataset name, e.g. bp4d, disfa, casme2."),
    root: Path = typer.Argument(..., help="The dataset root in its original layout."),
    cache: Path = typer.Option(..., "-o", "--out", help="Cache folder for aligned crops + index."),
    option: list[str] = typer.Option([], "--option", help="Loader option key=value."),
    size: int = typer.Option(256, "--size", min=16, help="Aligned crop size in pixels."),
    template: str = typer.Option("jaanet", "--template", help="jaanet or arcface alignment."),
    image_format: str = typer.Option("png", "--format", help="png or jpg crops."),
    workers: int = typer.Option(1, "--workers", min=1, help="Parallel processes."),
    engine: Engine = typer.Option(Engine.local, "--engine", help="local, or ray (chunks as Ray tasks)."),
    address: str = typer.Option("local", "--address", help="--engine ray: local, auto or HOST:PORT."),
) -> None:
    """Detect and align every frame (or clip, on its onset) once, with the same stages as
    `aucli extract`, and store aligned crops plus an index that `aucli train` reads. Resumable:
    finished chunks are kept; re-run the same command after an interruption."""
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError
    from aucli.extract.prepare import PrepareConfig, prepare
    from aucli.progress import progress_bar

    if image_format not in ("png", "jpg") or template not in ("jaanet", "arcface"):
        fail_usage("--format must be png or jpg and --template jaanet or arcface")
    open_loader(name, root, option)  # a bad name or option fails here, with exit status 2
    config = PrepareConfig(size=size, template=template, image_format=image_format)

    try:
        with progress_bar(f"prepare {name}", None, note="chunks") as bar:
            def advance(done: int, total: int) -> None:
                bar.advance(done, total=total)

            result = prepare(name.lower(), root, cache, parse_options(option), config, workers,
                             on_part=advance, ray_address=address if engine is Engine.ray else "")
    except AucliError as exc:
        fail_usage(str(exc))
    typer.echo(f"{result['items']} items, faces found in {result['faces_found']}; index: "
               f"{cache / 'index.parquet'}")
