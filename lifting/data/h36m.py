"""Human3.6M in the VideoPose3D npz format (3D ground truth + CPN or ground-truth 2D) -> PoseDataset.

Follows VideoPose3D: 32 -> 17 joints, H36M cameras per subject, 2D trimmed to the frames that have 3D.
Train subjects S1 S5 S6 S7 S8, test S9 S11."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np

from lifting.data import h36m_cameras
from lifting.data.dataset import Camera, PoseDataset, Sequence
from lifting.errors import UserError

TRAIN_SUBJECTS: tuple[str, ...] = ("S1", "S5", "S6", "S7", "S8")
TEST_SUBJECTS: tuple[str, ...] = ("S9", "S11")

# Static / duplicate joints of the 32-joint H36M mocap skeleton; what remains is the H36M-17 order.
REMOVED_JOINTS: tuple[int, ...] = (4, 5, 9, 10, 11, 16, 20, 21, 22, 23, 24, 28, 29, 30, 31)
KEPT_JOINTS: tuple[int, ...] = tuple(j for j in range(32) if j not in REMOVED_JOINTS)

FORMAT_3D = (
    "a VideoPose3D data_3d_h36m.npz with key 'positions_3d' (dict subject -> action -> (N, 32, 3) metres)"
)
FORMAT_2D = (
    "a VideoPose3D 2D file such as data_2d_h36m_cpn_ft_h36m_dbb.npz or data_2d_h36m_gt.npz, with keys "
    "'positions_2d' (dict subject -> action -> list of 4 arrays (N, 17, 2) pixels, one per camera) and "
    "'metadata' (dict with layout_name 'h36m', num_joints 17)"
)


_READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError)


def h36m_cameras_for(subject: str) -> list[Camera]:
    """The 4 calibrated cameras of a subject (translation converted from mm to metres). The published
    quaternions are float32-rounded; they are renormalised (a change below 1e-6 m) so that world -> camera
    -> world is exact."""
    if subject not in h36m_cameras.EXTRINSICS:
        raise UserError(
            f"no Human3.6M camera parameters for subject {subject!r}; known: {', '.join(h36m_cameras.EXTRINSICS)}"
        )
    cams = []
    for intr, (q, t) in zip(h36m_cameras.INTRINSICS, h36m_cameras.EXTRINSICS[subject]):
        cams.append(
            Camera(
                id=intr["id"],
                orientation=np.asarray(q, dtype=np.float64) / np.linalg.norm(q),
                translation=np.asarray(t, dtype=np.float64) / 1000.0,
                focal=np.asarray(intr["focal_length"], dtype=np.float64),
                center=np.asarray(intr["center"], dtype=np.float64),
                radial=np.asarray(intr["radial_distortion"], dtype=np.float64),
                tangential=np.asarray(intr["tangential_distortion"], dtype=np.float64),
                res_w=int(intr["res_w"]),
                res_h=int(intr["res_h"]),
            )
        )
    return cams


def _load_npz_dict(path: str | Path, key: str, expected: str) -> tuple[dict, np.lib.npyio.NpzFile]:
    p = Path(path)
    if not p.is_file():
        raise UserError(f"{p}: file not found; expected {expected}")
    try:
        npz = np.load(p, allow_pickle=True)
    except _READ_ERRORS as exc:  # not a zip / npy at all
        raise UserError(f"{p}: cannot read it as an npz file ({exc}); expected {expected}") from None
    if not hasattr(npz, "files") or key not in npz.files:
        found = list(getattr(npz, "files", []))
        raise UserError(f"{p}: no key {key!r} (found {found}); expected {expected}")
    try:
        value = npz[key].item()
    except _READ_ERRORS:
        value = None
    if not isinstance(value, dict):
        raise UserError(f"{p}: {key!r} is not a pickled dict; expected {expected}")
    return value, npz


def load_h36m_3d(path: str | Path) -> dict[str, dict[str, np.ndarray]]:
    """data_3d_h36m.npz -> subject -> action -> (N, 17, 3) world metres (32-joint arrays are reduced;
    17-joint arrays are taken as they are)."""
    data, _ = _load_npz_dict(path, "positions_3d", FORMAT_3D)
    out: dict[str, dict[str, np.ndarray]] = {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise UserError(
                f"{path}: positions_3d[{subject!r}] is not a dict of actions; expected {FORMAT_3D}"
            )
        out[subject] = {}
        for action, pos in actions.items():
            pos = np.asarray(pos)
            if pos.ndim != 3 or pos.shape[1] not in (32, 17) or pos.shape[2] != 3:
                raise UserError(
                    f"{path}: positions_3d[{subject!r}][{action!r}] has shape {pos.shape}; expected {FORMAT_3D}"
                )
            if pos.shape[1] == 32:
                pos = pos[:, list(KEPT_JOINTS)]
            out[subject][action] = pos.astype(np.float64)
    return out


def load_h36m_2d(path: str | Path) -> tuple[dict[str, dict[str, list[np.ndarray]]], dict]:
    """A VideoPose3D 2D npz -> (subject -> action -> [4 x (N, 17, 2) pixels], metadata)."""
    data, npz = _load_npz_dict(path, "positions_2d", FORMAT_2D)
    if "metadata" not in npz.files:
        raise UserError(f"{path}: no key 'metadata' (found {list(npz.files)}); expected {FORMAT_2D}")
    try:
        meta = npz["metadata"].item()
    except _READ_ERRORS:
        meta = None
    if not isinstance(meta, dict):
        raise UserError(f"{path}: 'metadata' is not a pickled dict; expected {FORMAT_2D}")
    layout, nj = meta.get("layout_name"), meta.get("num_joints")
    if layout != "h36m" or nj != 17:
        raise UserError(
            f"{path}: 2D layout {layout!r} with {nj} joints; expected the H36M 17-joint layout, i.e. {FORMAT_2D}"
        )
    out: dict[str, dict[str, list[np.ndarray]]] = {}
    for subject, actions in data.items():
        if not isinstance(actions, dict):
            raise UserError(
                f"{path}: positions_2d[{subject!r}] is not a dict of actions; expected {FORMAT_2D}"
            )
        out[subject] = {}
        for action, views in actions.items():
            views = [np.asarray(v) for v in views]
            for v in views:
                if v.ndim != 3 or v.shape[1:] != (17, 2):
                    raise UserError(
                        f"{path}: positions_2d[{subject!r}][{action!r}] holds an array of shape {v.shape}; "
                        f"expected {FORMAT_2D}"
                    )
            out[subject][action] = views
    return out, meta


def load_h36m(
    path_3d: str | Path,
    path_2d: str | Path,
    subjects: tuple[str, ...] | list[str] | None = None,
) -> PoseDataset:
    """Both npz files -> PoseDataset (17 joints, world metres, 2D pixels per camera). subjects defaults to
    the train + test subjects present in the 3D file. Each (3D, 4 x 2D) group is trimmed to its shortest
    member: CPN sequences can be a few frames longer than the mocap."""
    pos3d = load_h36m_3d(path_3d)
    pos2d, _ = load_h36m_2d(path_2d)
    if subjects is None:
        subjects = [s for s in TRAIN_SUBJECTS + TEST_SUBJECTS if s in pos3d]
        if not subjects:
            raise UserError(
                f"{path_3d}: none of the subjects {TRAIN_SUBJECTS + TEST_SUBJECTS} is in the file"
            )
    result: dict[str, dict[str, Sequence]] = {}
    for subject in subjects:
        if subject not in pos3d:
            raise UserError(f"{path_3d}: no subject {subject!r} (found {sorted(pos3d)})")
        cams = h36m_cameras_for(subject)
        result[subject] = {}
        for action, world in pos3d[subject].items():
            views = pos2d.get(subject, {}).get(action)
            if views is None:
                raise UserError(
                    f"{path_2d}: no 2D keypoints for {subject} / {action!r}, which the 3D file has"
                )
            if len(views) != len(cams):
                raise UserError(
                    f"{path_2d}: {subject} / {action!r} has {len(views)} camera views; expected {len(cams)}"
                )
            n = min([world.shape[0]] + [v.shape[0] for v in views])
            result[subject][action] = Sequence(
                positions_3d_world=world[:n].copy(),
                cameras=cams,
                keypoints_2d=[v[:n].astype(np.float64) for v in views],
            )
    return PoseDataset(result, fps=h36m_cameras.FPS, name="Human3.6M")
