"""The paper's 2D occlusion patterns (DiffHPE §5.3) as boolean masks of omitted joints; omitted 2D keypoints
are set to 0 (in normalised screen coordinates, as the official code does), for training and for testing.

| name                 | what is omitted (window of L frames, J joints)                                        |
|----------------------|----------------------------------------------------------------------------------------|
| 'none'               | nothing                                                                                |
| 'random'             | each (frame, joint) independently with p = 0.2                                         |
| 'random_leg_arm'     | each frame with p = 0.4 loses the right leg and left arm, joints [1, 2, 3, 11, 12, 13]  |
|                      | (paper). The official code instead picks exactly floor(0.4 L) = 10 of 27 frames:       |
|                      | pass `leg_arm_frames=10` for that variant.                                             |
| 'consecutive_leg'    | 10 consecutive frames (start uniform over the valid starts) lose joints [1, 2, 3]       |
| 'consecutive_frames' | 5 consecutive frames (start uniform) lose every joint                                  |

Besides the paper's patterns, 'mixed' (training only) draws one of the five above uniformly for each window:
it trains the occlusion-robust models we ship for live use, where any of these can happen.

The official code draws consecutive starts from [0, L - n - 1]; we use every valid start [0, L - n]."""

from __future__ import annotations

import numpy as np

from lifting.errors import UserError
from lifting.skeleton import LEFT_ARM, RIGHT_LEG

PAPER_PATTERNS: tuple[str, ...] = ("none", "random", "random_leg_arm", "consecutive_leg", "consecutive_frames")
PATTERNS: tuple[str, ...] = PAPER_PATTERNS + ("mixed",)

RANDOM_P = 0.2
LEG_ARM_P = 0.4
LEG_ARM_JOINTS: tuple[int, ...] = RIGHT_LEG + LEFT_ARM  # (1, 2, 3, 11, 12, 13)
CONSECUTIVE_LEG_FRAMES = 10
CONSECUTIVE_FRAMES = 5


def check_pattern(pattern: str | None) -> str:
    """Validate a pattern name (None means 'none')."""
    name = "none" if pattern is None else pattern
    if name not in PATTERNS:
        raise UserError(f"unknown occlusion pattern {pattern!r}; choose one of: {', '.join(PATTERNS)}")
    return name


def occlusion_mask(
    pattern: str | None,
    length: int,
    num_joints: int = 17,
    rng: np.random.Generator | None = None,
    *,
    random_p: float = RANDOM_P,
    leg_arm_p: float = LEG_ARM_P,
    leg_arm_frames: int | None = None,
    consecutive_leg_frames: int = CONSECUTIVE_LEG_FRAMES,
    consecutive_frames: int = CONSECUTIVE_FRAMES,
) -> np.ndarray:
    """A (length, num_joints) boolean mask, True where the 2D joint is omitted. Seeded through rng."""
    name = check_pattern(pattern)
    rng = rng if rng is not None else np.random.default_rng()
    mask = np.zeros((length, num_joints), dtype=bool)
    if name == "mixed":
        name = PAPER_PATTERNS[int(rng.integers(len(PAPER_PATTERNS)))]
    if name == "random":
        mask = rng.random((length, num_joints)) < random_p
    elif name == "random_leg_arm":
        if leg_arm_frames is None:
            frames = np.flatnonzero(rng.random(length) < leg_arm_p)
        else:
            frames = rng.choice(length, size=min(leg_arm_frames, length), replace=False)
        mask[np.ix_(frames, list(LEG_ARM_JOINTS))] = True
    elif name == "consecutive_leg":
        n = min(consecutive_leg_frames, length)
        start = int(rng.integers(0, length - n + 1))
        mask[start : start + n, list(RIGHT_LEG)] = True
    elif name == "consecutive_frames":
        n = min(consecutive_frames, length)
        start = int(rng.integers(0, length - n + 1))
        mask[start : start + n, :] = True
    return mask


def apply_occlusion(x2d: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """x2d (..., L, J, 2) with the joints where mask (..., L, J) is True set to 0 (a copy)."""
    out = np.array(x2d, copy=True)
    out[np.broadcast_to(mask, out.shape[:-1])] = 0
    return out
