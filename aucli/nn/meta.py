"""Meta-learning pieces shared by the episodic methods: the functional inner loop and samplers.

Inner loops use ``torch.func.functional_call`` on a parameter dict, so the trainer's ordinary
``loss.backward()`` on the outer loss is the meta-update (second order unless ``first_order``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import torch

Params = dict[str, torch.Tensor]


def adapt(params: Params, loss_fn: Callable[[Params], torch.Tensor], steps: int, lr: float,
          first_order: bool = False) -> Params:
    """``steps`` SGD steps on ``loss_fn`` from ``params``; differentiable w.r.t. ``params``.

    ``first_order`` drops the second-order terms (the inner gradients are treated as constants),
    as first-order MAML; the adapted parameters then still depend on ``params`` through the
    identity path, so the outer gradient is the query-loss gradient at the adapted point.
    """
    for _ in range(steps):
        names = [k for k, p in params.items() if p.requires_grad]
        grads = torch.autograd.grad(loss_fn(params), [params[k] for k in names],
                                    create_graph=not first_order, allow_unused=True)
        new = dict(params)
        for k, g in zip(names, grads):
            if g is not None:
                new[k] = params[k] - lr * (g.detach() if first_order else g)
        params = new
    return params


class SubjectEpisodes:
    """Batches of ``subjects`` distinct subjects x (batch_size // subjects) frames, grouped by
    subject (MARL episodes). Frames are drawn without replacement when a subject has enough.
    One epoch = len(dataset) // batch_size episodes."""

    def __init__(self, subject_index: np.ndarray, batch_size: int, subjects: int, seed: int,
                 eligible: np.ndarray | None = None) -> None:
        self.seed = seed
        keep = subject_index >= 0 if eligible is None else eligible & (subject_index >= 0)
        ids = np.flatnonzero(keep)
        self.groups = [ids[subject_index[ids] == s] for s in np.unique(subject_index[ids])]
        self.k = max(1, min(subjects, len(self.groups)))
        self.per = max(2, batch_size // self.k)
        self.episodes = max(1, len(ids) // max(batch_size, 1))

    def __len__(self) -> int:
        return self.episodes

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed)
        for _ in range(self.episodes):
            batch: list[int] = []
            for g in rng.choice(len(self.groups), self.k, replace=False):
                frames = self.groups[g]
                batch += rng.choice(frames, self.per, replace=len(frames) < self.per).tolist()
            yield batch


class MixedBatches:
    """Batches with a fixed share of auxiliary samples (``source == 1``) and primary ones,
    primary first (MAL). One epoch = one pass over the primary samples."""

    def __init__(self, source: np.ndarray, batch_size: int, aux_fraction: float, seed: int):
        self.primary = np.flatnonzero(source == 0)
        self.aux = np.flatnonzero(source == 1)
        self.n_aux = min(max(1, round(batch_size * aux_fraction)), batch_size - 2) if len(self.aux) else 0
        self.n_primary = batch_size - self.n_aux
        self.seed = seed

    def __len__(self) -> int:
        return max(1, len(self.primary) // self.n_primary)

    def __iter__(self) -> Iterator[list[int]]:
        rng = np.random.default_rng(self.seed)
        primary = rng.permutation(self.primary)
        for b in range(len(self)):
            chunk = primary[b * self.n_primary:(b + 1) * self.n_primary]
            if len(chunk) < self.n_primary:
                chunk = rng.choice(self.primary, self.n_primary, replace=False)
            aux = rng.choice(self.aux, self.n_aux, replace=len(self.aux) < self.n_aux)
            yield chunk.tolist() + aux.tolist()
