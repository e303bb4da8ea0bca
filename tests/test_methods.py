"""Every registered AU method: trains on a BP4D-layout fixture, reloads, evaluates."""

import numpy as np
import pyarrow.parquet as pq
import pytest
import torch
from au_helpers import synthetic_au, synthetic_fe, tiny_config  # noqa: F401

from aucli.config import from_dict
from aucli.data import DATASETS
from aucli.methods.checkpoint import build_method
from aucli.engine.data import DataConfig
from aucli.engine.evaluate import evaluate_split
from aucli.engine.run import build_datasets, load_split, resolve_config
from aucli.engine.trainer import RunInfo, TrainConfig, fit, seed_everything
from aucli.methods import METHODS

AU_METHODS = [m for m in METHODS.names() if METHODS.get(m).task == "au"]


def aux_for(name, root):
    if not METHODS.get(name).aux_kind:
        return None
    loader = DATASETS.get("synthetic-fe")(root)
    return loader, loader.samples()


def train(name, split, fe_root, run, epochs=3):
    cls = METHODS.get(name)
    config = resolve_config(name, tiny_config(name, epochs=epochs), split.loader.aus)
    train_cfg = from_dict(TrainConfig, config["train"])
    seed_everything(0)
    method = cls(from_dict(cls.config_class, config["method"]), len(split.loader.aus))
    sets = build_datasets(split, from_dict(DataConfig, config["data"]), method.views, 0,
                          aux_for(name, fe_root))
    meta = {"num_outputs": len(split.loader.aus), "aus": list(split.loader.aus)}
    from aucli.engine.evaluate import au_validate

    result = fit(method, sets[0], run, RunInfo(name, config, meta), train_cfg, sets[1],
                 au_validate, "cpu", collate_fn=sets[3])
    return method, result, sets


@pytest.mark.parametrize("name", AU_METHODS)
def test_method_trains_reloads_and_evaluates(name, synthetic_au, synthetic_fe, tmp_path):
    split = load_split("synthetic-au", synthetic_au, fold=1)
    method, result, (train_set, val, test, collate) = train(name, split, synthetic_fe, tmp_path)
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < losses[0], losses
    # a checkpoint reloads to identical predictions
    batch = collate([test[i] for i in range(8)])
    method.eval()
    with torch.no_grad():
        before = method.predict(batch)
        again = build_method(tmp_path / "last.pt").predict(batch)
    assert before.shape == (8, len(split.loader.aus))
    assert ((before >= 0) & (before <= 1)).all()
    torch.testing.assert_close(before, again)
    # evaluate produces every metric and the predictions aucli score reads
    metrics = evaluate_split(tmp_path / "best.pt", test, collate, tmp_path / "eval", 1,
                             probe=True, save_embeddings=True)
    embeddings = np.load(tmp_path / "eval" / "embeddings.npy")
    assert len(embeddings) == len(test) and np.isfinite(embeddings).all()
    assert (tmp_path / "eval" / "au_relation.csv").is_file() == (name == "marl-t")
    aus = split.loader.aus
    for key in ["f1", "acc", "identity_probe_acc"] + [f"f1_AU{a:02d}" for a in aus] + [
            f"acc_AU{a:02d}" for a in aus]:
        assert np.isfinite(metrics[key]), key
    table = pq.read_table(tmp_path / "eval" / "predictions.parquet")
    assert table.num_rows == len(test) == metrics["frames"]
    assert {"subject", "fold", "AU01_true", "AU01_pred", "AU17_prob"} <= set(table.column_names)
    assert (tmp_path / "eval" / "metrics.json").is_file()


def test_marl_t_cascades_from_marl(synthetic_au, synthetic_fe, tmp_path):
    split = load_split("synthetic-au", synthetic_au, fold=2)
    marl, _, _ = train("marl", split, synthetic_fe, tmp_path / "marl", epochs=1)
    cfg = tiny_config("marl-t", epochs=1)
    cfg["method"]["marl_checkpoint"] = str(tmp_path / "marl")
    config = resolve_config("marl-t", cfg, split.loader.aus)
    assert config["method"]["encoder"]["backbone"] == "tiny"
    cls = METHODS.get("marl-t")
    method = cls(from_dict(cls.config_class, config["method"]), len(split.loader.aus))
    method.prepare(None)
    for k, v in marl.encoder.state_dict().items():
        torch.testing.assert_close(method.encoder.state_dict()[k], v)
    frozen = {k: v.clone() for k, v in method.encoder.state_dict().items()}
    sets = build_datasets(split, from_dict(DataConfig, config["data"]), 1, 0)
    fit(method, sets[0], tmp_path / "t", RunInfo("marl-t", config, {"num_outputs": 6, "aus": []}),
        from_dict(TrainConfig, config["train"]), device="cpu", collate_fn=sets[3])
    for k, v in method.encoder.state_dict().items():
        assert torch.equal(frozen[k], v), f"frozen encoder changed: {k}"
    batch = sets[3]([sets[2][i] for i in range(4)])
    att = method.eval().extra_outputs(batch)["au_attention"]
    assert att.shape == (4, 6, 6)
    torch.testing.assert_close(att.sum(-1), torch.ones(4, 6))


