"""Evaluation: batched prediction, the AU occurrence metrics, the identity probe.

Metrics follow DATASETS.md §4.1 (aucli.metrics): threshold 0.5, counts pooled over the fold,
unknown labels masked per AU. Predictions are written in the form ``aucli score`` reads:
``subject``, ``fold``, ``sequence``, ``frame``, ``AUxx_true`` (int8, -1 unknown), ``AUxx_pred``
(0/1) and ``AUxx_prob``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader

from aucli.engine.trainer import to_device
from aucli.methods.base import Method
from aucli.metrics import au_accuracy, au_f1


@torch.no_grad()
def predict_batches(method: Method, loader: DataLoader, device: torch.device,
                    extras: bool = False) -> dict[str, Any]:
    """Run ``method.predict`` over a loader -> prob [N, C], labels, mask, subject, index
    (and each ``extra_outputs`` key stacked when ``extras``)."""
    method.eval()
    out: dict[str, list] = {"prob": [], "labels": [], "mask": [], "subject": [], "index": []}
    more: dict[str, list] = {}
    for batch in loader:
        batch = to_device(batch, device)
        out["prob"].append(method.predict(batch).float().cpu())
        for key in ("labels", "mask", "subject", "index"):
            out[key].append(batch[key].cpu())
        if extras:
            for k, v in method.extra_outputs(batch).items():
                more.setdefault(k, []).append(v.float().cpu())
    res = {k: torch.cat(v).numpy() for k, v in out.items()}
    res.update({k: torch.cat(v).numpy() for k, v in more.items()})
    return res


def au_scores(prob: np.ndarray, labels: np.ndarray, mask: np.ndarray,
              aus: tuple[int, ...] | None = None, threshold: float = 0.5) -> dict[str, float]:
    """Mean and per-AU F1 and accuracy (percent is not applied: values in [0, 1])."""
    pred = prob >= threshold
    y = np.where(mask > 0, labels, -1).astype(np.int8)
    f1 = au_f1(y, pred, mask > 0)
    acc = au_accuracy(y, pred, mask > 0)
    aus = aus or tuple(range(1, prob.shape[1] + 1))
    scores = {"f1": float(f1.mean()), "acc": float(np.nanmean(acc)) if np.isfinite(acc).any() else 0.0}
    for au, f, a in zip(aus, f1, acc):
        scores[f"f1_AU{au:02d}"] = float(f)
        scores[f"acc_AU{au:02d}"] = float(a)
    return scores


def au_validate(method: Method, loader: DataLoader, device: torch.device) -> dict[str, float]:
    """The trainer's validation callback for AU methods: mean F1 (``f1``) and accuracy."""
    res = predict_batches(method, loader, device)
    return {k: v for k, v in au_scores(res["prob"], res["labels"], res["mask"]).items()
            if k in ("f1", "acc")}


def predictions_table(res: dict[str, Any], dataset: Any, aus: tuple[int, ...], fold: int | None,
                      threshold: float = 0.5) -> dict[str, np.ndarray]:
    """Columns for predictions.parquet, one row per evaluated frame."""
    samples = [dataset.samples[i] for i in res["index"]]
    cols: dict[str, np.ndarray] = {
        "subject": np.array([s.subject for s in samples], dtype=object),
        "sequence": np.array([s.sequence for s in samples], dtype=object),
        "frame": np.array([s.frame for s in samples], dtype=np.int32),
    }
    if fold is not None:
        cols["fold"] = np.full(len(samples), fold, dtype=np.int32)
    y = np.where(res["mask"] > 0, res["labels"], -1).astype(np.int8)
    for j, au in enumerate(aus):
        cols[f"AU{au:02d}_true"] = y[:, j]
        cols[f"AU{au:02d}_pred"] = (res["prob"][:, j] >= threshold).astype(np.int8)
        cols[f"AU{au:02d}_prob"] = res["prob"][:, j].astype(np.float32)
    return cols


def probe_split(subjects: np.ndarray, sequences: np.ndarray) -> np.ndarray:
    """Probe-test mask that cannot leak frames: per subject, its sequences (sorted) alternate
    between probe-train and probe-test, so no sequence is on both sides. Subjects with one
    sequence only are left out of both (-1); returns 1 = test, 0 = train, -1 = unused."""
    side = np.full(len(subjects), -1, np.int8)
    for subject in np.unique(subjects):
        mine = subjects == subject
        seqs = np.unique(sequences[mine])
        if len(seqs) < 2:
            continue
        for i, seq in enumerate(seqs):
            side[mine & (sequences == seq)] = i % 2
    return side


