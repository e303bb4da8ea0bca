"""Which pretrained weights a run starts from, recorded so a number can always be explained.

A method's ``backbone_weights`` is either a path (it must exist: a typo is an error) or a bare
file name such as ``resnet18-f37072fd.pth``, the file a paper preset expects (README, "Pretrained
weights"). A bare name is looked up in ``$AUCLI_WEIGHTS`` (default ``~/.aucli/weights``) and the
working directory; when it is in neither, the run prints one warning line naming the file and
trains from random initialisation, and the run config (``inputs.backbone``) and ``metrics.json``
say ``random init``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aucli.errors import InputError

RANDOM = "random init"


def weights_dirs() -> list[Path]:
    env = os.environ.get("AUCLI_WEIGHTS")
    return [Path(env).expanduser() if env else Path.home() / ".aucli" / "weights", Path.cwd()]


def locate(value: str) -> Path | None:
    """The file ``value`` names: a path as given, a bare name in :func:`weights_dirs`."""
    path = Path(value).expanduser()
    if path.parent != Path(".") or path.is_absolute():
        if not path.is_file():
            raise InputError(f"method.backbone_weights: {path} not found")
        return path
    return next((d / value for d in weights_dirs() if (d / value).is_file()), None)


def settle_weights(config: Any, warn: Callable[[str], None]) -> Any:
    """Resolve ``method.backbone_weights`` of a RunConfig and record the starting point in
    ``config.inputs["backbone"]``: the file, or ``random init`` (with the expected file)."""
    from dataclasses import replace

    from aucli.engine.recipe import method_class

    fields = method_class(config.run.method).config_class.__dataclass_fields__
    if "backbone_weights" not in fields:  # no backbone of its own (marl-t, the ME methods)
        return config
    method = dict(config.method)
    value = str(method.get("backbone_weights", fields["backbone_weights"].default) or "")
    if not value:
        record = RANDOM
    elif (path := locate(value)) is not None:
        method["backbone_weights"] = record = str(path.resolve())
    else:
        where = " or ".join(str(d) for d in weights_dirs())
        warn(f"warning: {value} (the preset's pretrained backbone) is not in {where}; "
             f"training from random init -- see README 'Pretrained weights'")
        method["backbone_weights"], record = "", f"{RANDOM} (expected {value})"
    return replace(config, method=method, inputs={**config.inputs, "backbone": record})
