"""mal: Meta Auxiliary Learning for AU detection with facial-expression data.

Li & Shan, "Meta Auxiliary Learning for Facial Action Unit Detection", IEEE TAFFC 14(3) 2023
(arXiv 2105.06620). A shared backbone with an AU head (C sigmoids) and an FE head (7 basic
expressions). Every auxiliary FE sample j gets a weight w_j = WeightNet(L_FE(j)) (an MLP
1 -> 100 -> 1 with a sigmoid, Meta-Weight-Net style). Each step: (1) virtual step
theta' = theta - alpha * grad[L_AU(B_au) + mean_j w_j L_FE(j)]; (2) meta loss L_AU(theta') on AU
samples held out from the step's batch; (3) update the weight net by the meta-loss gradient
(its own Adam, inside ``training_step``); (4) the trainer's real update of theta with the new,
detached weights.

Choices the paper leaves open (config fields): alpha = 1e-3, weight-net Adam lr 1e-3 and weight
decay 1e-4, 25 % of each batch's AU samples as the meta batch, FE samples = 50 % of each batch,
the FE term as the mean over FE samples, and the real update on all AU samples of the batch. The
weight net's Adam moments are not checkpointed (a resumed run restarts them). After training the
weight of every FE training sample is written to ``RUN/fe_weights.parquet``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from aucli.methods import METHODS
from aucli.methods.base import Method
from aucli.nn import create_backbone
from aucli.nn.losses import weighted_bce
from aucli.nn.meta import MixedBatches


@dataclass(frozen=True)
class MALConfig:
    """mal settings."""

    backbone: str = "resnet18"
    """Shared backbone (aucli list backbones)."""
    backbone_weights: str = ""
    """Local file of pretrained backbone weights ("" = random init)."""
    num_expressions: int = 7
    """FE classes of the auxiliary dataset (7 basic expressions)."""
    weight_net_hidden: int = 100
    """Hidden units of the sample-weight MLP (1 -> hidden -> 1)."""
    virtual_lr: float = 1e-3
    """alpha, the step size of the virtual update."""
    weight_net_lr: float = 1e-3
    """Adam learning rate of the weight net."""
    weight_net_decay: float = 1e-4
    """Adam weight decay of the weight net."""
    meta_fraction: float = 0.25
    """Share of each batch's AU samples held out as the meta batch."""
    aux_fraction: float = 0.5
    """Share of each batch taken from the auxiliary FE dataset."""


class WeightNet(nn.Sequential):
    """Per-sample loss -> weight in (0, 1)."""

    def __init__(self, hidden: int) -> None:
        super().__init__(nn.Linear(1, hidden), nn.ReLU(), nn.Linear(hidden, 1), nn.Sigmoid())


