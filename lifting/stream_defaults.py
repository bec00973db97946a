"""The streaming lifter's default options, importable without torch (the command line builds its help from them).

Defaults: H = 5 hypotheses averaged, 2 DDIM steps instead of the paper's 50-step DDPM loop, a window every 9 frames
in causal mode (latency at most 8 frames). The step count is the most accurate one for the shipped default model on
the real-video reference and the held-out mocap, measured with `diffhpe score` and `diffhpe eval` (README, "Speed
and defaults"; reports/real3d, reports/eval); few steps also keep a 2-core CPU within its frame budget."""

DEFAULT_MODE = "causal"
DEFAULT_STRIDE = 9
DEFAULT_STEPS = 2
DEFAULT_HYPOTHESES = 5
DEFAULT_SAMPLER = "ddim"
DEFAULT_CONF_THRESHOLD = 0.3


def describe_defaults() -> str:
    """'causal, stride 9, DDIM k=1, H=5': the default setting in words."""
    return f"{DEFAULT_MODE}, stride {DEFAULT_STRIDE}, {DEFAULT_SAMPLER.upper()} k={DEFAULT_STEPS}, H={DEFAULT_HYPOTHESES}"
