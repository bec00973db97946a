"""What the app is started with (the `diffhpe app` options), Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field

# Where the app's real-time default differs from `diffhpe lift`'s: one DDIM step, half the lifting time of
# two, so a 60 fps video keeps up on a 2-core CPU (README: app rates; k = 1 vs 2 accuracy side by side).
APP_LIFT_DEFAULTS = {"steps": 1}


@dataclass
class AppOptions:
    video: str | None = None
    webcam: int | None = None
    model: str | None = None  # checkpoint path or "random:<profile>"; None: the first in weights_dir
    weights_dir: str | None = None
    detector: str = "mediapipe"
    device: str = "auto"
    lift_options: dict = field(default_factory=dict)  # StreamingLifter options (mode, steps, ...)
    realtime: bool = True
    autoplay: bool = True
    renderer: str = "auto"  # the 3D view's Open3D renderer: 'auto', 'legacy' (OpenGL) or 'filament'
