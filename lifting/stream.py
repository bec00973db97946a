"""Online and offline 3D lifting with one code path: 27-frame windows over a stream of 2D keypoints, MixSTE
features once per window, the diffusion sampler with H hypotheses × k steps in one batch, overlap averaging, and
the root trajectory.

    lifter = StreamingLifter.from_checkpoint("weights/x.safetensors")      # or StreamingLifter(model, config)
    for kp in keypoints:                      # Keypoints2D, or None when nobody was detected
        for res in lifter.push(kp): ...       # LiftResults that became ready (in frame order)
    tail = lifter.flush()                     # the frames still waiting for their window
    results = lifter.lift_sequence(keypoints) # the same results for a whole clip, windows batched

Schedule. A window ending at the newest frame is computed every `stride` frames (and whenever the oldest waiting
frame is about to leave the window). A frame is emitted once a window at least `lookahead` frames newer than it
has been computed — lookahead 0 in 'causal' mode (no delay beyond the stride), 13 in 'centred' mode (the frame
sits in the middle of its window) — as the average of every computed window that covers it. So the latency is
`lookahead + stride - 1` frames at most, plus one window's compute. Before 27 frames have been seen, windows are
padded by repeating the first frame; `flush()` lifts the last frames with a window ending at the newest frame.

Occlusion. Joints whose confidence is below `conf_threshold`, and every joint of a frame without a detection,
are set to 0 in normalised screen coordinates — the input the models were trained with for omitted joints.

Noise. Each window's starting noise comes from its own generator, seeded by (seed, window end); so results do not
depend on how windows are batched, and push-by-push equals `lift_sequence` exactly.

Output: LiftResult per frame: pose (17, 3) root-relative, camera frame, metres (x right, y down, z forward),
mean over hypotheses; std (17,) RMS distance of the hypotheses to their mean; mixste_pose, the frozen MixSTE's own
prediction; root (3,), the pelvis in the camera frame (lifting.trajectory).

The schedule and the overlap averaging live in lifting.stream_schedule, the frames and window inputs in
lifting.stream_frames; this module holds the lifter's options, the model calls and the results."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from lifting import trajectory
from lifting.definitions import check_definition, to_landmarks
from lifting.diffusion import NUM_TRAIN_STEPS, SAMPLERS, sample, summarise_hypotheses
from lifting.errors import UserError
from lifting.flip_test import FLIP_SEED_OFFSET, flip_pose_tensor, fold_flipped, fold_flipped_std
from lifting.image_fit import pull_to_rays
from lifting.keypoints import Keypoints2D, LiftResult
from lifting.models.diffhpe import DiffHPE2D, DiffHPEWrapper
from lifting.models.mixste import MixSTE
from lifting.root_filter import RootFilter
from lifting.steady_bones import SteadyBones
from lifting.stream_defaults import (  # the defaults, and why, live in a torch-free module the CLI reads
    DEFAULT_CONF_THRESHOLD,
    DEFAULT_FIT_2D,
    DEFAULT_HYPOTHESES,
    DEFAULT_JOINTS,
    DEFAULT_MODE,
    DEFAULT_SAMPLER,
    DEFAULT_STEADY_BONES,
    DEFAULT_STEPS,
    DEFAULT_STRIDE,
    MODES,
)
from lifting.stream_frames import FrameStore
from lifting.stream_schedule import FrameSum, OverlapAverage, WindowOutput, WindowSchedule

OFFLINE_BATCH = 8  # windows per sampler call in lift_sequence
# A standing person in a 1000 × 1000 image, H36M-17 order (pixels): the warm-up input.
_STANDING_XY = np.array(
    [
        [500, 500], [470, 500], [470, 650], [470, 800], [530, 500], [530, 650], [530, 800], [500, 420], [500, 340],
        [500, 310], [500, 270], [550, 350], [580, 430], [590, 500], [450, 350], [420, 430], [410, 500],
    ],
    dtype=np.float32,
)  # fmt: skip
_STANDING_BBOX = np.array([400, 260, 600, 810], np.float32)


def model_kind(model: nn.Module) -> str:
    if isinstance(model, DiffHPEWrapper):
        return "wrapper"
    if isinstance(model, DiffHPE2D):
        return "diffhpe2d"
    if isinstance(model, MixSTE):
        return "mixste"
    raise UserError(
        f"cannot lift with a {type(model).__name__}: expected MixSTE, DiffHPEWrapper or DiffHPE2D"
    )


def _window_length(model: nn.Module, config: dict | None) -> int:
    if config and "window" in config:
        return int(config["window"])
    if isinstance(model, DiffHPEWrapper):
        return model.mixste.num_frames
    if isinstance(model, MixSTE):
        return model.num_frames
    return int(model.denoiser.blocks[0].time_gcn.out_features)


def _window_seed(seed: int, end: int) -> int:
    return int(np.random.SeedSequence([int(seed) & 0xFFFFFFFF, int(end)]).generate_state(1)[0])


class StreamingLifter:
    """Lifts a stream of 2D keypoints (one Keypoints2D or None per frame) to 3D, online or offline.

    model: a MixSTE, DiffHPEWrapper or DiffHPE2D (eval mode is set); config: its checkpoint config (optional).
    mode: 'causal' (a frame's result needs no future frames) or 'centred' (waits 13 frames of context).
    stride: a window every `stride` frames (1..27 causal, 1..14 centred); overlapping results are averaged.
    steps, sampler: reverse-diffusion steps per window and sampler ('ddim', 'dpmsolver', 'ddpm').
    hypotheses: samples averaged per window (their spread is `std`).
    conf_threshold: 2D joints below it are treated as hidden (zeroed, as in occlusion training).
    seed: sampling seed (with the window's end frame it seeds each window). fov: camera field of view in degrees
    across the longer image side, for the root position. root_filter: smooth the root trajectory with a causal
    constant-velocity Kalman filter (lifting.root_filter; the unfiltered root is in extras['root_raw']).
    fast: the fast inference path (same results, allclose 1e-5); compile: also torch.compile it (falls back to
    eager if compiling fails); bf16: run the denoiser in bfloat16 (pays off only compiled, on CPUs with AMX; not
    exact, see README). flip: test-time flip augmentation: each window is also lifted mirrored (x -> -x, left and
    right swapped) and the two results, mirrored back, are averaged; twice the compute. joints: what the torso and
    head points of `pose` and `mixste_pose` are: 'landmarks' (a 2D detector's: thorax at mid-shoulders, neck at
    the nose, head at mid-eyes, as in MediaPipe's own 3D) or 'centres' (the mocap joint centres the models
    output; lifting.definitions). Hips and limbs are the same in both; `std` is the model's own. fit_2d: how far
    (0..1) each seen joint is moved, at its lifted depth, towards the camera ray of its 2D keypoint on frames with
    a reliable root (lifting.image_fit); `mixste_pose` is left as its model gave it. steady_bones: every pose takes
    one left/right-symmetric set of segment lengths, the running mean over the frames seen so far
    (lifting.steady_bones), after the 2D fit; `mixste_pose` is left as its model gave it here too."""

    OPTIONS = (
        "mode",
        "stride",
        "steps",
        "hypotheses",
        "sampler",
        "conf_threshold",
        "seed",
        "fov",
        "root_filter",
        "flip",
        "joints",
        "fit_2d",
        "steady_bones",
    )

    def __init__(
        self,
        model: nn.Module,
        config: dict | None = None,
        mode: str = DEFAULT_MODE,
        stride: int = DEFAULT_STRIDE,
        steps: int = DEFAULT_STEPS,
        hypotheses: int = DEFAULT_HYPOTHESES,
        sampler: str = DEFAULT_SAMPLER,
        conf_threshold: float = DEFAULT_CONF_THRESHOLD,
        device: str | torch.device = "auto",
        seed: int = 0,
        fov: float = trajectory.DEFAULT_FOV_DEG,
        root_filter: bool = True,
        flip: bool = False,
        joints: str = DEFAULT_JOINTS,
        fit_2d: float = DEFAULT_FIT_2D,
        steady_bones: bool = DEFAULT_STEADY_BONES,
        fast: bool = True,
        compile: bool = False,
        bf16: bool = False,
    ):
        from lifting.weights import resolve_device

        self.kind = model_kind(model)
        self.config = dict(config or {"kind": self.kind})
        self.window = _window_length(model, config)
        self.device = resolve_device(str(device))
        self.model = model.to(self.device).eval()
        self.num_joints = 17
        self.info: dict = {}
        self.checkpoint: Path | None = None
        self.fast = bool(fast)
        self._fast_model = None
        if self.kind != "mixste" and self.fast:
            from lifting.fast_inference import FastDiffusion

            self._fast_model = FastDiffusion(self.model, compile=compile, bf16=bf16).to(self.device).eval()
        elif bf16 and self.kind != "mixste":
            raise UserError("bf16 needs the fast inference path (fast=True)")
        self.compile = bool(compile) and self._fast_model is not None
        self.bf16 = bool(bf16) and self._fast_model is not None
        opts = {
            "mode": mode,
            "stride": stride,
            "steps": steps,
            "hypotheses": hypotheses,
            "sampler": sampler,
            "conf_threshold": conf_threshold,
            "seed": seed,
            "fov": fov,
            "root_filter": root_filter,
            "flip": flip,
            "joints": joints,
            "fit_2d": fit_2d,
            "steady_bones": steady_bones,
        }
        self._root_filter = RootFilter()
        self._steady = SteadyBones()
        self._schedule = WindowSchedule(self.window)
        self._average = OverlapAverage(self.window, self.num_joints)
        self._frames = FrameStore(self.window, self.num_joints)
        for k, v in opts.items():  # placeholders, validated by _set
            setattr(self, k, v)
        self._set(**opts)
        self.reset()

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, device: str = "auto", **options) -> StreamingLifter:
        """A lifter for a checkpoint file (UserError if it is missing, corrupt or not a lifting model)."""
        from lifting.weights import load_model, resolve_device

        dev = resolve_device(device)
        model, config, info = load_model(path, dev)
        lifter = cls(model, config, device=dev, **options)
        lifter.info = info
        lifter.checkpoint = Path(path)
        return lifter

    # --- options ---------------------------------------------------------------------------------------------
    @property
    def lookahead(self) -> int:
        """Frames of future context a frame waits for: 0 (causal) or window // 2 (centred)."""
        return 0 if self.mode == "causal" else self.window // 2

    @property
    def max_latency_frames(self) -> int:
        """The most frames between a frame's arrival and its result (compute time not counted)."""
        return self.lookahead + self.stride - 1

    @property
    def uses_diffusion(self) -> bool:
        return self.kind != "mixste"

    def configure(self, **changed) -> None:
        """Change options on the fly (mode, stride, steps, hypotheses, sampler, conf_threshold, seed, fov); frames
        already pushed keep their place, the next window uses the new values. UserError for a bad value."""
        unknown = set(changed) - set(self.OPTIONS)
        if unknown:
            raise UserError(
                f"unknown lifter option(s): {', '.join(sorted(unknown))}; known: {', '.join(self.OPTIONS)}"
            )
        self._set(**changed)
        if "stride" in changed:
            self._schedule.restride(self.stride)

    def _set(self, **opts) -> None:
        new = {k: getattr(self, k) for k in self.OPTIONS}
        new.update(opts)
        mode = {"centered": "centred", "center": "centred", "centre": "centred"}.get(new["mode"], new["mode"])
        if mode not in MODES:
            raise UserError(f"unknown mode {new['mode']!r}; choose causal or centred")
        lookahead = 0 if mode == "causal" else self.window // 2
        max_stride = self.window - lookahead
        try:
            stride, steps, hyp, seed = (
                int(new["stride"]),
                int(new["steps"]),
                int(new["hypotheses"]),
                int(new["seed"]),
            )
            thr, fov = float(new["conf_threshold"]), float(new["fov"])
        except (TypeError, ValueError) as exc:
            raise UserError(f"bad lifter option value: {exc}") from None
        if not 1 <= stride <= max_stride:
            raise UserError(f"stride must be between 1 and {max_stride} in {mode} mode, got {stride}")
        if not 1 <= steps <= NUM_TRAIN_STEPS:
            raise UserError(f"steps must be between 1 and {NUM_TRAIN_STEPS}, got {steps}")
        if not 1 <= hyp <= 64:
            raise UserError(f"hypotheses must be between 1 and 64, got {hyp}")
        if new["sampler"] not in SAMPLERS:
            raise UserError(f"unknown sampler {new['sampler']!r}; choose one of {', '.join(SAMPLERS)}")
        if not 0.0 <= thr <= 1.0:
            raise UserError(f"conf_threshold must be between 0 and 1, got {thr}")
        if not 1.0 <= fov <= 179.0:
            raise UserError(f"field of view must be between 1 and 179 degrees, got {fov}")
        for name in ("root_filter", "flip", "steady_bones"):
            if not isinstance(new[name], bool | np.bool_):
                raise UserError(f"{name} must be true or false, got {new[name]!r}")
        joints = check_definition(new["joints"])
        try:
            fit = float(new["fit_2d"])
        except (TypeError, ValueError):
            raise UserError(f"fit_2d must be a number between 0 and 1, got {new['fit_2d']!r}") from None
        if not 0.0 <= fit <= 1.0:
            raise UserError(f"fit_2d must be between 0 and 1, got {fit}")
        # Every value is valid: only now change the lifter, so a bad option leaves it as it was.
        self.mode, self.stride, self.steps, self.hypotheses = mode, stride, steps, hyp
        self.sampler, self.conf_threshold, self.seed, self.fov = new["sampler"], thr, seed, fov
        if bool(new["root_filter"]) != bool(self.root_filter):
            self._root_filter.reset()  # switched on: start from the next root, not from an old state
        self.root_filter = bool(new["root_filter"])
        self.flip = bool(new["flip"])
        self.joints = joints
        self.fit_2d = fit
        self.steady_bones = bool(new["steady_bones"])

    def options(self) -> dict:
        return {k: getattr(self, k) for k in self.OPTIONS}

    # --- streaming -------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every frame (a new video or a cut); frame numbers restart at 0."""
        self._schedule.reset()
        self._average.reset()
        self._frames.reset()
        self._last_root: np.ndarray | None = None
        self._root_filter.reset()
        self._steady.reset()
        self.windows_computed = 0
        self.compute_ms = 0.0

    @property
    def frames_pushed(self) -> int:
        return self._schedule.frames

    def push(self, kp: Keypoints2D | None) -> list[LiftResult]:
        """Add the next frame's 2D keypoints (None: nobody detected). Returns the results that became ready."""
        e = self._append(kp)
        ends, emit = self._schedule.plan_push(e, self.stride, self.lookahead)
        out = self._execute(ends, emit, self._compute(ends) if ends else {}, newest=e)
        self._prune(e)
        return out

    def flush(self) -> list[LiftResult]:
        """Lift every frame still waiting (the stream ended): a last window ends at the newest frame."""
        ends, emit = self._schedule.plan_flush(self.stride)
        return self._execute(ends, emit, self._compute(ends) if ends else {}, newest=self.frames_pushed - 1)

    def lift_sequence(
        self, keypoints: list[Keypoints2D | None], batch: int = OFFLINE_BATCH
    ) -> list[LiftResult]:
        """A whole clip: the same windows and results as pushing every frame then flushing, with windows batched.
        Starts from a reset and leaves the lifter reset."""
        self.reset()
        plan: list[tuple[list[int], list[int], int]] = []
        for kp in keypoints:
            e = self._append(kp)
            ends, emit = self._schedule.plan_push(e, self.stride, self.lookahead)
            if ends or emit:
                plan.append((ends, emit, e))
        ends, emit = self._schedule.plan_flush(self.stride)
        plan.append((ends, emit, self.frames_pushed - 1))
        # The schedule does not depend on the results: compute all windows in batches, then emit as streaming does.
        all_ends = [e for ends, _, _ in plan for e in ends]
        computed: dict[int, WindowOutput] = {}
        for i in range(0, len(all_ends), max(1, batch)):
            computed.update(self._compute(all_ends[i : i + batch]))
        out: list[LiftResult] = []
        for ends, emit, newest in plan:
            out += self._execute(ends, emit, computed, newest)
        self.reset()
        return out

    def warm_up(self) -> float:
        """Lift one window of a synthetic standing person and reset: the first calls of torch (and of a compiled
        denoiser), the sampler's import and its scheduler are paid here, not by the first real frames. Returns the
        seconds it took."""
        t0 = time.perf_counter()
        kp = Keypoints2D(_STANDING_XY, np.ones(self.num_joints, np.float32), _STANDING_BBOX, (1000, 1000))
        self.lift_sequence([kp])  # starts from a reset and leaves the lifter reset
        return time.perf_counter() - t0

    # --- the schedule (lifting.stream_schedule) --------------------------------------------------------------
    def _append(self, kp: Keypoints2D | None) -> int:
        frame = self._frames.record(kp)
        f = self._schedule.append()
        self._frames.add(f, frame)
        return f

    def _execute(
        self, ends: list[int], emit: list[int], computed: dict[int, WindowOutput], newest: int
    ) -> list[LiftResult]:
        """Add the windows `ends` to the frames they cover that are not out yet, then emit the frames `emit`."""
        for e in ends:
            self._average.add(e, computed[e])
        return [self._result(f, acc, newest) for f, acc in zip(emit, self._average.take(emit))]

    def _prune(self, newest: int) -> None:
        self._frames.prune(newest, self._average.emitted)

    # --- windows ---------------------------------------------------------------------------------------------
    def _window_input(self, e: int) -> np.ndarray:
        """(L, J, 2) model input of the window ending at frame e (lifting.stream_frames)."""
        return self._frames.window_input(e, self.conf_threshold)

    @torch.inference_mode()
    def _compute(self, ends: list[int]) -> dict[int, WindowOutput]:
        """Lift the windows ending at `ends` in one batch."""
        t0 = time.perf_counter()
        x2d = torch.from_numpy(np.stack([self._window_input(e) for e in ends])).to(
            self.device
        )  # (B, L, J, 2)
        b, l, j = x2d.shape[:3]
        seeds = [_window_seed(self.seed, e) for e in ends]
        if self.flip:  # the mirrored windows after the plain ones: (2B, L, J, 2)
            x2d = torch.cat([x2d, flip_pose_tensor(x2d)])
            seeds += [_window_seed(self.seed + FLIP_SEED_OFFSET, e) for e in ends]
        if self.kind == "mixste":
            e2d = self.model.backbone(x2d)
            mix = self.model.head(e2d)
            pose, std = mix, torch.zeros(len(x2d), l, j, device=self.device)
        else:
            model = self._fast_model or self.model
            cond = model.condition(x2d)
            mix = self.model.mixste_pose(cond) if self.kind == "wrapper" else None
            if self._fast_model is not None:
                cond = self._fast_model.prepare(cond)
            gens = [torch.Generator().manual_seed(s) for s in seeds]
            noise = torch.stack([torch.randn((self.hypotheses, l, j, 3), generator=g) for g in gens])
            samples = sample(model, cond, steps=self.steps, sampler=self.sampler, generator=gens, noise=noise)
            pose, std = summarise_hypotheses(samples)  # (B, L, J, 3), (B, L, J)
            if mix is None:
                mix = pose
        if self.flip:  # mirror the second half back and average each window's two results
            pose, mix = (fold_flipped(t, b) for t in (pose, mix))
            std = fold_flipped_std(std, b)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        ms = (time.perf_counter() - t0) * 1000.0 / len(ends)
        self.windows_computed += len(ends)
        self.compute_ms += ms * len(ends)
        pose, std, mix = (t.float().cpu().numpy() for t in (pose, std, mix))
        return {e: WindowOutput(pose[i], std[i], mix[i], ms) for i, e in enumerate(ends)}

    def _result(self, f: int, acc: FrameSum, newest: int) -> LiftResult:
        fr = self._frames[f]
        n = acc.count
        pose = acc.pose / n
        pose = pose - pose[:1]  # exactly root-relative
        mixste = acc.mixste / n
        mixste = mixste - mixste[:1]
        weights = np.where((fr.conf >= self.conf_threshold) & fr.seen, fr.conf, 0.0)
        root, reliable, reason = np.full(3, np.nan), False, "no person detected"
        if fr.seen and fr.size is not None:
            est = trajectory.solve_root(pose, fr.xy, weights, fr.size, self.fov)
            root, reliable, reason = est.root, est.reliable, est.reason
            if not reliable and self._last_root is not None and not np.all(np.isfinite(root) & (root[2] > 0)):
                root = self._last_root.copy()  # hold the last good position
        elif self._last_root is not None:
            root = self._last_root.copy()
        if reliable:
            # towards the 2D rays, in the lifter's own (joint-centre) definitions, as the root was solved
            pose, root = pull_to_rays(pose, root, fr.xy, weights, fr.size, self.fov, self.fit_2d)
            self._last_root = root.copy()
        if fr.seen:  # kept up to date when off too, so switching it on starts from this stream's lengths
            self._steady.update(pose)
        if self.steady_bones:
            pose = self._steady.apply(pose)
        raw_root = np.asarray(root, np.float32)
        if self.root_filter:
            root = self._root_filter.step(root)  # causal: frames are emitted in order, streaming or not
        if (
            self.joints == "landmarks"
        ):  # after the root, which is solved against the lifter's own 2D definitions
            pose, mixste = to_landmarks(pose), to_landmarks(mixste)
        return LiftResult(
            frame=f,
            pose=pose.astype(np.float32),
            std=(acc.std / n).astype(np.float32),
            mixste_pose=mixste.astype(np.float32),
            root=np.asarray(root, np.float32),
            root_reliable=bool(reliable),
            confidence=fr.conf.copy(),
            person_seen=fr.seen,
            latency_frames=int(newest - f),
            lift_ms=float(acc.ms),
            extras={"windows": n, "root_note": reason, "image_size": fr.size, "root_raw": raw_root},
        )


def lift_sequence(model_or_lifter, keypoints: list[Keypoints2D | None], **options) -> list[LiftResult]:
    """Offline lifting of a whole clip with a StreamingLifter or a model (options as for StreamingLifter)."""
    lifter = (
        model_or_lifter
        if isinstance(model_or_lifter, StreamingLifter)
        else StreamingLifter(model_or_lifter, **options)
    )
    return lifter.lift_sequence(keypoints)
