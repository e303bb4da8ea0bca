"""``aucli weights check FILE --backbone NAME``: does a published checkpoint load, and as what."""

from __future__ import annotations

from pathlib import Path

import typer

weights_app = typer.Typer(
    help="Pretrained backbone weight files: check that one loads before training from it.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(weights_app, name="weights")


@weights_app.command("check")
def check(
    file: Path = typer.Argument(..., help="A checkpoint: torchvision/timm ResNet .pth, official "
                                          "or timm Swin .pth, timm ViT .pth, ViT in21k .npz."),
    backbone: str = typer.Option(..., "--backbone", help="Backbone name (aucli list backbones)."),
) -> None:
    """Guess the file's format, map its keys onto BACKBONE and report what loaded (or the
    guessed format and the first keys that did not fit). Exit 0 when it loads, 2 otherwise."""
    from aucli.commands._common import fail_usage
    from aucli.errors import AucliError
    from aucli.nn import BACKBONES, load_backbone_weights
    from aucli.registry import UnknownNameError

    try:
        net = BACKBONES.get(backbone)()
        info = load_backbone_weights(net, file)
    except (AucliError, UnknownNameError) as exc:
        fail_usage(str(exc))
    typer.echo(f"{file}: format {info['format']}; loaded {info['loaded']} tensors "
               f"({info['parameters']:,} values) into {backbone}; dropped "
               f"{len(info['dropped'])} ({', '.join(info['dropped'][:4]) or 'none'}"
               f"{', ...' if len(info['dropped']) > 4 else ''})")
