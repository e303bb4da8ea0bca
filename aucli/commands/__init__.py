"""CLI command modules; each exposes ``register(app: typer.Typer)`` (see aucli/cli.py)."""
