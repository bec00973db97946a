"""Training windows made on the fly, in batches, on the training device: every window gets its own virtual
camera (how people film: phones in portrait and landscape, webcams, tripods), its own motion augmentation
(mirroring, limb mixing across windows, bone and body scale) and its own detector-like 2D corruption (jitter, outliers, left/right swaps,
missed joints, joints cut by the frame edge, the paper's occlusion patterns).

Everything is array code on torch tensors, so the data keeps up with a GPU; one torch.Generator seeds a run.

Conventions as in `virtual_cameras` and `dataset.Camera`: the world is metres, z up, floor at z = 0; a camera
frame is OpenCV's (x right, y down, z forward). The 2D keypoints are normalised by the image width
(`camera.normalize_screen_coordinates`), the 3D target is the camera-frame pose with the pelvis at 0."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from lifting.data.joint_rotation import rotate_joints
from lifting.data.limb_mix import bone_vectors, from_bones, keep_floor, mix_limbs
from lifting.data.mocap_geometry import MIRROR_SEGMENT
from lifting.data.noise2d import JOINT_SIGMA_SCALE
from lifting.data.occlusion import (
    CONSECUTIVE_FRAMES,
    CONSECUTIVE_LEG_FRAMES,
    LEG_ARM_JOINTS,
    LEG_ARM_P,
    PAPER_PATTERNS,
    RANDOM_P,
    check_pattern,
)
from lifting.skeleton import FLIP_PERMUTATION, RIGHT_LEG, SEGMENTS

WINDOW = 27


@dataclass(frozen=True)
class CameraDistribution:
    """Where the virtual cameras come from, drawn independently for every window.

    formats: (width, height, weight) of the image: landscape phone / camera, portrait phone, webcams.
    fov_deg: field of view across the image's longer side (the focal length follows from it).
    height_m: camera above the floor; distance_m: horizontal distance to the person's mean position.
    roll_deg: rotation about the optical axis, normal with this std, clipped at 3 std (tripods are rarely
    levelled exactly, phones are held a little tilted).
    off_centre: the aim point moves by up to this fraction of the half field of view, so the person is not
    always in the middle of the image.
    margin: every joint of the window at least this fraction of the image's shorter side inside the image.
    cut_p: share of windows where the person may be partly outside the frame (no margin check for them)."""

    formats: tuple[tuple[int, int, float], ...] = (
        (1920, 1080, 0.35),
        (1080, 1920, 0.25),
        (1280, 720, 0.2),
        (640, 480, 0.2),
    )
    fov_deg: tuple[float, float] = (50.0, 90.0)
    height_m: tuple[float, float] = (0.3, 2.5)
    distance_m: tuple[float, float] = (2.0, 10.0)
    roll_deg: float = 5.0
    off_centre: float = 0.5
    margin: float = 0.02
    cut_p: float = 0.08
    tries: int = 6  # redraws for the windows whose camera does not keep the person in view


@dataclass(frozen=True)
class MotionAugmentation:
    mirror_p: float = 0.5  # mirror the world (x -> -x, left <-> right)
    bone_scale: tuple[float, float] = (0.9, 1.1)  # per-segment length factor, the same left and right
    body_scale: tuple[float, float] = (0.9, 1.1)  # overall size factor
    limb_mix_p: float = 0.0  # per part (left arm, right arm, legs): take it from another window (limb_mix.py)
    joint_rotation_deg: float = 0.0  # turn limbs, trunk and head at their joints, up to this sigma (joint_rotation.py)


@dataclass(frozen=True)
class Corruption2D:
    """Detector-like 2D corruption, in units of the person's height in the image (its 2D bounding-box height,
    median over the window), so it is the same for a near and a far person, as a detector's error is.

    sigma: per-window Gaussian jitter std, drawn uniformly in this range (times JOINT_SIGMA_SCALE per joint);
    smooth: share of the jitter variance that is temporally correlated (AR(1) with coefficient `ar`), as a
    tracker's drift is; outlier_p / outlier: a (frame, joint) jumps by N(0, outlier) heights; swap_p: a frame's
    left and right joints are exchanged; dropout_p: a joint is missed; cut_drop_p: a joint outside the image is
    missed (else its extrapolated position is kept). Missed joints are zeroed and flagged in the mask."""

    sigma: tuple[float, float] = (0.004, 0.02)
    smooth: float = 0.5
    ar: float = 0.8
    outlier_p: float = 0.005
    outlier: float = 0.1
    swap_p: float = 0.005
    dropout_p: float = 0.01
    cut_drop_p: float = 0.7


def rescale_bones(x: torch.Tensor, factor: torch.Tensor) -> torch.Tensor:
    """x (B, L, J, 3), factor (B, 16) per segment (SEGMENTS order) -> poses whose every bone vector is scaled by
    its factor, rebuilt from the pelvis along the kinematic tree (parents come before children)."""
    return from_bones(x[:, :, 0], bone_vectors(x) * factor[:, None, :, None])


def look_at_rotation(position: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(B, 3), (B, 3) -> world -> camera rotations (B, 3, 3): rows are the camera's right, down and forward
    axes in the world, the camera level (its x axis horizontal)."""
    forward = torch.nn.functional.normalize(target - position, dim=-1)
    up = torch.tensor([0.0, 0.0, 1.0], device=position.device, dtype=position.dtype).expand_as(forward)
    right = torch.linalg.cross(forward, up)
    # looking straight up or down: any horizontal right axis
    degenerate = right.norm(dim=-1, keepdim=True) < 1e-6
    right = torch.where(degenerate, torch.tensor([1.0, 0.0, 0.0], device=right.device), right)
    right = torch.nn.functional.normalize(right, dim=-1)
    down = torch.linalg.cross(forward, right)
    return torch.stack([right, down, forward], dim=1)


