"""Training with a fresh camera per window (`--camera-mode fresh`): the loss goes down for every model kind,
the validation windows stay the same between validations, and --resume / --load-from continue where a run
left off."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.hooks import Hook

from lifting.data.sources import build_training_data
from lifting.train.runner import build_runner, load_train_config
from lifting.weights import load_model, read_checkpoint

REPO = Path(__file__).resolve().parents[2]


def _config(folder: Path, kind: str, **extra) -> Path:
    lines = [
        f'name = "fresh_{kind}"',
        f'model = dict(kind="{kind}", profile="tiny")',
        'camera_mode = "fresh"', "batch_size = 32", "lr = 2e-3", "weight_decay = 1e-6", "val_interval_iters = 60",
        "log_interval = 1000", 'occlusion = "none"', 'prediction = "sample"', "warmup = 0.05",
        'val_sampling = dict(sampler="ddim", steps=2, hypotheses=1)', "clip_grad = dict(max_norm=1.0)",
    ] + [f"{k} = {v!r}" for k, v in extra.items()]  # fmt: skip
    path = folder / f"fresh_{kind}.py"
    path.write_text("\n".join(lines) + "\n")
    return path


class Recorder(Hook):
    def __init__(self):
        self.losses, self.val_inputs = [], []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs["loss"]))

    def before_val_iter(self, runner, batch_idx, data_batch=None):
        if batch_idx == 0:
            self.val_inputs.append(data_batch["x2d"].clone())


def _train(folder, clip_dir, kind, iters=120, **extra):
    folder.mkdir(parents=True, exist_ok=True)
    cfg = load_train_config(str(_config(folder, kind, **extra)), {"work_dir": str(folder / kind), "max_iters": iters})
    train, val, _ = build_training_data(mocap=clip_dir, camera_mode="fresh", val_windows=32, seed=0)
    runner = build_runner(cfg, train, val)
    rec = Recorder()
    runner.register_hook(rec)
    runner.train()
    return rec, folder / kind


@pytest.fixture(scope="module")
def trained_mixste(tmp_path_factory, clip_dir):
    return _train(tmp_path_factory.mktemp("fresh"), clip_dir, "mixste")


def _went_down(losses):
    first, last = np.mean(losses[:10]), np.mean(losses[-10:])
    assert last < 0.6 * first, f"loss {first:.4f} -> {last:.4f}"


def test_mixste_learns_from_fresh_cameras_and_validation_is_fixed(trained_mixste):
    rec, work = trained_mixste
    assert len(rec.losses) == 120
    _went_down(rec.losses)
    assert len(rec.val_inputs) == 2  # at 60 and 120 updates, the same windows
    assert torch.equal(rec.val_inputs[0], rec.val_inputs[1])
    _, cfg, info = load_model(work / "best.safetensors")
    assert cfg["kind"] == "mixste" and info["iter"] in (60, 120)


@pytest.mark.parametrize("kind", ["wrapper", "diffhpe2d"])
def test_diffusion_models_learn_from_fresh_cameras(tmp_path, clip_dir, trained_mixste, kind):
    extra = {"conditioner": str(trained_mixste[1] / "best.safetensors")} if kind == "wrapper" else {}
    rec, work = _train(tmp_path, clip_dir, kind, iters=100, **extra)
    _went_down(rec.losses)
    assert load_model(work / "best.safetensors")[1]["kind"] == kind


def _cli(*args):
    r = subprocess.run([sys.executable, "-m", "app.cli", "train", *args], cwd=REPO, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def test_resume_and_load_from_continue_where_a_run_left_off(tmp_path, clip_dir, trained_mixste):
    cfg = _config(tmp_path, "mixste")
    work = tmp_path / "run"
    common = [str(cfg), "--mocap", str(clip_dir), "--device", "cpu", "--work-dir", str(work), "--val-windows", "16"]
    _cli(*common, "--iters", "6", "--val-interval", "4")
    first = read_checkpoint(work / "last.safetensors")[2]
    assert first["iter"] == 6
    _cli(*common, "--iters", "10", "--val-interval", "4", "--resume")  # the same run, up to 10 updates
    resumed = read_checkpoint(work / "last.safetensors")[2]
    assert resumed["iter"] == 10
    log = "\n".join(p.read_text() for p in work.glob("*/*.log"))
    assert "resumed" in log.lower() or "Load checkpoint" in log or "Resumed" in log
    assert "stream goes on from update 6" in log  # the window stream was restored, not remade
    # --load-from starts a new run from trained weights: its first loss is that model's, not a fresh init's
    start = trained_mixste[1] / "best.safetensors"
    rec_from, _ = _train(tmp_path / "from", clip_dir, "mixste", iters=3, init_from=str(start), lr=1e-9)
    rec_new, _ = _train(tmp_path / "new", clip_dir, "mixste", iters=3, lr=1e-9)
    assert np.mean(rec_from.losses) < 0.6 * np.mean(rec_new.losses)


def test_fresh_mode_needs_a_length(tmp_path, clip_dir):
    r = subprocess.run([sys.executable, "-m", "app.cli", "train", str(_config(tmp_path, "mixste")), "--mocap", str(clip_dir)],
                       cwd=REPO, capture_output=True, text=True)  # fmt: skip
    assert r.returncode != 0 and "--iters" in r.stderr and "Traceback" not in r.stderr


class WeightRecorder(Hook):
    """The trained (not averaged) weights after every update."""

    def __init__(self):
        self.weights = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.weights.append({k: p.detach().clone() for k, p in runner.model.net.named_parameters()})


def test_ema_is_what_validation_and_the_checkpoints_get(tmp_path, clip_dir):
    m = 0.3
    folder = tmp_path / "ema"
    folder.mkdir()
    overrides = {"work_dir": str(folder / "run"), "max_iters": 8}
    cfg = load_train_config(str(_config(folder, "diffhpe2d", ema=m)), overrides)
    cfg.val_interval_iters = 4
    train, val, _ = build_training_data(mocap=clip_dir, camera_mode="fresh", val_windows=16, seed=0)
    runner = build_runner(cfg, train, val)
    rec = WeightRecorder()
    runner.register_hook(rec)
    runner.train()
    # mmengine's average: the first update's weights, then avg += m * (new - avg) at each update
    expected, at_update = dict(rec.weights[0]), {}
    for i, w in enumerate(rec.weights[1:], start=2):
        expected = {k: e + m * (w[k] - e) for k, e in expected.items()}
        at_update[i] = expected
    last = dict(load_model(folder / "run" / "last.safetensors")[0].named_parameters())
    best_net, _, info = load_model(folder / "run" / "best.safetensors")
    best = dict(best_net.named_parameters())
    moved = 0
    for k, w in rec.weights[-1].items():
        torch.testing.assert_close(last[k], at_update[8][k], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(best[k], at_update[info["iter"]][k], rtol=1e-5, atol=1e-6)
        moved += not torch.allclose(last[k], w, atol=1e-6)
    assert moved > len(last) // 2  # the averaged weights are not the last trained ones
    bad = ["train", str(_config(tmp_path, "mixste")), "--mocap", str(clip_dir), "--iters", "2", "--ema", "1.5"]
    r = subprocess.run([sys.executable, "-m", "app.cli", *bad], cwd=REPO, capture_output=True, text=True, check=False)
    assert r.returncode != 0 and "--ema 1.5" in r.stderr and "Traceback" not in r.stderr
