"""Samplers checked against an analytically optimal noise predictor: for Gaussian data x0 ~ N(μ, σ²),
E[ε | x_t] = √(1-ᾱ_t) (x_t - √ᾱ_t μ) / (ᾱ_t σ² + 1 - ᾱ_t), so exact sampling recovers μ and σ."""

import numpy as np
import pytest
import torch

from lifting import diffusion

MU, SIGMA = 0.3, 0.5


class GaussianOracle:
    def __init__(self):
        self.abar = diffusion.alphas_cumprod().double()

    def condition(self, x2d):
        return x2d

    prediction = "epsilon"

    def predict_noise(self, x_t, cond, t):
        a = self.abar[t].view(-1, *([1] * (x_t.ndim - 1))).to(x_t.dtype)
        return (1 - a).sqrt() * (x_t - a.sqrt() * MU) / (a * SIGMA**2 + 1 - a)

    network_output = predict_noise


class GaussianX0Oracle(GaussianOracle):
    """The same optimum, parametrised as the clean pose: E[x0 | x_t]."""

    prediction = "sample"

    def network_output(self, x_t, cond, t):
        a = self.abar[t].view(-1, *([1] * (x_t.ndim - 1))).to(x_t.dtype)
        return MU + a.sqrt() * SIGMA**2 * (x_t - a.sqrt() * MU) / (a * SIGMA**2 + 1 - a)


def test_cosine_schedule():
    betas = diffusion.cosine_betas(50)
    assert betas.shape == (50,) and betas.max() <= 0.5 and np.all(np.diff(betas) >= 0)
    abar = diffusion.alphas_cumprod(50)
    assert abar[0] > 0.99 and abar[-1] < 2e-3


# (sampler, steps, lowest and highest accepted std / σ). With T = 50 and β capped at 0.5 the last reverse
# steps are large, so every sampler loses some variance, and few-step deterministic samplers lose more
# (one DDIM step returns the posterior mean); the bounds say how much is expected.
@pytest.mark.parametrize(
    "sampler,steps,lo,hi",
    [("ddpm", 50, 0.90, 1.05), ("ddim", 50, 0.94, 1.05), ("dpmsolver", 20, 0.94, 1.05), ("ddim", 5, 0.65, 0.85),
     ("dpmsolver", 5, 0.65, 0.9)],
)
def test_sampler_recovers_gaussian(sampler, steps, lo, hi):
    cond = torch.zeros(1, 27, 17, 3)
    g = torch.Generator().manual_seed(0)
    x = diffusion.sample(GaussianOracle(), cond, hypotheses=20, steps=steps, sampler=sampler, generator=g).double()
    assert x.shape == (1, 20, 27, 17, 3)
    assert abs(x.mean().item() - MU) < 0.02
    assert lo < x.std().item() / SIGMA < hi


def test_ddim_matches_its_closed_form():
    """DDIM with the oracle is a linear map per step; its exact output std (from x_T ~ N(0, 1)) follows from
    the schedule alone, which checks the timesteps (trailing: 49, 39, 29, 19, 9, then ᾱ = 1) and ᾱ used."""
    abar = diffusion.alphas_cumprod().double().numpy()
    ts = [49, 39, 29, 19, 9]
    gain, offset = 1.0, 0.0  # x = gain * x_T + offset
    for i, t in enumerate(ts):
        a_t, a_s = abar[t], (abar[ts[i + 1]] if i + 1 < len(ts) else 1.0)
        v_t = a_t * SIGMA**2 + 1 - a_t
        k = np.sqrt(1 - a_t) / v_t  # eps = k (x - sqrt(a_t) mu)
        # x0_hat = (x - sqrt(1-a_t) eps) / sqrt(a_t); x_s = sqrt(a_s) x0_hat + sqrt(1-a_s) eps
        cx = (np.sqrt(a_s) * (1 - np.sqrt(1 - a_t) * k) / np.sqrt(a_t)) + np.sqrt(1 - a_s) * k
        c0 = (np.sqrt(a_s) * np.sqrt(1 - a_t) * k * np.sqrt(a_t) * MU / np.sqrt(a_t)) - np.sqrt(1 - a_s) * k * np.sqrt(a_t) * MU
        gain, offset = cx * gain, cx * offset + c0
    x = diffusion.sample(GaussianOracle(), torch.zeros(1, 27, 17, 3), 40, 5, "ddim", torch.Generator().manual_seed(3))
    assert x.double().std().item() == pytest.approx(abs(gain), rel=0.03)
    assert x.double().mean().item() == pytest.approx(offset, abs=0.01)


def test_sampling_is_seeded_and_hypotheses_differ():
    cond = torch.zeros(2, 27, 17, 3)
    a = diffusion.sample(GaussianOracle(), cond, 3, 5, "ddim", torch.Generator().manual_seed(1))
    b = diffusion.sample(GaussianOracle(), cond, 3, 5, "ddim", torch.Generator().manual_seed(1))
    assert torch.equal(a, b)
    assert not torch.allclose(a[:, 0], a[:, 1])
    mean, std = diffusion.summarise_hypotheses(a)
    assert mean.shape == (2, 27, 17, 3) and std.shape == (2, 27, 17) and (std > 0).all()


@pytest.mark.parametrize("oracle", [GaussianOracle, GaussianX0Oracle])
def test_training_loss_is_zero_for_the_oracle_with_point_mass_data(oracle):
    """With σ → 0 the oracle's ε (or x0) prediction is exact, so the L2 loss vanishes."""
    global SIGMA
    old, SIGMA = SIGMA, 0.0
    try:
        x0 = torch.full((4, 27, 17, 3), MU, dtype=torch.float64)
        loss = diffusion.diffusion_loss(oracle(), x0, x0)
        assert loss.item() < 1e-12
    finally:
        SIGMA = old


def test_x0_prediction_gives_the_optimal_noise():
    """The x0 oracle turned into ε by `noise_from_x0` is the ε oracle, at every step."""
    g = torch.Generator().manual_seed(0)
    x_t = torch.randn(50, 27, 17, 3, generator=g, dtype=torch.float64)
    t = torch.arange(50)
    eps, x0_oracle = GaussianOracle(), GaussianX0Oracle()
    via_x0 = diffusion.noise_from_x0(x_t, x0_oracle.network_output(x_t, None, t), t, x0_oracle.abar)
    torch.testing.assert_close(via_x0, eps.predict_noise(x_t, None, t))


def test_x0_model_predict_noise_inverts_q_sample():
    """A model with prediction="sample" whose network returns the true x0 yields the true noise."""
    from lifting.config import build_model, model_config

    model = build_model(model_config("diffhpe2d", "tiny", prediction="sample")).eval()
    g = torch.Generator().manual_seed(1)
    x0, noise = torch.randn(5, 27, 17, 3, generator=g), torch.randn(5, 27, 17, 3, generator=g)
    t = torch.tensor([0, 10, 25, 40, 49])
    x_t = diffusion.q_sample(x0, t, noise, diffusion.alphas_cumprod())
    model.network_output = lambda x, c, s: x0  # the perfect x0 network
    torch.testing.assert_close(model.predict_noise(x_t, None, t), noise, rtol=1e-4, atol=1e-4)


def test_bad_sampler_arguments():
    with pytest.raises(ValueError):
        diffusion.make_scheduler("euler", 5)
    with pytest.raises(ValueError):
        diffusion.make_scheduler("ddim", 0)
