"""The fast inference path computes the same function as the reference modules (allclose 1e-5)."""

import pytest
import torch
from helpers_stream import assert_same_samples, keypoints_sequence, perturbed, perturbed_float64

from lifting.diffusion import sample
from lifting.fast_inference import FastDiffusion
from lifting.stream import StreamingLifter


@pytest.mark.parametrize("kind", ["wrapper", "diffhpe2d"])
@pytest.mark.parametrize("profile", ["tiny", "paper"])
@pytest.mark.parametrize("prediction", ["epsilon", "sample"])
def test_predict_noise_matches_reference(kind, profile, prediction):
    model = perturbed(kind, profile, seed=3)
    model.prediction = prediction  # the network's output read as ε or as x0
    fast = FastDiffusion(model).eval()
    g = torch.Generator().manual_seed(0)
    x2d = torch.rand(2, 27, 17, 2, generator=g) * 2 - 1
    x_t = torch.randn(4, 27, 17, 3, generator=g)
    t = torch.tensor([0, 13, 30, 49])
    with torch.inference_mode():
        cond = model.condition(x2d).repeat_interleave(2, 0)
        ref = model.predict_noise(x_t, cond, t)
        out = fast.predict_noise(x_t, fast.prepare(model.condition(x2d)).repeat_interleave(2, 0), t)
    assert ref.abs().max() > 1e-2  # a real test: the perturbed denoiser does not predict zeros
    # An x0 output becomes ε through 1/√(1−ᾱ_t), up to 24× at t = 0: its round-off grows by as much.
    atol = 1e-5 if prediction == "epsilon" else 1e-5 / float((1 - model.abar[0]).sqrt())
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("sampler,steps", [("ddim", 3), ("dpmsolver", 3), ("ddpm", 3)])
def test_samples_match_the_reference_sampler(sampler, steps):
    # float64 both ways (see helpers_stream.assert_same_samples); the draws are the same as in float32 runs.
    model = perturbed_float64("wrapper", "paper", seed=4)
    fast = FastDiffusion(model).eval()
    x2d = torch.rand(1, 27, 17, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 2 - 1
    with torch.inference_mode():
        cond = model.condition(x2d)
        ref = sample(
            model,
            cond,
            hypotheses=5,
            steps=steps,
            sampler=sampler,
            generator=torch.Generator().manual_seed(9),
        )
        g = torch.Generator().manual_seed(9)
        noise = torch.randn((5, 27, 17, 3), generator=g)[None]  # what `sample` draws first from the same seed
        out = sample(fast, fast.prepare(cond), steps=steps, sampler=sampler, generator=[g], noise=noise.double())
    # the samples are not near zero, so the bound (relative to their scale) is a real one
    assert ref.abs().max() > 1.0
    assert_same_samples(out, ref)


def test_windows_do_not_depend_on_batching():
    model = perturbed_float64("wrapper", "tiny", seed=5)
    fast = FastDiffusion(model).eval()
    x2d = torch.rand(3, 27, 17, 2, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 2 - 1
    noise = torch.randn(3, 4, 27, 17, 3, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    with torch.inference_mode():
        cond = fast.prepare(model.condition(x2d))
        batched = sample(fast, cond, steps=3, sampler="ddim", noise=noise)
        single = torch.cat(
            [sample(fast, cond[i : i + 1], steps=3, sampler="ddim", noise=noise[i : i + 1]) for i in range(3)]
        )
    assert_same_samples(batched, single)


def test_compile_failure_falls_back_to_eager(monkeypatch):
    model = perturbed("wrapper", "tiny", seed=6)

    def broken_compile(module, **kwargs):
        def run(*args):
            raise RuntimeError("no C++ compiler here")

        return run

    monkeypatch.setattr(torch, "compile", broken_compile)
    fast = FastDiffusion(model, compile=True).eval()
    eager = FastDiffusion(model).eval()
    g = torch.Generator().manual_seed(0)
    x_t, t = torch.randn(2, 27, 17, 3, generator=g), torch.tensor([3, 30])
    with torch.inference_mode():
        cond = fast.prepare(model.condition(torch.rand(2, 27, 17, 2, generator=g)))
        with pytest.warns(UserWarning, match="torch.compile failed"):
            out = fast.predict_noise(x_t, cond, t)
        torch.testing.assert_close(out, eager.predict_noise(x_t, cond, t))
    assert "no C++ compiler" in fast.compile_error


@pytest.mark.parametrize("kind", ["wrapper", "diffhpe2d"])
def test_evaluation_fast_path_gives_the_reference_poses(kind):
    import numpy as np

    from lifting.evaluate import SamplingOptions, predict_windows

    model = perturbed(kind, "tiny", seed=5)
    x2d = np.random.default_rng(0).uniform(-1, 1, (3, 27, 17, 2)).astype(np.float32)
    ref = predict_windows(model, kind, x2d, SamplingOptions("ddim", 3, 2, seed=1, fast=False))
    out = predict_windows(model, kind, x2d, SamplingOptions("ddim", 3, 2, seed=1, fast=True))
    assert out["pose"].shape == (3, 27, 17, 3) and np.abs(ref["pose"]).max() > 1e-2
    np.testing.assert_allclose(out["pose"], ref["pose"], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(out["std"], ref["std"], rtol=1e-4, atol=1e-5)


def test_bf16_denoiser_is_close_to_float32_and_returns_float32():
    model = perturbed("wrapper", "paper", seed=6)
    exact, bf16 = FastDiffusion(model).eval(), FastDiffusion(model, bf16=True).eval()
    assert bf16.denoiser.w_mid.dtype == torch.bfloat16 and model.lift_x3d.weight.dtype == torch.float32
    g = torch.Generator().manual_seed(0)
    x2d = torch.rand(1, 27, 17, 2, generator=g) * 2 - 1
    x_t = torch.randn(5, 27, 17, 3, generator=g)
    t = torch.full((5,), 20)
    with torch.inference_mode():
        cond = model.condition(x2d)
        ref = exact.predict_noise(x_t, exact.prepare(cond).repeat_interleave(5, 0), t)
        out = bf16.predict_noise(x_t, bf16.prepare(cond).repeat_interleave(5, 0), t)
    assert out.dtype == torch.float32
    rel = float((out - ref).norm() / ref.norm())
    # bfloat16 rounding (8 bits of mantissa) through 16 blocks, not a different function
    assert 0 < rel < 0.03


def test_bf16_lifter_poses_stay_near_the_float32_ones(tiny_wrapper):
    kps = keypoints_sequence(30)
    a = StreamingLifter(tiny_wrapper, steps=2, hypotheses=2, device="cpu").lift_sequence(kps)
    b = StreamingLifter(tiny_wrapper, steps=2, hypotheses=2, device="cpu", bf16=True).lift_sequence(kps)
    diff = max(float(abs(x.pose - y.pose).max()) for x, y in zip(a, b))
    scale = max(float(abs(x.pose).max()) for x in a)
    assert diff < 0.05 * scale


def test_compiled_denoiser_gives_the_eager_noise():
    # The compiled graph takes other routes (neighbour mixes as gathers, fused wider matmuls): same function.
    model = perturbed("wrapper", "tiny", seed=7)
    eager, compiled = FastDiffusion(model).eval(), FastDiffusion(model, compile=True).eval()
    g = torch.Generator().manual_seed(0)
    x2d = torch.rand(1, 27, 17, 2, generator=g) * 2 - 1
    x_t = torch.randn(2, 27, 17, 3, generator=g)
    t = torch.tensor([3, 40])
    with torch.inference_mode():
        cond = model.condition(x2d)
        ref = eager.predict_noise(x_t, eager.prepare(cond).repeat_interleave(2, 0), t)
        out = compiled.predict_noise(x_t, compiled.prepare(cond).repeat_interleave(2, 0), t)
    assert compiled.compile_error is None and compiled.compile_s > 0  # it really ran compiled
    assert ref.abs().max() > 1e-2
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