def test_mal_writes_fe_sample_weights(synthetic_au, synthetic_fe, tmp_path):
    split = load_split("synthetic-au", synthetic_au, fold=1)
    method, _, (train_set, *_rest) = train("mal", split, synthetic_fe, tmp_path, epochs=1)
    table = pq.read_table(tmp_path / "fe_weights.parquet").to_pandas()
    assert list(table.columns) == ["dataset", "sample", "sequence", "frame", "label", "weight"]
    assert len(table) == int((train_set.source == 1).sum())
    assert table["dataset"].iloc[0] == "synthetic-fe"
    assert table["weight"].between(0, 1).all() and table["label"].between(0, 6).all()


# --- the meta-learning inner loops do what they claim -------------------------------------------

def test_inner_loop_adapts_a_copy_not_the_shared_parameters():
    from aucli.methods.marl import AUHeads
    from aucli.nn.meta import adapt

    torch.manual_seed(0)
    heads = AUHeads(3, 8)
    e, y = torch.randn(10, 3, 8), (torch.rand(10, 3) > 0.5).float()
    shared = {k: v.detach().clone() for k, v in heads.named_parameters()}
    params = dict(heads.named_parameters())

    def loss(p):
        out = torch.func.functional_call(heads, p, (e,))
        return torch.nn.functional.binary_cross_entropy_with_logits(out, y)

    fast = adapt(params, loss, steps=2, lr=0.5)
    for k in shared:
        assert not torch.allclose(fast[k], shared[k]), k
        assert torch.equal(dict(heads.named_parameters())[k], shared[k]), k
    assert loss(fast) < loss(params)
    assert fast["weight"].grad_fn is not None  # differentiable: the outer loss reaches theta


def test_first_and_second_order_meta_gradients_agree_on_a_convex_toy():
    from aucli.nn.meta import adapt

    torch.manual_seed(1)
    a, b, c = torch.randn(6, 4), torch.randn(6), torch.randn(4)
    lr = 0.05

    def meta_grad(first_order):
        theta = torch.randn(4, generator=torch.Generator().manual_seed(2)).requires_grad_()
        fast = adapt({"t": theta}, lambda p: 0.5 * ((a @ p["t"] - b) ** 2).sum(), 1, lr,
                     first_order)
        (0.5 * ((fast["t"] - c) ** 2).sum()).backward()
        return theta.grad, theta.detach(), fast["t"].detach()

    g2, theta, fast = meta_grad(False)
    g1, _, _ = meta_grad(True)
    # second order is exact: (I - lr A^T A)(theta' - c); first order drops the Hessian term
    torch.testing.assert_close(g2, (torch.eye(4) - lr * a.T @ a) @ (fast - c))
    torch.testing.assert_close(g1, fast - c)
    assert torch.nn.functional.cosine_similarity(g1, g2, dim=0) > 0.9


def test_marl_query_comes_from_another_subject():
    from aucli.methods.marl import episode_tasks

    subject = torch.tensor([3, 3, 3, 3, 7, 7, 7, 7, 9, 9, 9, 9])
    for support, query in episode_tasks(subject, cross=True):
        assert len(set(subject[support].tolist())) == 1
        assert set(subject[support].tolist()) != set(subject[query].tolist())
        assert not set(support.tolist()) & set(query.tolist())
    for support, query in episode_tasks(subject, cross=False):
        assert set(subject[support].tolist()) == set(subject[query].tolist())


def test_marl_episodes_hold_k_subjects():
    from aucli.nn.meta import SubjectEpisodes

    subjects = np.repeat(np.arange(5), 20)
    episodes = SubjectEpisodes(subjects, 16, 4, seed=0)
    assert len(episodes) == 100 // 16
    for batch in episodes:
        assert len(batch) == 16 and len(np.unique(subjects[batch])) == 4