@dataclass
class CameraBatch:
    """One camera per window: world -> camera rotation R (B, 3, 3), position (B, 3) metres, focal (B,) px,
    centre (B, 2) px, image size (B, 2) px (width, height)."""

    R: torch.Tensor
    position: torch.Tensor
    focal: torch.Tensor
    centre: torch.Tensor
    size: torch.Tensor

    def to_camera(self, x: torch.Tensor) -> torch.Tensor:
        """World points (B, ..., 3) -> camera frame (B, ..., 3)."""
        b = x.shape[0]
        flat = x.reshape(b, -1, 3) - self.position[:, None]
        return (flat @ self.R.transpose(1, 2)).reshape(x.shape)

    def project(self, x_cam: torch.Tensor) -> torch.Tensor:
        """Camera-frame points (B, ..., 3) -> pixels (B, ..., 2), distortion-free pinhole."""
        shape = (x_cam.shape[0],) + (1,) * (x_cam.dim() - 2)
        xy = x_cam[..., :2] / x_cam[..., 2:3].clamp_min(1e-6)
        return xy * self.focal.view(*shape, 1) + self.centre.view(*shape, 2)

    def select(self, keep: torch.Tensor, other: CameraBatch) -> CameraBatch:
        """Per window: this camera where keep (B,) is True, else other's."""
        k = keep.view(-1, 1)
        return CameraBatch(
            torch.where(k.view(-1, 1, 1), self.R, other.R),
            torch.where(k, self.position, other.position),
            torch.where(keep, self.focal, other.focal),
            torch.where(k, self.centre, other.centre),
            torch.where(k, self.size, other.size),
        )


def _uniform(lo: float, hi: float, n: int, g: torch.Generator, device) -> torch.Tensor:
    return lo + (hi - lo) * torch.rand(n, generator=g, device=device)


