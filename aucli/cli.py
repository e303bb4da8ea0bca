"""The ``aucli`` command line.

Each module in ``aucli/commands/`` adds its commands through ``register(app)``; modules import
only typer at the top and defer heavy imports into the command bodies, so ``--help`` is instant.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import typer

from aucli import __version__

app = typer.Typer(
    name="aucli",
    help="Face videos -> per-frame facial Action Unit and micro-expression data, offline.\n\n"
    "Start with `aucli extract sample_videos -o out/`, then `aucli report out/`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aucli {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """aucli."""


def _register_commands() -> None:
    from aucli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"aucli.commands.{info.name}")
        module.register(app)


_register_commands()


def main() -> None:
    from aucli.extract.memory import restart_with_one_arena

    restart_with_one_arena(["-m", "aucli.cli", *sys.argv[1:]])
    app(prog_name="aucli")


if __name__ == "__main__":
    main()