def test_mal_step_moves_the_weight_net_not_theta_before_backward(synthetic_au, synthetic_fe):
    split = load_split("synthetic-au", synthetic_au, fold=1)
    cls = METHODS.get("mal")
    config = resolve_config("mal", tiny_config("mal"), split.loader.aus)
    method = cls(from_dict(cls.config_class, config["method"]), 6)
    sets = build_datasets(split, from_dict(DataConfig, config["data"]), 1, 0,
                          aux_for("mal", synthetic_fe))
    batch = sets[3]([sets[0][i] for i in next(iter(method.sampler(sets[0], 16, 0)))])
    assert (batch["source"] == 1).sum() == 8
    w_before = [p.detach().clone() for p in method.weight_net.parameters()]
    theta_before = [p.detach().clone() for p in method.net.parameters()]
    out = method.train().training_step(batch)
    assert any(not torch.equal(a, b) for a, b in zip(w_before, method.weight_net.parameters()))
    assert all(p.grad is None for p in method.net.parameters())
    assert all(torch.equal(a, b) for a, b in zip(theta_before, method.net.parameters()))
    out["loss"].backward()
    assert all(p.grad is None for p in method.weight_net.parameters())  # real step: theta only
    assert method.net.au_head.weight.grad is not None


def test_identity_probe_reads_identity_only_when_present():
    from aucli.engine.evaluate import identity_probe

    rng = np.random.default_rng(0)
    subjects = np.repeat(np.array(["F001", "F002", "M001", "M002"]), 30)
    sequences = np.tile(np.repeat(["T1", "T2", "T3"], 10), 4)
    centres = rng.normal(0, 1, (4, 16))
    carries = centres[np.repeat(np.arange(4), 30)] + rng.normal(0, 0.3, (120, 16))
    blind = rng.normal(0, 1, (120, 16))
    acc, chance = identity_probe(carries, subjects, sequences)
    assert acc > 0.95 and chance == pytest.approx(0.25)
    assert identity_probe(blind, subjects, sequences)[0] < 0.5


def test_identity_probe_cannot_leak_through_near_duplicate_frames():
    """Features that only remember *which sequence* a frame is from (near-duplicate frames, no
    identity shared across a subject's sequences): a frame-alternating probe would read them
    perfectly; the sequence-split probe must stay near chance."""
    from aucli.engine.evaluate import identity_probe, probe_split

    rng = np.random.default_rng(1)
    subjects = np.repeat([f"S{i}" for i in range(6)], 40)
    sequences = np.tile(np.repeat(["T1", "T2", "T3", "T4"], 10), 6)
    seq_id = np.unique(np.char.add(subjects, sequences), return_inverse=True)[1]
    memory = rng.normal(0, 1, (24, 32))[seq_id] + rng.normal(0, 0.05, (240, 32))
    side = probe_split(subjects, sequences)
    for s in np.unique(subjects):  # no sequence on both sides, every subject on both
        mine = subjects == s
        assert {0, 1} == set(side[mine])
        for q in np.unique(sequences[mine]):
            assert len(set(side[mine & (sequences == q)])) == 1
    acc, chance = identity_probe(memory, subjects, sequences)
    assert acc < chance + 0.25, (acc, chance)
    single = identity_probe(memory, subjects, np.zeros(240, dtype=str))
    assert np.isnan(single[0])  # one sequence per subject: no leak-free probe exists


def test_marl_maps_follow_landmarks():
    from aucli.nn.regions import au_maps, canonical_landmarks

    cls = METHODS.get("marl")
    method = cls(cls.config_class(backbone="tiny", embed_dim=16, aus=(1, 2, 4, 6, 12, 17)), 6)
    method.eval()
    image = torch.randn(2, 3, 64, 64)
    canonical = torch.from_numpy(canonical_landmarks(0.875) * 64).expand(2, 68, 2)
    with torch.no_grad():
        plain = method.predict({"image": image})
        same = method.predict({"image": image, "landmarks": canonical})
        moved = method.predict({"image": image, "landmarks": canonical + 12.0})
    torch.testing.assert_close(plain, same)
    assert not torch.allclose(plain, moved)
    maps = au_maps((12,), 44, canonical[:1] + torch.tensor([0.0, 8.0]), 64)
    rows = torch.nonzero(maps[0, 0] == maps[0, 0].max())[:, 0].float().mean()
    base = torch.nonzero(au_maps((12,), 44)[0, 0] == 1)[:, 0].float().mean()
    assert rows - base == pytest.approx(8 * 44 / 64, abs=1.0)  # AU12 moved down with the mouth
