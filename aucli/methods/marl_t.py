"""marl-t: MARL + transformer AU-relation learning, trained in cascade from a ``marl`` run.

Cao, Liu, Zhang, IJCNN 2022 (arXiv 2205.08787), stage 2. The C region embeddings e_i of a
trained MARL encoder are tokens; learnable AU-position embeddings are added; a Transformer
encoder (2 layers, 4 heads, d 256, dropout 0.1 by default) relates them; a per-AU linear head
reads each output token. Weighted BCE. The encoder is frozen by default (``encoder_lr_scale``
> 0 fine-tunes it at that fraction of the lr). The head-averaged attention between AU tokens,
averaged over layers, is exported as ``au_attention`` (the AU-relation heat-map).

The MARL encoder settings (``method.encoder``) are copied from ``marl_checkpoint`` when the
config does not give them; with no checkpoint the encoder trains from scratch (not the paper's
cascade, but it keeps the method testable on its own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from aucli.errors import InputError
from aucli.methods import METHODS
from aucli.methods.base import Method
from aucli.methods.marl import MARLConfig, RegionEncoder
from aucli.nn.heads import PerAULinear, RelationEncoder
from aucli.nn.losses import weighted_bce


@dataclass(frozen=True)
class MARLTConfig:
    """marl-t settings."""

    marl_checkpoint: str = ""
    """A trained ``marl`` checkpoint (best.pt or run dir) whose region encoder is loaded."""
    encoder: MARLConfig = field(default_factory=MARLConfig)
    """The MARL encoder settings (filled from marl_checkpoint when not given)."""
    encoder_lr_scale: float = 0.0
    """0 freezes the MARL encoder; > 0 fine-tunes it at this fraction of the lr."""
    layers: int = 2
    """Transformer encoder layers."""
    heads: int = 4
    """Attention heads."""
    dropout: float = 0.1
    """Dropout inside the transformer."""


@METHODS.register("marl-t")
class MARLT(Method):
    config_class = MARLTConfig

    def __init__(self, config: MARLTConfig, num_outputs: int) -> None:
        super().__init__(config, num_outputs)
        enc = config.encoder
        aus = enc.aus or tuple(range(1, num_outputs + 1))
        self.encoder = RegionEncoder(enc, aus)
        self.relation = RelationEncoder(num_outputs, enc.embed_dim, config.layers, config.heads,
                                        config.dropout)
        self.head = PerAULinear(num_outputs, enc.embed_dim, 1)
        self.frozen = config.encoder_lr_scale <= 0
        self.encoder.requires_grad_(not self.frozen)

    @classmethod
    def complete_config(cls, method: dict[str, Any], aus: tuple[int, ...]) -> dict[str, Any]:
        method = dict(method)
        encoder = dict(method.get("encoder") or {})
        if method.get("marl_checkpoint") and not encoder:
            from aucli.methods.checkpoint import load_checkpoint

            ckpt = load_checkpoint(method["marl_checkpoint"])
            if ckpt["method"] != "marl":
                raise InputError(f"{method['marl_checkpoint']} is a {ckpt['method']} checkpoint, "
                                 "marl-t needs a marl one")
            # the marl checkpoint's weights replace the backbone's in prepare()
            encoder = {**ckpt["config"]["method"], "backbone_weights": ""}
        encoder["aus"] = list(encoder.get("aus") or aus)
        return {**method, "encoder": encoder}

    def prepare(self, train_set: Any) -> None:  # noqa: ARG002 - loads its MARL weights
        if not self.config.marl_checkpoint:
            return
        from aucli.methods.checkpoint import load_checkpoint

        state = load_checkpoint(Path(self.config.marl_checkpoint))["state_dict"]
        enc = {k.removeprefix("encoder."): v for k, v in state.items() if k.startswith("encoder.")}
        try:
            self.encoder.load_state_dict(enc)
        except RuntimeError as exc:
            raise InputError(f"{self.config.marl_checkpoint}: encoder does not match "
                             f"method.encoder ({str(exc).splitlines()[0]})") from None

    def train(self, mode: bool = True) -> MARLT:
        super().train(mode)
        if self.frozen:
            self.encoder.eval()  # a frozen encoder keeps its BatchNorm statistics
        return self

    def param_groups(self) -> list[dict[str, Any]]:
        own = [p for n, p in self.named_parameters() if not n.startswith("encoder.")]
        groups = [{"params": own}]
        if not self.frozen:
            groups.append({"params": list(self.encoder.parameters()),
                           "lr_scale": self.config.encoder_lr_scale})
        return groups

    def forward(self, image: torch.Tensor, landmarks: torch.Tensor | None = None):
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.frozen):
            tokens = self.encoder(image, landmarks)  # [B, C, d]
        out, attn = self.relation(tokens)
        return self.head(out).squeeze(-1), attn, tokens

    def training_step(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        logits = self(batch["image"], batch.get("landmarks"))[0]
        return {"loss": weighted_bce(logits, batch["labels"], batch["mask"], batch.get("weight"))}

    def predict(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.sigmoid(self(batch["image"], batch.get("landmarks"))[0].float())

    def extra_outputs(self, batch: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        _, attn, tokens = self(batch["image"], batch.get("landmarks"))
        return {"au_attention": attn, "embedding": tokens}
