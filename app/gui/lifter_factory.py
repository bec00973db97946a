"""Builds what the worker threads run: the 2D detector by name and the StreamingLifter from a model spec
(a checkpoint path, or 'random:<profile>' for an untrained model of that size)."""

from __future__ import annotations

import inspect
import os
from pathlib import Path

from app.gui.pipeline import LifterSpec
from lifting.errors import UserError
from lifting.stream_defaults import SAMPLERS

RANDOM_PREFIX = "random:"
PANEL_OPTIONS = (
    "mode",
    "stride",
    "steps",
    "hypotheses",
    "sampler",
    "root_filter",
    "flip",
    "joints",
    "fit_2d",
    "steady_bones",
)


def devices() -> list[str]:
    import torch

    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def detector_names() -> list[str]:
    from detectors import DEFAULT_DETECTOR, available_detectors

    return list(available_detectors()) or [DEFAULT_DETECTOR]  # those installed here, the default first


def samplers() -> list[str]:
    return list(SAMPLERS)


def default_lift_options() -> dict:
    """The StreamingLifter's own defaults for the options the panel shows (the window puts the app's own,
    MainWindow.lift_options_default, over them)."""
    from lifting.stream import StreamingLifter

    sig = inspect.signature(StreamingLifter.__init__)
    return {k: sig.parameters[k].default for k in PANEL_OPTIONS if k in sig.parameters}


def preferred_checkpoint(weights_dir: str | Path | None = None) -> str | None:
    """The shipped default checkpoint (lifting.weights' rule), or None when weights/ has none."""
    from lifting.weights import default_checkpoint

    try:
        return str(default_checkpoint(weights_dir))
    except UserError:
        return None


def lifter_threads() -> int:
    """Torch CPU threads for the lifter: half the cores (DIFFHPE_TORCH_THREADS overrides). The detector and
    the renderer need the rest; with every core, torch's OpenMP threads spin-wait on the busy ones and a window
    measured 10-20× slower on this 2-core machine."""
    env = os.environ.get("DIFFHPE_TORCH_THREADS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, (os.cpu_count() or 2) // 2)


def build_lifter(spec: LifterSpec):
    """Runs on the lift thread. UserError for a bad checkpoint, device or option."""
    import torch

    from lifting.config import build_model, model_config
    from lifting.stream import StreamingLifter
    from lifting.weights import resolve_device

    torch.set_num_threads(lifter_threads())  # process-wide: the app owns the process
    device = resolve_device(spec.device)
    if spec.model.startswith(RANDOM_PREFIX):
        config = model_config("wrapper", spec.model[len(RANDOM_PREFIX) :])
        lifter = StreamingLifter(build_model(config), config, device=device, **spec.options)
    else:
        lifter = StreamingLifter.from_checkpoint(spec.model, device=str(device), **spec.options)
    lifter.warm_up()  # the first real frames should not wait for torch's first calls (5-10 s here under load)
    return lifter
