"""CLI commands; each module exposes ``register(app: typer.Typer)`` (see aucli/cli.py).

A command parses its options, calls one function of a wing, and prints the result; no logic of
its own lives here.
"""
