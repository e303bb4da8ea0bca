"""Helpers shared by CLI commands: one-line errors and exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import typer


def fail_usage(message: str) -> NoReturn:
    """Print ``aucli: error: message`` on one line and exit 2."""
    typer.echo(f"aucli: error: {message}", err=True)
    raise typer.Exit(2)


def summarise(outcomes: list, out: Path) -> int:
    """Print the batch summary; return 0 if nothing failed, else 1."""
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
        if o.status == "failed":
            typer.echo(f"failed: {o.error}", err=True)
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    typer.echo(f"{len(outcomes)} inputs: {parts}. Manifest: {out / 'manifest.parquet'}", err=True)
    return 1 if counts.get("failed") else 0


def parse_aus(text: str) -> list[int]:
    """``--aus 6,12,45`` -> [6, 12, 45]; a usage error for anything else."""
    try:
        return [int(a) for a in text.replace(" ", "").split(",") if a]
    except ValueError:
        fail_usage(f"--aus expects AU numbers like 6,12,45, got {text!r}")