def sample_cameras(centre: torch.Tensor, dist: CameraDistribution, g: torch.Generator) -> CameraBatch:
    """One camera per window around the person's mean position centre (B, 3)."""
    b, dev = centre.shape[0], centre.device
    fmts = torch.tensor([(w, h) for w, h, _ in dist.formats], dtype=torch.float32, device=dev)
    weights = torch.tensor([p for _, _, p in dist.formats], dtype=torch.float32, device=dev)
    size = fmts[torch.multinomial(weights, b, replacement=True, generator=g)]  # (B, 2)
    fov = torch.deg2rad(_uniform(*dist.fov_deg, b, g, dev))
    focal = size.max(dim=1).values / 2 / torch.tan(fov / 2)
    az = _uniform(0.0, 2 * math.pi, b, g, dev)
    d = _uniform(*dist.distance_m, b, g, dev)
    height = _uniform(*dist.height_m, b, g, dev)
    position = torch.stack([centre[:, 0] + d * torch.cos(az), centre[:, 1] + d * torch.sin(az), height], dim=1)
    # aim off the person's centre by a share of the half field of view, horizontally and vertically
    half = torch.atan(size / 2 / focal[:, None])  # (B, 2) half fields of view (x, y)
    shift = (2 * torch.rand(b, 2, generator=g, device=dev) - 1) * dist.off_centre * half  # angles
    R = look_at_rotation(position, centre)
    yaw, pitch = shift[:, 0], shift[:, 1]
    roll = torch.deg2rad(torch.randn(b, generator=g, device=dev).clamp(-3, 3) * dist.roll_deg)
    R = _axis_rotation(roll, 2) @ _axis_rotation(pitch, 0) @ _axis_rotation(yaw, 1) @ R
    return CameraBatch(R, position, focal, size / 2, size)


def _axis_rotation(angle: torch.Tensor, axis: int) -> torch.Tensor:
    """(B,) angles -> (B, 3, 3) rotations about the camera's own x (0), y (1) or z (2) axis."""
    c, s = torch.cos(angle), torch.sin(angle)
    o, z = torch.ones_like(angle), torch.zeros_like(angle)
    if axis == 0:
        m = [o, z, z, z, c, -s, z, s, c]
    elif axis == 1:
        m = [c, z, s, z, o, z, -s, z, c]
    else:
        m = [c, -s, z, s, c, z, z, z, o]
    return torch.stack(m, dim=-1).view(-1, 3, 3)


def in_frame(uv: torch.Tensor, x_cam: torch.Tensor, size: torch.Tensor, margin: torch.Tensor) -> torch.Tensor:
    """(B, L, J, 2) pixels, (B, L, J, 3) camera points, (B, 2) image sizes, (B,) margins in pixels -> (B, L, J)
    bool: in front of the camera and inside the image by the margin."""
    m = margin.view(-1, 1, 1, 1)
    hi = size.view(-1, 1, 1, 2) - m
    return (x_cam[..., 2] > 0.3) & (uv >= m).all(-1) & (uv <= hi).all(-1)


def occlusion_masks(pattern: str, b: int, length: int, nj: int, g: torch.Generator, device) -> torch.Tensor:
    """The paper's occlusion patterns (`occlusion.occlusion_mask`) for a batch: (B, L, J) bool, True = omitted.
    'mixed' draws one of the paper's patterns (or none) per window."""
    name = check_pattern(pattern)
    if name == "none":
        return torch.zeros(b, length, nj, dtype=torch.bool, device=device)
    if name == "mixed":
        which = torch.randint(len(PAPER_PATTERNS), (b,), generator=g, device=device)
    else:
        which = torch.full((b,), PAPER_PATTERNS.index(name), device=device)
    frames = torch.arange(length, device=device)
    mask = torch.zeros(b, length, nj, dtype=torch.bool, device=device)
    sel = which == PAPER_PATTERNS.index("random")
    mask |= sel.view(-1, 1, 1) & (torch.rand(b, length, nj, generator=g, device=device) < RANDOM_P)
    sel = which == PAPER_PATTERNS.index("random_leg_arm")
    limb = torch.zeros(nj, dtype=torch.bool, device=device)
    limb[list(LEG_ARM_JOINTS)] = True
    hit = torch.rand(b, length, generator=g, device=device) < LEG_ARM_P
    mask |= sel.view(-1, 1, 1) & hit[..., None] & limb
    for name_, n, joints in (
        ("consecutive_leg", CONSECUTIVE_LEG_FRAMES, list(RIGHT_LEG)),
        ("consecutive_frames", CONSECUTIVE_FRAMES, list(range(nj))),
    ):
        n = min(n, length)
        sel = which == PAPER_PATTERNS.index(name_)
        start = torch.randint(0, length - n + 1, (b,), generator=g, device=device)
        span = (frames >= start[:, None]) & (frames < start[:, None] + n)  # (B, L)
        jm = torch.zeros(nj, dtype=torch.bool, device=device)
        jm[joints] = True
        mask |= sel.view(-1, 1, 1) & span[..., None] & jm
    return mask