class MALNet(nn.Module):
    def __init__(self, cfg: MALConfig, num_aus: int) -> None:
        super().__init__()
        self.backbone = create_backbone(cfg.backbone, cfg.backbone_weights)
        self.au_head = nn.Linear(self.backbone.out_channels, num_aus)
        self.fe_head = nn.Linear(self.backbone.out_channels, cfg.num_expressions)

    def forward(self, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f = self.backbone(image).mean((2, 3))
        return self.au_head(f), self.fe_head(f)


@METHODS.register("mal")
class MAL(Method):
    config_class = MALConfig
    aux_kind = "expression"

    def __init__(self, config: MALConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        self.net = MALNet(config, num_outputs)
        self.weight_net = WeightNet(config.weight_net_hidden)
        self._wopt: torch.optim.Optimizer | None = None

    def param_groups(self) -> list[dict[str, Any]]:
        return [{"params": list(self.net.parameters())}]

    def _weight_opt(self) -> torch.optim.Optimizer:
        if self._wopt is None:
            self._wopt = torch.optim.Adam(self.weight_net.parameters(), self.config.weight_net_lr,
                                          weight_decay=self.config.weight_net_decay)
        return self._wopt

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        cfg = self.config
        au = torch.nonzero(batch["source"] == 0).flatten()
        fe = torch.nonzero((batch["source"] == 1) & (batch["expression"] >= 0)).flatten()
        n_meta = min(max(1, round(len(au) * cfg.meta_fraction)), len(au) - 1)
        step_idx, meta_idx = au[: len(au) - n_meta], au[len(au) - n_meta:]
        labels, mask, weight = batch["labels"], batch["mask"], batch.get("weight")
        image = batch["image"]
        au_logits, fe_logits = self.net(image)
        fe_loss = F.cross_entropy(fe_logits[fe].float(), batch["expression"][fe], reduction="none")
        if len(fe) and len(meta_idx):
            self._meta_update(batch, step_idx, meta_idx, fe)
        with torch.no_grad():
            w = self.weight_net(fe_loss.detach()[:, None]).squeeze(1)  # [n_fe]
        l_au = weighted_bce(au_logits[au], labels[au], mask[au], weight)
        l_fe = (w * fe_loss).mean() if len(fe) else fe_loss.sum()
        return {"loss": l_au + l_fe, "au_loss": l_au.detach(), "fe_loss": fe_loss.mean().detach(),
                "fe_weight": w.mean() if len(fe) else torch.zeros(())}

    def _meta_update(self, batch: dict[str, torch.Tensor], step_idx: torch.Tensor,
                     meta_idx: torch.Tensor, fe: torch.Tensor) -> None:
        """Steps (1)-(3): virtual step, meta loss on held-out AU samples, weight-net update."""
        labels, mask, weight = batch["labels"], batch["mask"], batch.get("weight")
        params = dict(self.net.named_parameters())
        n = len(step_idx)
        au_logits, fe_logits = functional_call(self.net, params,
                                               (batch["image"][torch.cat([step_idx, fe])],))
        fe_loss = F.cross_entropy(fe_logits[n:].float(), batch["expression"][fe], reduction="none")
        w = self.weight_net(fe_loss.detach()[:, None]).squeeze(1)  # depends on the weight net
        inner = (weighted_bce(au_logits[:n], labels[step_idx], mask[step_idx], weight)
                 + (w * fe_loss).mean())
        names = list(params)
        grads = torch.autograd.grad(inner, [params[k] for k in names], create_graph=True,
                                    allow_unused=True)
        fast = {k: params[k] if g is None else params[k] - self.config.virtual_lr * g
                for k, g in zip(names, grads)}
        meta_logits, _ = functional_call(self.net, fast, (batch["image"][meta_idx],))
        meta = weighted_bce(meta_logits, labels[meta_idx], mask[meta_idx], weight)
        wparams = list(self.weight_net.parameters())
        wgrads = torch.autograd.grad(meta, wparams, allow_unused=True)
        opt = self._weight_opt()
        for p, g in zip(wparams, wgrads):
            p.grad = None if g is None else g.detach()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def sample_weights(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """Weight of each sample's FE loss under the current model [B] (NaN without an FE label)."""
        _, fe_logits = self.net(batch["image"])
        target = batch["expression"].clamp(min=0)
        loss = F.cross_entropy(fe_logits.float(), target, reduction="none")
        w = self.weight_net(loss[:, None]).squeeze(1)
        return torch.where(batch["expression"] >= 0, w, torch.full_like(w, float("nan")))

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self.net(batch["image"])[0].float())

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {"embedding": self.net.backbone(batch["image"]).mean((2, 3))}

    def sampler(self, dataset: Any, batch_size: int, seed: int) -> MixedBatches:
        return MixedBatches(dataset.source, batch_size, self.config.aux_fraction, seed)

    @torch.no_grad()
    def on_fit_end(self, run_dir: Path, train_set: Any, device: torch.device) -> None:
        """Write fe_weights.parquet: dataset, sample, sequence, frame, label, weight."""
        import numpy as np
        import pyarrow as pa
        import pyarrow.parquet as pq
        from torch.utils.data import DataLoader, Subset

        aux = np.flatnonzero(train_set.source == 1)
        if not len(aux):
            return
        was_training, train_set.train = train_set.train, False  # test transform, no augmentation
        self.eval()
        weights = []
        for batch in DataLoader(Subset(train_set, aux.tolist()), 64):
            weights.append(self.sample_weights({k: v.to(device) for k, v in batch.items()}).cpu())
        train_set.train = was_training
        samples = [train_set.samples[i] for i in aux]
        pq.write_table(pa.table({
            "dataset": [train_set.source_names[1]] * len(samples),
            "sample": [s.image for s in samples],
            "sequence": [s.sequence for s in samples],
            "frame": np.array([s.frame for s in samples], np.int32),
            "label": np.array([s.expression for s in samples], np.int16),
            "weight": torch.cat(weights).numpy().astype(np.float32),
        }), Path(run_dir) / "fe_weights.parquet")
