import pytest
import torch
import torch.nn.functional as F

from lifting.config import build_model, model_config
from lifting.errors import UserError
from lifting.models.gcn_denoiser import GraphNonLocal, batch_norm_last, skeleton_adjacency
from lifting.weights import load_model, save_checkpoint


@pytest.mark.parametrize("kind", ["mixste", "wrapper", "diffhpe2d"])
def test_shapes_paper_profile(kind):
    model = build_model(model_config(kind, "paper")).eval()
    x2d = torch.randn(2, 27, 17, 2)
    with torch.no_grad():
        if kind == "mixste":
            e2d = model.backbone(x2d)
            assert e2d.shape == (2, 27, 17, 64)
            assert model.head(e2d).shape == (2, 27, 17, 3)
        else:
            cond = model.condition(x2d)
            eps = model.predict_noise(torch.randn(2, 27, 17, 3), cond, torch.tensor([0, 49]))
            assert eps.shape == (2, 27, 17, 3)


def test_denoiser_output_is_zero_initialised():
    model = build_model(model_config("diffhpe2d", "tiny")).eval()
    eps = model.predict_noise(torch.randn(3, 27, 17, 3), torch.randn(3, 27, 17, 2), torch.tensor([1, 2, 3]))
    assert torch.count_nonzero(eps) == 0


def test_wrapper_trains_only_its_own_parts():
    model = build_model(model_config("wrapper", "tiny")).train()
    assert not model.mixste.training  # frozen conditioner stays in eval mode
    x2d = torch.randn(2, 27, 17, 2)
    cond = model.condition(x2d)
    loss = model.predict_noise(torch.randn(2, 27, 17, 3), cond, torch.tensor([3, 4])).pow(2).sum()
    model.denoiser.output_proj2.weight.data.normal_()
    loss = model.predict_noise(torch.randn(2, 27, 17, 3), cond, torch.tensor([3, 4])).pow(2).sum()
    loss.backward()
    assert all(p.grad is None for p in model.mixste.parameters())
    assert model.lift_x3d.weight.grad is not None and model.lift_x3d.weight.grad.abs().sum() > 0


def test_adjacency_is_row_normalised_and_symmetric_in_support():
    adj = skeleton_adjacency()
    assert torch.allclose(adj.sum(1), torch.ones(17))
    assert torch.equal(adj > 0, (adj > 0).t())


def test_nonlocal_cheap_form_equals_pairwise_form():
    """relu(w·[θ_i; φ_j]) computed as relu(a_i + b_j) must equal the explicit (N, 2C', J, K) concatenation."""
    torch.manual_seed(0)
    layer = GraphNonLocal(16).eval()
    layer.bn.weight.data.fill_(1.0)  # make the output depend on the attention path
    x = torch.randn(5, 17, 16)
    xo = x[:, layer.order]
    theta = layer.theta(xo)  # (N, J, C')
    phi = layer._pool_joints(layer.phi(xo))  # (N, K, C')
    g = layer._pool_joints(layer.g(xo))
    n, j, c = theta.shape
    k = phi.shape[1]
    pair = torch.cat([theta[:, :, None].expand(n, j, k, c), phi[:, None].expand(n, j, k, c)], dim=-1)
    w = torch.cat([layer.w_theta.weight, layer.w_phi.weight], dim=1)[0]  # (2C',)
    f = F.relu(pair @ w) / k
    y = layer.bn(layer.out(f @ g).transpose(1, 2)).transpose(1, 2)
    expected = (y + xo)[:, layer.restore]
    assert torch.allclose(layer(x), expected, atol=1e-6)


def test_checkpoint_round_trip_and_errors(tmp_path):
    cfg = model_config("diffhpe2d", "tiny")
    model = build_model(cfg).eval()
    path = save_checkpoint(tmp_path / "m.safetensors", model, cfg, {"note": "test"})
    loaded, cfg2, info = load_model(path)
    assert cfg2 == cfg and info == {"note": "test"}
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and torch.equal(a, b)

    with pytest.raises(UserError, match="not found"):
        load_model(tmp_path / "missing.safetensors")
    bad = tmp_path / "corrupt.safetensors"
    bad.write_bytes(path.read_bytes()[:100])
    with pytest.raises(UserError, match="not a readable safetensors"):
        load_model(bad)
    with pytest.raises(UserError, match="expected mixste"):
        load_model(path, expect_kind="mixste")
    # Same config, other sizes: a mismatched checkpoint.
    other = build_model(model_config("diffhpe2d", "paper"))
    mismatched = save_checkpoint(tmp_path / "mismatch.safetensors", other, cfg)
    with pytest.raises(UserError, match="do not match"):
        load_model(mismatched)


@pytest.mark.parametrize("shape", [(64, 17, 27), (30, 17, 64)])
def test_batch_norm_on_the_contiguous_view_equals_the_strided_one(shape):
    """Output, input gradient, affine gradients and running statistics as with bn(x.transpose(1, 2))."""
    torch.manual_seed(0)
    x = torch.randn(*shape) * 3 + 1
    a, b = torch.nn.BatchNorm1d(shape[-1]), torch.nn.BatchNorm1d(shape[-1])
    for bn in (a, b):
        bn.weight.data.uniform_(0.5, 2)
        bn.bias.data.normal_()
    b.load_state_dict(a.state_dict())
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya = a(xa.transpose(1, 2)).transpose(1, 2)
    yb = batch_norm_last(b, xb)
    assert yb.shape == x.shape and torch.allclose(ya, yb, atol=1e-4)
    w = torch.randn(*shape)
    (ya * w).sum().backward()
    (yb * w).sum().backward()
    assert torch.allclose(xa.grad, xb.grad, atol=1e-4)
    assert torch.allclose(a.weight.grad, b.weight.grad, atol=1e-3) and torch.allclose(a.bias.grad, b.bias.grad)
    assert torch.allclose(a.running_mean, b.running_mean, atol=1e-5)
    assert torch.allclose(a.running_var, b.running_var, atol=1e-4)
    a.eval(), b.eval()
    assert torch.allclose(a(x.transpose(1, 2)).transpose(1, 2), batch_norm_last(b, x), atol=1e-5)
