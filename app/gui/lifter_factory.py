"""Builds what the worker threads run: the 2D detector by name and the StreamingLifter from a model spec
(a checkpoint path, or 'random:<profile>' for an untrained model of that size)."""

from __future__ import annotations

import inspect
from pathlib import Path

from app.gui.pipeline import LifterSpec

RANDOM_PREFIX = "random:"


def devices() -> list[str]:
    import torch

    return ["auto", "cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def detector_names() -> list[str]:
    from detectors import DEFAULT_DETECTOR, available_detectors

    return list(available_detectors()) or [DEFAULT_DETECTOR]  # those installed here, the default first


def _lifter_defaults() -> dict:
    from lifting.stream import StreamingLifter

    sig = inspect.signature(StreamingLifter.__init__)
    return {k: p.default for k, p in sig.parameters.items() if p.default is not inspect.Parameter.empty}


def default_lift_options() -> dict:
    """The StreamingLifter's own defaults for the options the panel shows."""
    try:
        d = _lifter_defaults()
    except ImportError:
        d = {}
    return {k: d[k] for k in ("mode", "stride", "steps", "hypotheses", "sampler") if k in d}


def preferred_checkpoint(paths: list[Path]) -> str | None:
    """The shipped default: a DiffHPE-Wrapper checkpoint if there is one, else the first file."""
    if not paths:
        return None
    for p in paths:
        if "wrapper" in p.stem:
            return str(p)
    return str(paths[0])


def build_lifter(spec: LifterSpec):
    """Runs on the lift thread. UserError for a bad checkpoint or device."""
    from lifting.config import build_model, model_config
    from lifting.stream import StreamingLifter
    from lifting.weights import load_model, resolve_device

    device = resolve_device(spec.device)
    if spec.model.startswith(RANDOM_PREFIX):
        model = build_model(model_config("wrapper", spec.model[len(RANDOM_PREFIX) :])).to(device).eval()
    else:
        model, _config, _info = load_model(spec.model, device)
    return StreamingLifter(model, device=str(device), **spec.options)
