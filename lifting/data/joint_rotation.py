"""Joint rotation: new training poses made by turning whole limbs, the trunk and the head of a window at the
joints they hang from.

Real videos show poses far from every pose of the small mocap set (`scripts/pose_coverage.py`: the shared
real-video reference is on average 97 mm from the nearest training pose, held-out mocap 35 mm; per limb 25-29 vs
5-9 mm). Limb mixing (limb_mix.py) recombines limbs that exist; turning them covers orientations that no clip has.

Per window, a strength is drawn uniformly in [0, 1] (so natural poses stay in the mix), and each turned segment (the thighs at the hips, the upper arms at the shoulders, the trunk at the pelvis,
the neck at the thorax) gets a rotation that moves linearly from a random start to a random end over the window,
so the motion stays smooth and a new motion is made, not only a new pose. A rotation is applied to the segment and
everything that hangs from it (the elbow and wrist follow the upper arm), bone lengths and the bent angles of
knees and elbows are kept, and the window is put back on its own lowest foot height. Rotation vectors have
independent N(0, (strength * sigma)^2) components, world axes. Everything is batched torch on the windows' device."""

from __future__ import annotations

import math

import torch

from lifting.data.limb_mix import SEGMENT_OF_CHILD, bone_vectors, from_bones, keep_floor
from lifting.skeleton import JOINT_INDEX, SEGMENTS

# (parent, child) of the turned segments, and the share of sigma each gets (the trunk and head turn less).
TURNED: tuple[tuple[str, str, float], ...] = (
    ("right_hip", "right_knee", 1.0),
    ("left_hip", "left_knee", 1.0),
    ("right_shoulder", "right_elbow", 1.0),
    ("left_shoulder", "left_elbow", 1.0),
    ("pelvis", "spine", 0.5),
    ("thorax", "neck", 0.5),
)
_TURNED_SEGMENTS = [SEGMENT_OF_CHILD[JOINT_INDEX[c]] for _, c, _ in TURNED]
_SHARE = [share for _, _, share in TURNED]
# parent segment of every segment (-1 for the three that start at the pelvis); parents come first in SEGMENTS
_PARENT_SEGMENT = [SEGMENT_OF_CHILD.get(p, -1) for p, _ in SEGMENTS]


def axis_angle_matrix(v: torch.Tensor) -> torch.Tensor:
    """Rotation vectors (..., 3) (axis times angle in radians) -> rotation matrices (..., 3, 3) (Rodrigues)."""
    angle = v.norm(dim=-1, keepdim=True)  # (..., 1)
    k = v / angle.clamp_min(1e-12)
    kx, ky, kz = k.unbind(-1)
    zero = torch.zeros_like(kx)
    cross = torch.stack([zero, -kz, ky, kz, zero, -kx, -ky, kx, zero], dim=-1).reshape(*v.shape[:-1], 3, 3)
    s, c = torch.sin(angle)[..., None], torch.cos(angle)[..., None]
    eye = torch.eye(3, dtype=v.dtype, device=v.device).expand_as(cross)
    return eye + s * cross + (1 - c) * (cross @ cross)


def rotate_joints(x: torch.Tensor, sigma_deg: float, g: torch.Generator) -> torch.Tensor:
    """World windows x (B, L, 17, 3), z up -> windows whose limbs, trunk and head are turned at their joints by
    rotations whose vector components are N(0, (u * sigma_deg)^2), u ~ U(0, 1) per window (half that for the
    trunk and head), moving linearly from the window's first frame to its last."""
    if sigma_deg <= 0:
        return x
    b, L = x.shape[:2]
    dev, dt = x.device, x.dtype
    sigma = math.radians(sigma_deg) * torch.tensor(_SHARE, device=dev, dtype=dt)[None, :, None]  # (1, T, 1)
    strength = torch.rand(b, 1, 1, generator=g, device=dev, dtype=dt)
    ends = (
        torch.randn(2, b, len(TURNED), 3, generator=g, device=dev, dtype=dt) * sigma * strength
    )  # (2, B, T, 3)
    t = torch.linspace(0, 1, L, device=dev, dtype=dt).view(1, L, 1, 1)
    turns = axis_angle_matrix(ends[0][:, None] + t * (ends[1] - ends[0])[:, None])  # (B, L, T, 3, 3)

    eye = torch.eye(3, device=dev, dtype=dt).expand(b, L, 3, 3)
    own = [eye] * len(SEGMENTS)
    for k, s in enumerate(_TURNED_SEGMENTS):
        own[s] = turns[:, :, k]
    # a segment turns with everything above it: its rotation is its parent segment's times its own
    total: list[torch.Tensor] = []
    for s in range(len(SEGMENTS)):
        parent = _PARENT_SEGMENT[s]
        total.append(own[s] if parent < 0 else total[parent] @ own[s])
    bones = bone_vectors(x)  # (B, L, 16, 3)
    turned = torch.einsum("blsij,blsj->blsi", torch.stack(total, dim=2), bones)
    return keep_floor(from_bones(x[:, :, 0], turned), x)