def identity_probe(features: np.ndarray, subjects: np.ndarray, sequences: np.ndarray,
                   epochs: int = 200, seed: int = 0) -> tuple[float, float]:
    """(accuracy, chance) of a linear (softmax) subject-ID classifier on frozen features.

    MARL's claim is that its AU embeddings carry less identity than a plain CNN's. The probe
    trains on some sequences of each subject and is tested on the subject's other sequences
    (:func:`probe_split`): near-duplicate neighbouring frames never straddle the split, so the
    probe measures identity, not frame memory. Features are standardised; full-batch Adam, lr
    0.01, weight decay 1e-4. Chance is the most frequent subject's share of the probe-test
    frames (what always guessing that subject scores). (nan, nan) when no subject has two
    sequences.
    """
    side = probe_split(np.asarray(subjects), np.asarray(sequences))
    if not (side == 1).any():
        return float("nan"), float("nan")
    keep = side >= 0
    feats = torch.as_tensor(features[keep].reshape(int(keep.sum()), -1), dtype=torch.float32)
    ids, y = np.unique(np.asarray(subjects)[keep], return_inverse=True)
    test = side[keep] == 1
    chance = float(np.bincount(y[test], minlength=len(ids)).max() / test.sum())
    y = torch.as_tensor(y)
    tr, te = torch.as_tensor(~test), torch.as_tensor(test)
    mu, sd = feats[tr].mean(0), feats[tr].std(0) + 1e-6
    feats = (feats - mu) / sd
    torch.manual_seed(seed)
    clf = torch.nn.Linear(feats.shape[1], len(ids))
    opt = torch.optim.Adam(clf.parameters(), lr=0.01, weight_decay=1e-4)
    for _ in range(epochs):
        opt.zero_grad()
        torch.nn.functional.cross_entropy(clf(feats[tr]), y[tr]).backward()
        opt.step()
    with torch.no_grad():
        return float((clf(feats[te]).argmax(1) == y[te]).float().mean()), chance


def evaluate_split(ckpt_path: Any, dataset: Any, collate: Any, out_dir: Any, fold: int | None,
                   device: Any = "cpu", batch_size: int = 64, probe: bool = False,
                   num_workers: int = 0, save_embeddings: bool = False) -> dict[str, Any]:
    """Score a checkpoint on a FrameDataset; write ``metrics.json``, ``predictions.parquet``, the
    mean of each method extra output (``extras.npz``), the AU-relation heat-map when the method
    has one (``au_relation.csv``) and, on request, every frame's embedding (``embeddings.npy``,
    rows in predictions.parquet order)."""
    import json
    from pathlib import Path

    import pyarrow as pa
    import pyarrow.parquet as pq

    from aucli.methods.checkpoint import build_method, load_checkpoint

    ckpt = load_checkpoint(ckpt_path)
    method = build_method(ckpt, device)
    aus = tuple(ckpt["meta"]["aus"])
    loader = DataLoader(dataset, batch_size, shuffle=False, collate_fn=collate,
                        num_workers=num_workers)
    res = predict_batches(method, loader, torch.device(device), extras=True)
    scores = au_scores(res["prob"], res["labels"], res["mask"], aus)
    metrics: dict[str, Any] = {"method": ckpt["method"], "fold": fold, "frames": len(res["prob"]),
                               **scores}
    if ckpt["config"].get("inputs"):  # pretrained weights or random init, alignment cache
        metrics["inputs"] = ckpt["config"]["inputs"]
    if probe and "embedding" in res:
        samples = [dataset.samples[i] for i in res["index"]]
        acc, chance = identity_probe(res["embedding"], np.array([s.subject for s in samples]),
                                     np.array([s.sequence for s in samples]))
        if np.isfinite(acc):  # else no subject has two sequences: no leak-free probe exists
            metrics["identity_probe_acc"], metrics["identity_probe_chance"] = acc, chance
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    pq.write_table(pa.table(predictions_table(res, dataset, aus, fold)), out / "predictions.parquet")
    extra = {k: v.mean(0) for k, v in res.items()
             if k not in ("prob", "labels", "mask", "subject", "index")}
    if extra:
        np.savez(out / "extras.npz", **extra)
    if "au_attention" in extra:
        names = [f"AU{a:02d}" for a in aus]
        rows = [",".join(["AU"] + names)] + [
            ",".join([n] + [f"{v:.6f}" for v in row]) for n, row in zip(names, extra["au_attention"])]
        (out / "au_relation.csv").write_text("\n".join(rows) + "\n")
    if save_embeddings and "embedding" in res:
        np.save(out / "embeddings.npy", res["embedding"].astype(np.float32))
    return metrics
