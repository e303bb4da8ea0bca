"""Pretrained backbone weights in the published formats (issue 12 item 1): every format's key
map loads a file with the release's exact key list and shapes, the forward pass then equals the
reference implementation's, and a file that does not fit names its guessed format and keys."""

from __future__ import annotations

import re
import numpy as np
import pytest
import torch
from swin_reference import SwinTransformer

from aucli.errors import InputError
from aucli.nn import create_backbone

torch.set_num_threads(1)


def resnet18_published() -> dict[str, torch.Tensor]:
    """torchvision resnet18-f37072fd.pth: its 122 keys and shapes, random values."""
    g = torch.Generator().manual_seed(0)
    state: dict[str, torch.Tensor] = {}

    def bn(prefix: str, c: int) -> None:
        state.update({f"{prefix}.weight": torch.rand(c, generator=g) + 0.5,
                      f"{prefix}.bias": torch.randn(c, generator=g) * 0.1,
                      f"{prefix}.running_mean": torch.randn(c, generator=g) * 0.1,
                      f"{prefix}.running_var": torch.rand(c, generator=g) + 0.5,
                      f"{prefix}.num_batches_tracked": torch.tensor(1000)})

    state["conv1.weight"] = torch.randn(64, 3, 7, 7, generator=g) * 0.05
    bn("bn1", 64)
    cin = 64
    for i, c in enumerate((64, 128, 256, 512), 1):
        for j in range(2):
            p = f"layer{i}.{j}"
            state[f"{p}.conv1.weight"] = torch.randn(c, cin if j == 0 else c, 3, 3, generator=g) * 0.05
            bn(f"{p}.bn1", c)
            state[f"{p}.conv2.weight"] = torch.randn(c, c, 3, 3, generator=g) * 0.05
            bn(f"{p}.bn2", c)
            if j == 0 and i > 1:
                state[f"{p}.downsample.0.weight"] = torch.randn(c, cin, 1, 1, generator=g) * 0.05
                bn(f"{p}.downsample.1", c)
        cin = c
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512, generator=g), torch.zeros(1000)
    assert len(state) == 122
    return state