class SyntheticWindows:
    """Batches of training windows from world motion clips, a fresh camera, augmentation and corruption for
    every window.

    clips: list of (N_i, J, 3) world arrays (metres, z up); clips shorter than the window are skipped.
    `batch(n)` -> dict of tensors on `device`: 'x2d' (n, L, J, 2) normalised 2D (missed joints 0), 'x3d'
    (n, L, J, 3) camera frame root-relative metres, 'mask' (n, L, J) bool (True = 2D joint missing)."""

    def __init__(
        self,
        clips: list[np.ndarray],
        window: int = WINDOW,
        cameras: CameraDistribution | None = None,
        motion: MotionAugmentation | None = MotionAugmentation(),
        corruption: Corruption2D | None = Corruption2D(),
        occlusion: str = "none",
        seed: int = 0,
        device: str | torch.device = "cpu",
    ):
        self.device = torch.device(device)
        kept = [np.asarray(c, np.float32) for c in clips if len(c) >= window]
        if not kept:
            raise ValueError(f"no clip has {window} frames or more")
        self.window = window
        self.frames = torch.from_numpy(np.concatenate(kept)).to(self.device)  # (T, J, 3)
        starts, offset = [], 0
        for c in kept:
            starts.append(np.arange(offset, offset + len(c) - window + 1))
            offset += len(c)
        self.starts = torch.from_numpy(np.concatenate(starts)).to(self.device)  # (S,) valid window starts
        self.cameras = cameras or CameraDistribution()
        self.motion = motion
        self.corruption = corruption
        self.occlusion = check_pattern(occlusion)
        self.generator = torch.Generator(device=self.device)
        self.generator.manual_seed(int(seed))
        nj = self.frames.shape[1]
        self._flip = torch.tensor(FLIP_PERMUTATION if nj == len(FLIP_PERMUTATION) else range(nj), device=self.device)
        self._mirror_segment = torch.from_numpy(MIRROR_SEGMENT).to(self.device)
        scale = JOINT_SIGMA_SCALE if nj == len(JOINT_SIGMA_SCALE) else (1.0,) * nj
        self._joint_sigma = torch.tensor(scale, dtype=torch.float32, device=self.device)

    @property
    def num_windows(self) -> int:
        """Distinct motion windows (before cameras and augmentation)."""
        return int(self.starts.numel())

    def _rand(self, *shape) -> torch.Tensor:
        return torch.rand(*shape, generator=self.generator, device=self.device)

    def motion_windows(self, n: int) -> torch.Tensor:
        """n augmented world windows (n, L, J, 3)."""
        g, L = self.generator, self.window
        pick = self.starts[torch.randint(self.starts.numel(), (n,), generator=g, device=self.device)]
        x = self.frames[pick[:, None] + torch.arange(L, device=self.device)]  # (n, L, J, 3)
        a = self.motion
        if a is None:
            return x
        mirror = self._rand(n) < a.mirror_p
        flipped = x[:, :, self._flip] * torch.tensor([-1.0, 1.0, 1.0], device=self.device)
        x = torch.where(mirror.view(-1, 1, 1, 1), flipped, x)
        x = mix_limbs(x, a.limb_mix_p, g)
        x = rotate_joints(x, a.joint_rotation_deg, g)
        f = a.bone_scale[0] + (a.bone_scale[1] - a.bone_scale[0]) * self._rand(n, len(SEGMENTS))
        f = torch.sqrt(f * f[:, self._mirror_segment])  # one factor per left/right pair
        f = f * (a.body_scale[0] + (a.body_scale[1] - a.body_scale[0]) * self._rand(n, 1))
        return keep_floor(rescale_bones(x, f), x)  # the feet stay where they were

    def cameras_for(self, x: torch.Tensor) -> tuple[CameraBatch, torch.Tensor]:
        """A camera per window (n, L, J, 3) that keeps the person in view (all but the `cut_p` share, which
        may cut the person at the frame edge); -> (cameras, in-view mask (n, L, J))."""
        d = self.cameras
        n = x.shape[0]
        centre = x.mean(dim=(1, 2))
        may_cut = self._rand(n) < d.cut_p
        cams = sample_cameras(centre, d, self.generator)
        for _ in range(d.tries):
            ok = self._fits(cams, x) | may_cut
            if bool(ok.all()):
                break
            cams = cams.select(ok, sample_cameras(centre, d, self.generator))
        # any window still without a fitting camera keeps its last draw: the person is cut, as in a real video
        x_cam = cams.to_camera(x)
        uv = cams.project(x_cam)
        return cams, in_frame(uv, x_cam, cams.size, torch.zeros(n, device=self.device))

    def _fits(self, cams: CameraBatch, x: torch.Tensor) -> torch.Tensor:
        x_cam = cams.to_camera(x)
        uv = cams.project(x_cam)
        margin = self.cameras.margin * cams.size.min(dim=1).values
        return in_frame(uv, x_cam, cams.size, margin).flatten(1).all(dim=1)

    def corrupt(self, uv: torch.Tensor, visible: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Pixels (n, L, J, 2) and in-frame mask (n, L, J) -> (corrupted pixels, missed (n, L, J) bool)."""
        c, n, (L, J) = self.corruption, uv.shape[0], uv.shape[1:3]
        missed = torch.zeros(n, L, J, dtype=torch.bool, device=self.device)
        if c is None:
            return uv, missed | ~visible
        g = self.generator
        height = (uv[..., 1].amax(-1) - uv[..., 1].amin(-1)).median(dim=1).values.clamp_min(20.0)  # (n,) px
        sigma = (c.sigma[0] + (c.sigma[1] - c.sigma[0]) * self._rand(n)) * height  # (n,) px
        white = torch.randn(n, L, J, 2, generator=g, device=self.device)
        e = torch.randn(n, L, J, 2, generator=g, device=self.device)
        smooth = torch.empty_like(e)
        smooth[:, 0] = e[:, 0]
        k = math.sqrt(1 - c.ar**2)
        for t in range(1, L):
            smooth[:, t] = c.ar * smooth[:, t - 1] + k * e[:, t]
        jitter = math.sqrt(1 - c.smooth) * white + math.sqrt(c.smooth) * smooth
        uv = uv + jitter * (sigma.view(-1, 1, 1, 1) * self._joint_sigma.view(1, 1, -1, 1))
        if c.swap_p > 0:
            swap = self._rand(n, L) < c.swap_p
            uv = torch.where(swap[..., None, None], uv[:, :, self._flip], uv)
        if c.outlier_p > 0:
            jump = (self._rand(n, L, J) < c.outlier_p)[..., None]
            kick = torch.randn(n, L, J, 2, generator=g, device=self.device) * (c.outlier * height.view(-1, 1, 1, 1))
            uv = uv + jump * kick
        missed |= self._rand(n, L, J) < c.dropout_p
        missed |= ~visible & (self._rand(n, L, J) < c.cut_drop_p)
        return uv, missed

    def generate(self, n: int) -> tuple[dict[str, torch.Tensor], CameraBatch, torch.Tensor]:
        """(the batch as `batch` gives it, the cameras, the world windows (n, L, J, 3))."""
        x = self.motion_windows(n)  # (n, L, J, 3) world
        cams, visible = self.cameras_for(x)
        x_cam = cams.to_camera(x)
        uv, missed = self.corrupt(cams.project(x_cam), visible)
        missed |= occlusion_masks(self.occlusion, n, self.window, x.shape[2], self.generator, self.device)
        w = cams.size[:, 0].view(-1, 1, 1, 1)
        offset = torch.stack([torch.ones_like(cams.size[:, 0]), cams.size[:, 1] / cams.size[:, 0]], dim=1)
        x2d = uv / w * 2 - offset.view(-1, 1, 1, 2)
        x2d = torch.where(missed[..., None], torch.zeros_like(x2d), x2d)
        out = {"x2d": x2d.float(), "x3d": (x_cam - x_cam[:, :, :1]).float(), "mask": missed}
        return out, cams, x

    def batch(self, n: int) -> dict[str, torch.Tensor]:
        return self.generate(n)[0]
