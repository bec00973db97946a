"""Detectors by name: `create_detector("mediapipe")`. Backends are imported only when created."""

from __future__ import annotations

import importlib
import importlib.util

from detectors.base import Detector
from lifting.errors import UserError

DEFAULT_DETECTOR = "mediapipe"

# name -> (module, class, the package it needs, how to install it)
_BACKENDS: dict[str, tuple[str, str, str, str]] = {
    "mediapipe": ("detectors.mediapipe_pose", "MediaPipePose", "mediapipe", "pip install mediapipe==0.10.14"),
    "mmpose": (
        "detectors.mmpose_topdown",
        "MMPoseTopDown",
        "mmpose",
        "bash scripts/setup_mmpose.sh, then use .venv-mmpose/bin/python (see README)",
    ),
}


def registered_detectors() -> list[str]:
    """Every detector name, the default first, installed or not."""
    return list(_BACKENDS)


def available_detectors() -> list[str]:
    """The detector names usable in this environment (their package can be imported), the default first."""
    return [n for n in _BACKENDS if importlib.util.find_spec(_BACKENDS[n][2]) is not None]


def create_detector(name: str = DEFAULT_DETECTOR, **opts: object) -> Detector:
    """A new detector by name with its options (see each backend's constructor)."""
    if name not in _BACKENDS:
        raise UserError(f"unknown detector {name!r}; choose one of: {', '.join(registered_detectors())}")
    module, cls, package, install = _BACKENDS[name]
    if importlib.util.find_spec(package) is None:
        raise UserError(f"the {name!r} detector needs the {package!r} package, not installed here: {install}")
    return getattr(importlib.import_module(module), cls)(**opts)