def resnet18_reference(state: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    """torchvision's ResNet-18 forward up to layer4, written out on a state dict (eval BN)."""
    F = torch.nn.functional

    def bn(t, p):
        return F.batch_norm(t, state[f"{p}.running_mean"], state[f"{p}.running_var"],
                            state[f"{p}.weight"], state[f"{p}.bias"], False, 0.0, 1e-5)

    x = F.relu(bn(F.conv2d(x, state["conv1.weight"], stride=2, padding=3), "bn1"))
    x = F.max_pool2d(x, 3, 2, 1)
    for i in range(1, 5):
        for j in range(2):
            p, stride = f"layer{i}.{j}", 2 if (i > 1 and j == 0) else 1
            out = F.relu(bn(F.conv2d(x, state[f"{p}.conv1.weight"], stride=stride, padding=1), f"{p}.bn1"))
            out = bn(F.conv2d(out, state[f"{p}.conv2.weight"], padding=1), f"{p}.bn2")
            if f"{p}.downsample.0.weight" in state:
                x = bn(F.conv2d(x, state[f"{p}.downsample.0.weight"], stride=stride), f"{p}.downsample.1")
            x = F.relu(out + x)
    return x


def vit_timm_published(dim=192, depth=12, heads=3) -> dict[str, torch.Tensor]:
    """timm vit_tiny_patch16_224 keys and shapes (random values)."""
    g = torch.Generator().manual_seed(1)
    r = lambda *s: torch.randn(*s, generator=g) * 0.05  # noqa: E731
    state = {"cls_token": r(1, 1, dim), "pos_embed": r(1, 197, dim),
             "patch_embed.proj.weight": r(dim, 3, 16, 16), "patch_embed.proj.bias": r(dim)}
    for i in range(depth):
        p = f"blocks.{i}."
        state.update({p + "norm1.weight": 1 + r(dim), p + "norm1.bias": r(dim),
                      p + "attn.qkv.weight": r(3 * dim, dim), p + "attn.qkv.bias": r(3 * dim),
                      p + "attn.proj.weight": r(dim, dim), p + "attn.proj.bias": r(dim),
                      p + "norm2.weight": 1 + r(dim), p + "norm2.bias": r(dim),
                      p + "mlp.fc1.weight": r(4 * dim, dim), p + "mlp.fc1.bias": r(4 * dim),
                      p + "mlp.fc2.weight": r(dim, 4 * dim), p + "mlp.fc2.bias": r(dim)})
    state.update({"norm.weight": 1 + r(dim), "norm.bias": r(dim), "head.weight": r(1000, dim),
                  "head.bias": r(1000)})
    return state


def vit_reference(state: dict[str, torch.Tensor], x: torch.Tensor, heads: int) -> torch.Tensor:
    """timm's VisionTransformer.forward_features, written out on a state dict (patch tokens)."""
    F = torch.nn.functional
    dim = state["cls_token"].shape[-1]
    t = F.conv2d(x, state["patch_embed.proj.weight"], state["patch_embed.proj.bias"], stride=16)
    t = t.flatten(2).transpose(1, 2)
    t = torch.cat([state["cls_token"].expand(len(x), -1, -1), t], 1) + state["pos_embed"]
    depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    for i in range(depth):
        p = lambda n: state[f"blocks.{i}.{n}"]  # noqa: E731
        h = F.layer_norm(t, (dim,), p("norm1.weight"), p("norm1.bias"), eps=1e-6)
        q, k, v = F.linear(h, p("attn.qkv.weight"), p("attn.qkv.bias")).view(
            len(x), -1, 3, heads, dim // heads).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(len(x), -1, dim)
        t = t + F.linear(a, p("attn.proj.weight"), p("attn.proj.bias"))
        h = F.layer_norm(t, (dim,), p("norm2.weight"), p("norm2.bias"), eps=1e-6)
        t = t + F.linear(F.gelu(F.linear(h, p("mlp.fc1.weight"), p("mlp.fc1.bias"))),
                         p("mlp.fc2.weight"), p("mlp.fc2.bias"))
    return F.layer_norm(t, (dim,), state["norm.weight"], state["norm.bias"], eps=1e-6)[:, 1:]


def to_jax(state: dict[str, torch.Tensor], heads: int) -> dict[str, np.ndarray]:
    """The timm layout back to google-research's ImageNet-21k .npz names and kernel layouts."""
    dim = state["cls_token"].shape[-1]
    n = lambda t: t.detach().numpy()  # noqa: E731
    out = {"cls": n(state["cls_token"]), "Transformer/posembed_input/pos_embedding": n(state["pos_embed"]),
           "embedding/kernel": n(state["patch_embed.proj.weight"].permute(2, 3, 1, 0)),
           "embedding/bias": n(state["patch_embed.proj.bias"]),
           "Transformer/encoder_norm/scale": n(state["norm.weight"]),
           "Transformer/encoder_norm/bias": n(state["norm.bias"]),
           "pre_logits/kernel": np.zeros((dim, dim), np.float32), "pre_logits/bias": np.zeros(dim, np.float32),
           "head/kernel": np.zeros((dim, 21843), np.float32), "head/bias": np.zeros(21843, np.float32)}
    depth = len({k.split(".")[1] for k in state if k.startswith("blocks.")})
    for i in range(depth):
        p, b = f"Transformer/encoderblock_{i}/", f"blocks.{i}."
        att = p + "MultiHeadDotProductAttention_1/"
        for j, name in enumerate(("query", "key", "value")):
            w = state[b + "attn.qkv.weight"][j * dim:(j + 1) * dim]
            out[att + f"{name}/kernel"] = n(w.T.reshape(dim, heads, dim // heads))
            out[att + f"{name}/bias"] = n(state[b + "attn.qkv.bias"][j * dim:(j + 1) * dim].reshape(heads, -1))
        out[att + "out/kernel"] = n(state[b + "attn.proj.weight"].T.reshape(heads, dim // heads, dim))
        out[att + "out/bias"] = n(state[b + "attn.proj.bias"])
        for j, norm in ((0, "norm1"), (2, "norm2")):
            out[p + f"LayerNorm_{j}/scale"] = n(state[b + f"{norm}.weight"])
            out[p + f"LayerNorm_{j}/bias"] = n(state[b + f"{norm}.bias"])
        for j in (0, 1):
            out[p + f"MlpBlock_3/Dense_{j}/kernel"] = n(state[b + f"mlp.fc{j + 1}.weight"].T)
            out[p + f"MlpBlock_3/Dense_{j}/bias"] = n(state[b + f"mlp.fc{j + 1}.bias"])
    return out


@pytest.fixture(scope="module")
def swin_official(tmp_path_factory):
    """An official-format Swin-T checkpoint ({"model": ...}) and its reference network."""
    torch.manual_seed(0)
    ref = SwinTransformer().eval()
    for m in ref.modules():  # non-trivial norms so a wrong mapping shows
        if isinstance(m, torch.nn.LayerNorm):
            torch.nn.init.normal_(m.weight, 1, 0.1)
            torch.nn.init.normal_(m.bias, 0, 0.1)
    path = tmp_path_factory.mktemp("swin") / "swin_tiny_patch4_window7_224.pth"
    torch.save({"model": ref.state_dict()}, path)
    return path, ref


def test_official_swin_release_loads_and_matches_the_reference(swin_official):
    path, ref = swin_official
    state = torch.load(path, weights_only=True)["model"]
    assert "layers.0.blocks.1.attn_mask" in state and "layers.0.downsample.reduction.weight" in state
    net = create_backbone("swin-tiny", str(path)).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        want = ref.forward_features(x)  # [B, 49, 768]
        got = net(x)  # [B, 768, 7, 7]
    torch.testing.assert_close(got.flatten(2).transpose(1, 2), want, atol=2e-4, rtol=1e-4)


def test_timm_swin_layout_loads_to_the_same_network(swin_official, tmp_path):
    path, ref = swin_official
    official = torch.load(path, weights_only=True)["model"]
    timm = {}
    for k, v in official.items():  # timm >= 0.9: downsample starts the next stage, head.fc
        k = re.sub(r"layers\.(\d)\.downsample", lambda m: f"layers.{int(m.group(1)) + 1}.downsample", k)
        timm[k.replace("head.", "head.fc.")] = v
    torch.save(timm, tmp_path / "model.pth")
    a = create_backbone("swin-tiny", str(path)).eval()
    b = create_backbone("swin-tiny", str(tmp_path / "model.pth")).eval()
    from aucli.nn.weights import guess_format

    assert guess_format(list(timm)).name == "timm-swin"
    assert guess_format(list(official)).name == "swin-official"
    x = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(a(x), b(x))


def test_torchvision_resnet18_state_dict_loads(tmp_path):
    state = resnet18_published()
    torch.save(state, tmp_path / "resnet18-f37072fd.pth")
    net = create_backbone("resnet18", str(tmp_path / "resnet18-f37072fd.pth"))
    own = net.state_dict()
    for k, v in state.items():
        if not k.startswith("fc.") and not k.endswith("num_batches_tracked"):
            assert torch.equal(own[k], v), k
    x = torch.randn(2, 3, 112, 112)
    with torch.no_grad():
        torch.testing.assert_close(net.eval()(x), resnet18_reference(state, x), atol=1e-4, rtol=1e-4)
    # timm's resnet18.a1_in1k uses the same names: the same table loads it
    from aucli.nn.weights import guess_format

    assert guess_format(list(state)).name == "torchvision/timm-resnet"


@pytest.mark.parametrize("fmt", ["timm", "jax"])
def test_vit_checkpoints_load_and_match_the_reference(fmt, tmp_path):
    state = vit_timm_published()
    if fmt == "timm":
        path = tmp_path / "vit_tiny_patch16_224.pth"
        torch.save(state, path)
    else:  # the ImageNet-21k release (augreg Ti_16.npz names and layouts)
        path = tmp_path / "Ti_16.npz"
        np.savez(path, **to_jax(state, heads=3))
    net = create_backbone("vit-tiny", str(path)).eval()
    x = torch.randn(2, 3, 224, 224)
    with torch.no_grad():
        want = vit_reference(state, x, heads=3)
        got = net(x).flatten(2).transpose(1, 2)
    torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


def test_mismatch_names_the_guessed_format_and_keys(swin_official):
    path, _ = swin_official
    with pytest.raises(InputError, match=r"swin-official.*layers\.") as err:
        create_backbone("swin-base", str(path))
    assert "wrong shape" in str(err.value)
    with pytest.raises(InputError, match=r"guessed format swin-official.*resnet.*conv1\.weight"):
        create_backbone("resnet18", str(path))
    torch.save({"encoder.w": torch.zeros(1)}, path.parent / "other.pth")
    with pytest.raises(InputError, match=r"unknown weight format.*encoder\.w"):
        create_backbone("resnet18", str(path.parent / "other.pth"))


def test_weights_check_command(swin_official, tmp_path):
    path, _ = swin_official
    from typer.testing import CliRunner

    from aucli.cli import app

    run = lambda *a: CliRunner().invoke(app, ["weights", "check", *a])  # noqa: E731
    ok = run(str(path), "--backbone", "swin-tiny")
    assert ok.exit_code == 0, ok.output
    assert "format swin-official" in ok.output and "head.weight" in ok.output
    bad = run(str(path), "--backbone", "swin-base")
    assert bad.exit_code == 2 and "swin-official" in bad.output


@pytest.mark.parametrize("backbone", ["swin-tiny", "resnet18"])
def test_backbone_weights_setting_loads_published_files(backbone, swin_official, tmp_path):
    """``--set method.backbone_weights=FILE``: the run config path, as ``aucli train`` takes it."""
    from aucli.config import from_dict
    from aucli.engine.pretrained import settle_weights
    from aucli.engine.recipe import RunConfig, method_config
    from aucli.methods import METHODS

    if backbone == "swin-tiny":
        path, _ = swin_official
        state = torch.load(path, weights_only=True)["model"]
        key = "layers.2.blocks.5.attn.relative_position_bias_table"
    else:
        state = resnet18_published()
        path = tmp_path / "resnet18-f37072fd.pth"
        torch.save(state, path)
        key = "layer3.1.bn2.running_var"
    cfg = from_dict(RunConfig, {"run": {"method": "baseline-au"},
                                "method": {"backbone": backbone, "backbone_weights": str(path)}})
    cfg = settle_weights(cfg, pytest.fail)
    assert cfg.inputs["backbone"] == str(path.resolve())
    method = METHODS.get("baseline-au")(method_config(cfg, (1, 2)), 2)
    assert torch.equal(method.backbone.state_dict()[key], state[key])
