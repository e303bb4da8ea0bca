"""How the training commands print their results (rich tables on stdout)."""

from __future__ import annotations

from typing import Any

import typer


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def print_au_metrics(metrics: dict[str, Any], title: str) -> None:
    """Per-AU F1 / accuracy / ROC-AUC; uncoded AUs show '-' and stay out of the mean; then
    which checkpoint (and epoch) was scored and how the backbone started."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for col in ("AU", "F1", "Acc", "ROC-AUC"):
        table.add_column(col, justify="right")
    for au in [k.removeprefix("f1_") for k in metrics if k.startswith("f1_AU")]:
        table.add_row(au, _pct(metrics["f1_" + au]), _pct(metrics["acc_" + au]),
                      _pct(metrics.get("auc_" + au)))
    table.add_row(f"mean ({metrics.get('f1_n', '?')} AUs)", _pct(metrics["f1"]),
                  _pct(metrics["acc"]), _pct(metrics.get("auc")), style="bold")
    Console().print(table)
    if "checkpoint" in metrics:
        chosen = metrics.get("selected_by") or "?"
        how = "the last epoch (no validation split)" if chosen == "last epoch" else \
            f"best {chosen} on validation subjects"
        typer.echo(f"scored: {metrics['checkpoint']}, epoch {metrics.get('epoch')} ({how}); "
                   f"backbone: {metrics.get('init', '?')}")
    if "identity_probe_acc" in metrics:
        typer.echo(f"identity probe: subject-ID accuracy {100 * metrics['identity_probe_acc']:.1f} % "
                   f"(chance {100 * metrics['identity_probe_chance']:.1f} %)")


def print_me_metrics(metrics: dict[str, Any], title: str) -> None:
    """Pooled (and per-source) accuracy / UF1 / UAR."""
    from rich.console import Console
    from rich.table import Table

    table = Table("set", "n", "accuracy", "UF1", "UAR", title=title)
    rows = {"pooled": metrics["pooled"]}
    if len(metrics["per_dataset"]) > 1:
        rows.update(metrics["per_dataset"])
    for name, s in rows.items():
        table.add_row(name, str(s["n"]), f"{s['accuracy']:.4f}", f"{s['uf1']:.4f}",
                      f"{s['uar']:.4f}")
    Console().print(table)


def _summary(obj: Any) -> str:
    doc = (getattr(obj, "__doc__", None) or "").strip()
    return doc.splitlines()[0] if doc else ""


def registry_lines(what: str) -> list[str]:
    """``name  first docstring line`` of every entry of a registry (KeyError: unknown list)."""
    from aucli.data import DATASETS
    from aucli.extract.stages import STAGES
    from aucli.methods import METHODS
    from aucli.nn import BACKBONES

    reg = {"methods": METHODS, "datasets": DATASETS, "stages": STAGES, "backbones": BACKBONES}[what]
    lines = []
    for name in reg.names():
        obj = reg.get(name)
        doc = _summary(obj) or _summary(__import__(obj.__module__, fromlist=["_"]))
        lines.append(f"{name:16s} {doc}".rstrip())
    return lines
