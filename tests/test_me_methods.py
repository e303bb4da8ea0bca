"""Every registered ME method trains on a tiny CASME II-layout fixture and reloads exactly."""

from __future__ import annotations

import csv

import numpy as np
import pytest
import torch

from aucli.config import from_dict, to_dict
from aucli.data import DATASETS
from tests.data_fixtures.synthetic_me import CASME_CLASSES, SHEET, make, make_macro
from aucli.methods.checkpoint import build_method, load_checkpoint
from aucli.engine.me_data import InputCache, InputConfig, build_dataset, clip_inputs, macro_bank
from aucli.engine.trainer import RunInfo, TrainConfig, fit
from aucli.methods import METHODS
from aucli.methods.lightman import EpisodeSampler, LightmanConfig, supcon_align
from aucli.methods.mmmst import attention_rollout

SIZE = 32
TINY = {
    "mmmst": {"input_size": SIZE, "patch_sizes": [8, 16], "depth": 1, "dim": 32, "heads": 2},
    "lightman": {"channels": [8, 16], "macro_channels": [8, 16], "embed_dim": 16, "k_shot": 2,
                 "q_query": 2},
}
ME_METHODS = [m for m in METHODS.names() if METHODS.get(m).task == "me"]


@pytest.fixture(scope="module")
def me_root(tmp_path_factory):
    return make(tmp_path_factory.mktemp("casme2"), subjects=2, clips_per_class=2, size=48, seed=3)


@pytest.fixture(scope="module")
def me_data(me_root, tmp_path_factory):
    loader = DATASETS.get("synthetic-me")(me_root)
    clips = loader.clips()
    cache = InputCache(tmp_path_factory.mktemp("cache"), InputConfig(size=SIZE))
    subjects = sorted({c.subject for c in clips})
    return build_dataset(clips, loader.classes, subjects, cache)


def test_fixture_is_in_the_casme2_layout(me_root):
    from openpyxl import load_workbook

    frames = sorted((me_root / "CASME2_RAW_selected" / "sub01").iterdir())
    assert frames and all(f.name.startswith("EP") for f in frames)
    assert list(frames[0].glob("img*.jpg"))
    rows = list(load_workbook(me_root / SHEET).active.iter_rows(values_only=True))
    assert rows[0][0] == "Subject" and rows[0][2] is None and rows[0][6] is None
    assert rows[0][8] == "Estimated Emotion"
    assert "/" in [r[4] for r in rows[1:]]  # the apex cell CASME II leaves as '/'
    clips = DATASETS.get("synthetic-me")(me_root).clips()
    assert len(clips) == 2 * 2 * len(CASME_CLASSES)
    for c in clips:  # frames sorted numerically and exactly onset..offset
        numbers = [int(p.rsplit("img", 1)[1][:-4]) for p in c.frames]
        assert numbers == list(range(c.onset, c.offset + 1))


def test_clip_inputs_read_the_motion_direction(me_root):
    clips = DATASETS.get("synthetic-me")(me_root).clips()
    for c in clips[1:8]:  # clip 0 has the '/' apex
        flow, apex = clip_inputs(c.frames, 0, c.apex_index, SIZE, normalise=False)
        assert flow.shape == (3, SIZE, SIZE) and apex.shape == (1, SIZE, SIZE)
        i = np.unravel_index(np.hypot(flow[0], flow[1]).argmax(), flow[0].shape)
        angle = np.arctan2(flow[1][i], flow[0][i])
        want = 2 * np.pi * CASME_CLASSES.index(c.label) / len(CASME_CLASSES)
        assert abs(np.angle(np.exp(1j * (angle - want)))) < 0.5


def test_input_cache_is_reused(me_root, tmp_path):
    clip = DATASETS.get("synthetic-me")(me_root).clips()[3]
    cache = InputCache(tmp_path, InputConfig(size=SIZE))
    first = cache.get(clip)
    files = list(tmp_path.rglob("*.npz"))
    assert len(files) == 1
    files[0].write_bytes(b"")  # a cache hit must read the file, not recompute
    with pytest.raises(EOFError):  # numpy reading the emptied file
        cache.get(clip)
    other = InputCache(tmp_path, InputConfig(size=SIZE, flow="dis")).get(clip)
    assert other[0].shape == first[0].shape and len(list(tmp_path.rglob("*.npz"))) == 2


def _build(name: str):
    cls = METHODS.get(name)
    torch.manual_seed(0)
    return cls(from_dict(cls.config_class, TINY.get(name, {})), len(CASME_CLASSES))


@pytest.mark.parametrize("name", ME_METHODS)
def test_method_trains_and_reloads_exactly(name, me_data, tmp_path):
    method = _build(name)
    if getattr(method, "aux_kind", ""):
        root = make_macro(tmp_path / "macro", per_class=3, size=40)
        method.set_auxiliary(*macro_bank(DATASETS.get("synthetic-macro")(root), CASME_CLASSES,
                                         {}, SIZE))
    cfg = TrainConfig(epochs=12, batch_size=10, optimizer="adam", lr=3e-3, weight_decay=0.0,
                      num_workers=0, schedule="constant", seed=1)
    info = RunInfo(name, {"method": to_dict(method.config)}, {"num_outputs": 5, "task": "me"})
    fit(method, me_data, tmp_path / "run", info, cfg, device="cpu")
    with open(tmp_path / "run" / "log.csv") as fh:
        losses = [float(r["train_loss"]) for r in csv.DictReader(fh)]
    assert np.mean(losses[-3:]) < np.mean(losses[:3])
    reloaded = build_method(load_checkpoint(tmp_path / "run"))
    method.eval()
    batch = me_data.batch(np.arange(len(me_data)))
    with torch.no_grad():
        assert torch.equal(method.predict(batch), reloaded.predict(batch))
    assert method.predict(batch).shape == (len(me_data), 5)


