"""``aucli score PRED --task au|me|spot``: score any tool's predictions file under the benchmark
rules (the scoring itself is :mod:`aucli.metrics.scoring` and :mod:`aucli.spotting.metric`).

The tasks are :data:`aucli.api.SCORERS` (the same scorers ``aucli.score`` uses); this module adds
one renderer per task, and ``--task`` lists them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from aucli.api import SCORERS


def _jsonable(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else str(value)


def render_au(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    keys = [k for k in ("f1", "accuracy", "icc", "mae") if k in result]
    table = Table("AU", *keys, "n", title="AU scores (all rows pooled)")
    for au in result["f1"]:
        table.add_row(au, *[_fmt(result[k][au]) for k in keys], str(result["n"][au]))
    table.add_row(f"mean ({result['f1_n']} AUs)", *[_fmt(result[f"{k}_mean"]) for k in keys], "",
                  style="bold")
    console = Console()
    console.print(table)
    if "folds" in result:
        folds = Table("fold", *[f"{k} mean" for k in keys], title="per fold")
        for name, block in result["folds"].items():
            folds.add_row(name, *[_fmt(block[f"{k}_mean"]) for k in keys])
        folds.add_row("mean over folds", _fmt(result["f1_mean_over_folds"]), style="bold")
        console.print(folds)


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"



def render_me(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("set", "n", "accuracy", "UF1", "UAR", title="ME scores (pooled over subjects)")
    rows = {"all": result, **result.get("per_dataset", {})}
    for name, block in rows.items():
        table.add_row(name, str(block["n"]), _fmt(block["accuracy"]), _fmt(block["uf1"]),
                      _fmt(block["uar"]))
    conf = Table("true \\ pred", *result["classes"], title="confusion (all)")
    for name, row in zip(result["classes"], result["confusion"]):
        conf.add_row(name, *map(str, row))
    console = Console()
    console.print(table)
    console.print(conf)



def render_spot(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("kind", "TP", "FP", "FN", "precision", "recall", "F1", title="spotting (MEGC)")
    for name, block in {"all": result, **result.get("by_kind", {})}.items():
        table.add_row(name, *(str(block[k]) for k in ("tp", "fp", "fn")),
                      *(_fmt(block[k]) for k in ("precision", "recall", "f1")))
    Console().print(table)




# One renderer per task the API scores (aucli.api.SCORERS); --help lists them.
RENDERERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "au": render_au, "me": render_me, "spot": render_spot}
TaskName = StrEnum("TaskName", {name: name for name in SCORERS})


def register(app: typer.Typer) -> None:
    app.command("score")(score)


def score(
    pred: Path = typer.Argument(..., help="Predictions file (.csv or .parquet)."),
    task: TaskName = typer.Option(..., "--task", help="What is scored."),
    intensity: bool = typer.Option(False, "--intensity", help="AU intensities: add ICC and MAE."),
    threshold: float = typer.Option(0.5, help="AU decision threshold on _pred."),
    occurrence_threshold: float = typer.Option(
        2.0, help="With --intensity: intensity >= this is an occurrence (DISFA benchmark: 2)."),
    round_predictions: bool = typer.Option(False, "--round", help="Round intensity predictions."),
    truth: Path | None = typer.Option(None, "--truth", help="spot: ground-truth intervals (.csv/.parquet)."),
    iou: float = typer.Option(0.5, "--iou", help="spot: IoU needed for a match (MEGC: 0.5)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Score a predictions file under the protocol (per-AU F1, ICC, MAE; ME accuracy, UF1, UAR;
    spotting precision, recall, F1 at IoU >= 0.5 against --truth). An AU with no known label in
    the file is null and left out of the means; `f1_n` counts the AUs `f1_mean` averages."""
    from aucli.api import score_table
    from aucli.errors import AucliError
    from aucli.metrics.scoring import ScoreOptions, read_table

    options = ScoreOptions(intensity, threshold, occurrence_threshold, round_predictions,
                           str(truth or ""), iou)
    try:
        result = score_table(read_table(pred), task.value, options)
    except AucliError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(result, allow_nan=False, default=_jsonable))
    else:
        RENDERERS[task.value](result)
