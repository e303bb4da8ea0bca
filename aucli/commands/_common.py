"""Helpers shared by CLI commands: one-line errors, exit codes, the choices `--help` lists."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import NoReturn

import typer


class Device(StrEnum):
    """Where torch runs."""

    auto = "auto"
    cpu = "cpu"
    cuda = "cuda"


class Engine(StrEnum):
    """Where a batch runs."""

    local = "local"
    ray = "ray"


class Flow(StrEnum):
    """Optical flow methods (aucli.ops.flow)."""

    tvl1 = "tvl1"
    farneback = "farneback"
    dis = "dis"


THREADS_HELP = ("torch CPU threads; default: the physical cores this process may use "
                "(cgroup-aware); inter-op threads are set to 1.")


def threads_option() -> int | None:
    return typer.Option(None, "--threads", min=1, help=THREADS_HELP)


def use_threads(threads: int | None) -> int:
    """Apply ``--threads`` (or the default) before any torch work; returns the count."""
    from aucli.methods.runtime import configure_threads

    return configure_threads(threads)


def user_errors() -> tuple[type[Exception], ...]:
    """The exceptions a command reports as one line (exit 2) rather than a traceback."""
    from aucli.config import ConfigError
    from aucli.errors import AucliError
    from aucli.registry import UnknownNameError

    return AucliError, ConfigError, UnknownNameError


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
