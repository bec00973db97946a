"""The lifter's option choices and default options, importable without torch (the command line and the app build
their choices and help from them).

Defaults: H = 5 hypotheses averaged, 2 DDIM steps instead of the paper's 50-step DDPM loop, a window every 9 frames
in causal mode (latency at most 8 frames). The step count is the most accurate one for the shipped default model on
the real-video reference and the held-out mocap, measured with `diffhpe score` and `diffhpe eval` (README, "Speed
and defaults"; reports/real3d, reports/eval); few steps also keep a 2-core CPU within its frame budget."""

from __future__ import annotations

import os

from lifting.definitions import JOINT_DEFINITIONS  # noqa: F401 (the choices, numpy only)

MODES = ("causal", "centred")  # causal: newest frame of each window; centred: its middle frame
SAMPLERS = ("ddpm", "ddim", "dpmsolver")  # reverse-diffusion samplers (lifting.diffusion)
DEVICES = ("auto", "cpu", "cuda")  # auto: CUDA when there is a GPU, else the CPU

DEFAULT_MODE = "causal"
# A video file lifted offline (`diffhpe lift VIDEO`, `diffhpe score`) has no need for low latency: the middle frame
# of each window sees 13 frames ahead and is more accurate (shipped DiffHPE-2D, k = 2, H = 5: held-out mocap
# streams 79.2 -> 76.1 mm MPJPE, the real-video reference 91.5 -> 89.3 mm P-MPJPE; README "Speed and defaults").
# Live streams (a webcam, the app) stay causal.
DEFAULT_FILE_MODE = "centred"
DEFAULT_STRIDE = 9
DEFAULT_STEPS = 2
DEFAULT_HYPOTHESES = 5
DEFAULT_SAMPLER = "ddim"
DEFAULT_CONF_THRESHOLD = 0.3
# Torso and head points in the 2D detector's landmark definitions, as MediaPipe's own 3D and landmark-triangulated
# references have them (lifting.definitions; measured in the README, "Real video").
DEFAULT_JOINTS = "landmarks"

# How far each seen joint is pulled, at its lifted depth, towards the camera ray of its 2D keypoint, the lifter's
# bone lengths kept (lifting.image_fit); 0 keeps the lifter's pose. Chosen on held-out mocap streams (DiffHPE-2D,
# k = 2, H = 5; 0.25 / 0.35 / 0.5: 68.0 / 67.9 / 68.4 mm centred, from 69.4 at 0); README "Real video".
DEFAULT_FIT_2D = 0.35

# One left/right-symmetric skeleton for the whole stream, the running mean of the lifted segment lengths
# (lifting.steady_bones). Shipped DiffHPE-2D, k = 2, H = 5, fit 0.35: held-out mocap streams and the real-video
# reference both more accurate with it (README "Real video", "Steady bones").
DEFAULT_STEADY_BONES = True

PAPER_SAMPLING = {"sampler": "ddpm", "steps": 50, "hypotheses": 5}  # the paper's: the full DDPM loop, H = 5


def describe_defaults() -> str:
    """'causal, stride 9, DDIM k=2, H=5, 2D fit 0.35, steady bones': the default setting in words."""
    return (
        f"{DEFAULT_MODE}, stride {DEFAULT_STRIDE}, {DEFAULT_SAMPLER.upper()} k={DEFAULT_STEPS}, H={DEFAULT_HYPOTHESES}, "
        f"2D fit {DEFAULT_FIT_2D:g}{', steady bones' if DEFAULT_STEADY_BONES else ''}"
    )


def torch_threads(requested: int | None = None) -> int:
    """Torch CPU threads for lifting a video: `requested` when given, else every core but one (at least one),
    the one left to the thread that reads and detects the frames."""
    return requested if requested else max(1, (os.cpu_count() or 2) - 1)