def test_episode_sampler_lays_out_support_then_query():
    labels = np.repeat(np.arange(4), [9, 3, 6, 1])  # class 3 has one clip: drawn with replacement
    subjects = np.arange(len(labels)) % 3
    cfg = LightmanConfig(n_way=3, k_shot=2, q_query=3)
    sampler = EpisodeSampler(labels, subjects, cfg, seed=5)
    episodes = list(sampler)
    assert len(episodes) == len(sampler) >= 1
    for ep in episodes:
        assert len(ep) == 3 * (2 + 3)
        support, query = labels[ep[:6]], labels[ep[6:]]
        assert len(set(support.tolist())) == 3 and set(support) == set(query)
        assert all((support == c).sum() == 2 and (query == c).sum() == 3 for c in set(support))
    assert episodes == list(EpisodeSampler(labels, subjects, cfg, seed=5))


def test_supcon_alignment_prefers_same_class():
    bank = torch.eye(3).repeat(2, 1)
    y_bank = torch.tensor([0, 1, 2, 0, 1, 2])
    anchor = torch.eye(3)
    good = supcon_align(anchor, torch.tensor([0, 1, 2]), bank, y_bank, 0.1)
    bad = supcon_align(anchor, torch.tensor([1, 2, 0]), bank, y_bank, 0.1)
    assert good < bad
    none = supcon_align(anchor, torch.tensor([3, 3, 3]), bank, y_bank, 0.1)
    assert float(none) == 0.0


def test_attention_rollout_is_row_stochastic():
    attn = torch.rand(2, 3, 5, 5).softmax(-1)
    r = attention_rollout([attn, attn])
    assert torch.allclose(r.sum(-1), torch.ones(2, 5), atol=1e-5)


def test_shipped_presets_resolve():
    from aucli.config import preset
    from aucli.engine.loso import load_run_config, method_config

    for m in ME_METHODS:
        for ds in ("casme2", "samm", "smic", "megc2019"):
            config = load_run_config(preset(f"train-{m}-{ds}"))
            assert (config.run.method, config.run.dataset, config.run.protocol) == (m, ds, "loso")
            method = METHODS.get(m)(method_config(config), 3)
            assert method.task == "me"


def test_raw_frames_are_aligned_once_on_the_onset_face(single_face_video, tmp_path):
    import cv2

    from aucli.motion.clips import load_video_clip
    from aucli.data.base import MEClip
    from aucli.engine.me_data import aligned_pair

    video = load_video_clip(single_face_video, 0, 4)
    paths = []
    for i, frame in enumerate(video.frames):  # a raw (uncropped) CASME II-style clip
        paths.append(str(tmp_path / f"img{10 + i}.jpg"))
        cv2.imwrite(paths[-1], cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    clip = MEClip("casme2", "sub01", "EP01_01", "happiness", 10, 14, 14, tuple(paths))
    flow_a, apex_a = InputCache(tmp_path / "a", InputConfig(size=SIZE, align=True)).get(clip)
    flow_r, apex_r = InputCache(tmp_path / "r", InputConfig(size=SIZE)).get(clip)
    assert flow_a.shape == flow_r.shape == (3, SIZE, SIZE) and apex_a.shape == (1, SIZE, SIZE)
    assert np.abs(apex_a - apex_r).mean() > 0.05  # the face crop, not the whole frame
    crops = aligned_pair(paths[0], paths[4], 112)
    want = clip_inputs(crops, 0, 1, SIZE)
    np.testing.assert_allclose(flow_a, want[0], atol=1e-6)


@pytest.mark.parametrize("first_order", [False, True])
def test_lightman_bilevel_step_reaches_the_auxiliary_branch(first_order):
    cls = METHODS.get("lightman")
    cfg = from_dict(cls.config_class, {**TINY["lightman"], "first_order": first_order})
    torch.manual_seed(0)
    method = cls(cfg, 3)
    method.set_auxiliary(torch.rand(9, 1, SIZE, SIZE), torch.arange(9) % 3)
    y = torch.tensor([0, 0, 1, 1, 2, 2] * 2)  # 3-way, 2 support + 2 query per class
    batch = {"flow": torch.rand(12, 3, SIZE, SIZE), "apex": torch.rand(12, 1, SIZE, SIZE),
             "label": y, "subject": torch.zeros(12, dtype=torch.long)}
    out = method.training_step(batch)
    out["loss"].backward()
    assert float(out["inner_loss"]) > 0
    # both modes train the auxiliary branch: second order through the inner step, first order
    # through the support-set auxiliary loss the outer objective then adds
    for part in (method.macro, method.align):
        assert any(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in part.parameters())
    assert all(p.grad is not None for p in method.encoder.parameters())
    with torch.no_grad():  # inference is one plain forward pass, no adaptation
        assert torch.equal(method.predict(batch), method(batch["flow"])["logits"])
    # one outer step moves every auxiliary-branch tensor
    before = {k: v.detach().clone() for k, v in method.named_parameters()
              if k.startswith(("macro.", "align."))}
    torch.optim.SGD(method.parameters(), lr=0.1).step()
    moved = [k for k, v in before.items() if not torch.equal(v, method.get_parameter(k))]
    assert moved and {k.split(".")[0] for k in moved} == {"macro", "align"}
