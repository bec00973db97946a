"""Limb mixing: new training poses made by giving a window the arm or leg motion of another window.

The mocap set is small (75 clips), and real videos show poses far from all of it: the shared real-video
reference's poses are on average 97 mm from the nearest training pose, held-out mocap 35 mm (per limb 25-29 vs
5-9 mm; `scripts/pose_coverage.py`). Recombining limbs across windows covers more of the pose space
without new data (as in part-aware pose augmentation).

A mixed limb keeps the receiving window's bone lengths and takes the donor's bone directions, turned about the
vertical by the difference of the two bodies' headings at every frame (the hips' heading for the legs, the
shoulders' for an arm), so a donor's arm raised in front stays in front of the receiving torso. The pose is
rebuilt by forward kinematics; a window that received legs is put back on its own lowest foot height.
Everything is batched torch on the windows' device."""

from __future__ import annotations

import torch

from lifting.skeleton import JOINT_INDEX, SEGMENTS

SEGMENT_OF_CHILD = {c: s for s, (_, c) in enumerate(SEGMENTS)}  # a joint -> the segment that ends at it
# Which segments each mixable part moves (SEGMENTS indices, from the children of those segments), and the joints
# whose left -> right line gives the heading the part is expressed in.
_PARTS: dict[str, tuple[list[int], tuple[str, str]]] = {
    name: ([SEGMENT_OF_CHILD[c] for c in children], heading)
    for name, children, heading in (
        ("left_arm", (12, 13), ("right_shoulder", "left_shoulder")),
        ("right_arm", (15, 16), ("right_shoulder", "left_shoulder")),
        ("legs", (2, 3, 5, 6), ("right_hip", "left_hip")),
    )
}
_ANKLES = (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"])


def heading(x: torch.Tensor, right: str, left: str) -> torch.Tensor:
    """(B, L, J, 3) z-up poses -> (B, L) angle of the right -> left joint line in the ground plane."""
    d = x[:, :, JOINT_INDEX[left]] - x[:, :, JOINT_INDEX[right]]
    return torch.atan2(d[..., 1], d[..., 0])


def turn_about_vertical(v: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Vectors (B, L, S, 3) turned about z by angle (B, L)."""
    c, s = torch.cos(angle)[..., None], torch.sin(angle)[..., None]
    return torch.stack([c * v[..., 0] - s * v[..., 1], s * v[..., 0] + c * v[..., 1], v[..., 2]], dim=-1)


def bone_vectors(x: torch.Tensor) -> torch.Tensor:
    """(B, L, J, 3) -> (B, L, 16, 3) child - parent for every segment (SEGMENTS order)."""
    parents = [p for p, _ in SEGMENTS]
    children = [c for _, c in SEGMENTS]
    return x[:, :, children] - x[:, :, parents]


def from_bones(root: torch.Tensor, bones: torch.Tensor) -> torch.Tensor:
    """root (B, L, 3), bones (B, L, 16, 3) -> poses (B, L, 17, 3) by forward kinematics (parents first)."""
    joints = [root] + [None] * len(SEGMENTS)
    for s, (p, c) in enumerate(SEGMENTS):
        joints[c] = joints[p] + bones[:, :, s]
    return torch.stack(joints, dim=2)


def keep_floor(out: torch.Tensor, before: torch.Tensor, where: torch.Tensor | None = None) -> torch.Tensor:
    """Windows `out` (B, L, J, 3), z up, shifted in place along z so that each window's lowest ankle height is
    that of `before`; only the windows `where` (B,) when given. -> out."""
    shift = before[:, :, _ANKLES, 2].amin(dim=(1, 2)) - out[:, :, _ANKLES, 2].amin(dim=(1, 2))  # (B,)
    if where is not None:
        shift = torch.where(where, shift, torch.zeros_like(shift))
    out[..., 2] += shift.view(-1, 1, 1)
    return out


def mix_limbs(x: torch.Tensor, p: float, g: torch.Generator) -> torch.Tensor:
    """World windows x (B, L, 17, 3), z up -> windows where each part (left arm, right arm, both legs) is,
    with probability p and independently, replaced by that part of another window of the batch."""
    b = x.shape[0]
    if p <= 0 or b < 2:
        return x
    dev = x.device
    # donor: a random other window (a shift of a random permutation never maps a window to itself)
    perm = torch.randperm(b, generator=g, device=dev)
    donor_of = torch.empty_like(perm)
    donor_of[perm] = perm.roll(1)
    donor = x[donor_of]
    bones, donor_bones = bone_vectors(x), bone_vectors(donor)
    lengths = bones.norm(dim=-1, keepdim=True)
    took_legs = torch.zeros(b, dtype=torch.bool, device=dev)
    for name, (seg, (right, left)) in _PARTS.items():
        take = torch.rand(b, generator=g, device=dev) < p  # (B,)
        if not bool(take.any()):
            continue
        turn = heading(x, right, left) - heading(donor, right, left)  # (B, L)
        d = turn_about_vertical(donor_bones[:, :, seg], turn)
        d = d / d.norm(dim=-1, keepdim=True).clamp_min(1e-9) * lengths[:, :, seg]
        bones[:, :, seg] = torch.where(take.view(-1, 1, 1, 1), d, bones[:, :, seg])
        if name == "legs":
            took_legs = take
    return keep_floor(from_bones(x[:, :, 0], bones), x, where=took_legs)
