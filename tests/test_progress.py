"""Progress and threads cost nothing that grows: one bar per run, torch threads set once."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import torch

from aucli.engine.me_data import MEDataset
from aucli.engine.trainer import RunInfo, TrainConfig, fit
from aucli.methods import METHODS


def test_epoch_time_does_not_grow_over_500_epochs(tmp_path, monkeypatch):
    """500 tiny epochs on a live (terminal) display: the last 50 epochs take no longer per epoch
    than the first 50, within a generous factor (a ratio, not a time). The old trainer added a
    bar per epoch and redrew them all, so its ratio grew to 30x and more."""
    import rich.console

    import aucli.progress

    def terminal(**kwargs):
        return rich.console.Console(file=io.StringIO(), force_terminal=True, width=100)

    monkeypatch.setattr(aucli.progress, "Console", terminal)
    from aucli.engine import trainer

    # checkpoints are not what is measured here (log.csv's seconds cover the epoch loop and its
    # bar only); skipping them keeps 500 epochs to seconds
    monkeypatch.setattr(trainer, "_save_epoch", lambda *args, **kwargs: None)
    torch.set_num_threads(1)  # as the other training tests: tiny models, a shared CPU
    torch.manual_seed(0)
    n, size = 16, 28
    data = MEDataset(torch.rand(n, 3, size, size), torch.rand(n, 1, size, size),
                     torch.arange(n) % 3, torch.arange(n) % 4)
    cls = METHODS.get("baseline-me")
    method = cls(cls.config_class(), 3)
    cfg = TrainConfig(epochs=500, batch_size=n, num_workers=0, optimizer="adam", lr=1e-3,
                      schedule="constant", amp=False)
    result = fit(method, data, tmp_path, RunInfo("baseline-me", {}, {"num_outputs": 3}), cfg,
                 device="cpu")
    seconds = np.array([row["seconds"] for row in result.history])
    start, end = np.median(seconds[10:60]), np.median(seconds[-50:])
    assert len(seconds) == 500 and end / start < 3.0, (start, end)


def test_threads_default_to_available_physical_cores_and_one_interop_thread():
    code = ("import torch; from aucli.methods.runtime import available_cores, configure_threads; "
            "n = configure_threads(); print(n, available_cores(), torch.get_num_threads(), "
            "torch.get_num_interop_threads(), configure_threads(1), torch.get_num_threads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    n, cores, threads, interop, one, after = map(int, out.stdout.split())
    assert n == cores == threads and interop == 1 and one == after == 1
