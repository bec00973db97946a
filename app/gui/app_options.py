"""What the app is started with (the `diffhpe app` options), Qt-free."""

from __future__ import annotations

from dataclasses import dataclass, field


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
