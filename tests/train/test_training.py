"""Training with mmengine on the VideoPose3D-format fixture: the loss goes down for every model kind,
checkpoints are safetensors with their config, DDP with 2 gloo processes works, bad data fails cleanly."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import write_config
from mmengine.hooks import Hook

from lifting.data.sources import build_training_data
from lifting.train.runner import build_runner, load_train_config
from lifting.weights import load_model

REPO = Path(__file__).resolve().parents[2]
DIFFHPE = str(REPO / ".venv" / "bin" / "diffhpe")


class LossRecorder(Hook):
    def __init__(self):
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.losses.append(float(outputs["loss"]))


def _train(tmp_path, h36m_files, kind, **extra):
    cfg = load_train_config(str(write_config(tmp_path, kind, **extra)), {"work_dir": str(tmp_path / kind)})
    train, val, _ = build_training_data(h36m_3d=h36m_files["3d"], h36m_2d=h36m_files["cpn"], stride=1)
    runner = build_runner(cfg, train, val)
    rec = LossRecorder()
    runner.register_hook(rec)
    runner.train()
    return rec.losses, tmp_path / kind


@pytest.fixture(scope="module")
def trained_mixste(tmp_path_factory, h36m_files):
    return _train(tmp_path_factory.mktemp("mixste"), h36m_files, "mixste")


def _assert_loss_went_down(losses):
    assert len(losses) >= 200, f"only {len(losses)} iterations"
    first, last = np.mean(losses[:20]), np.mean(losses[-20:])
    assert last < 0.7 * first, f"loss {first:.4f} -> {last:.4f}"


def test_mixste_trains(trained_mixste):
    losses, work = trained_mixste
    _assert_loss_went_down(losses)
    model, cfg, info = load_model(work / "best.safetensors")
    assert cfg["kind"] == "mixste" and "mpjpe" in info["val_metrics"]
    assert (work / "last.safetensors").is_file()


def test_diffhpe2d_trains(tmp_path, h36m_files):
    losses, work = _train(tmp_path, h36m_files, "diffhpe2d")
    _assert_loss_went_down(losses)
    assert load_model(work / "best.safetensors")[1]["kind"] == "diffhpe2d"


def test_wrapper_trains_on_frozen_mixste(tmp_path, h36m_files, trained_mixste):
    conditioner = trained_mixste[1] / "best.safetensors"
    losses, work = _train(tmp_path, h36m_files, "wrapper", conditioner=str(conditioner))
    _assert_loss_went_down(losses)
    wrapper, cfg, _ = load_model(work / "best.safetensors")
    mixste, _, _ = load_model(conditioner)
    # The conditioner came through training unchanged (frozen).
    for (k, a), b in zip(mixste.state_dict().items(), wrapper.mixste.state_dict().values()):
        assert np.array_equal(a.numpy(), b.numpy()), k


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_ddp_two_gloo_processes(tmp_path, h36m_files):
    config = write_config(tmp_path, "mixste", epochs=1, val_interval=1, log_interval=1)
    work = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_port", str(_free_port()),
        "-m", "app.cli", "train", str(config), "--launcher", "pytorch", "--device", "cpu",
        "--h36m-3d", str(h36m_files["3d"]), "--h36m-2d", str(h36m_files["cpn"]), "--work-dir", str(work),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    logs = "".join(p.read_text() for p in work.glob("*/*.log"))
    assert "Distributed training: True" in logs
    # Each of the 2 ranks sees half of the windows: half the iterations of a single process per epoch.
    train, _, _ = build_training_data(h36m_3d=h36m_files["3d"], h36m_2d=h36m_files["cpn"])
    per_rank = -(-len(train) // 2)
    assert f"/{-(-per_rank // 16)}]" in logs and f"/{-(-len(train) // 16)}]" not in logs
    assert (work / "last.safetensors").is_file() and (work / "best.safetensors").is_file()
    load_model(work / "best.safetensors")


def _run_cli(*args):
    return subprocess.run([DIFFHPE, *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("which", ["missing", "wrong_keys", "not_npz"])
def test_bad_data_gives_one_clear_message(tmp_path, h36m_files, which):
    bad = tmp_path / "bad.npz"
    if which == "wrong_keys":
        np.savez(bad, poses=np.zeros((3, 17, 3)))
    elif which == "not_npz":
        bad.write_text("hello")
    proc = _run_cli("train", "mixste_paper", "--h36m-3d", str(bad), "--h36m-2d", str(h36m_files["cpn"]))
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "positions_3d" in lines[0]  # names the expected format


def test_unknown_config_and_missing_conditioner(tmp_path, h36m_files):
    proc = _run_cli("train", "nope", "--h36m-3d", str(h36m_files["3d"]), "--h36m-2d", str(h36m_files["cpn"]))
    assert proc.returncode == 2 and "wrapper_paper" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run_cli("train", "wrapper_paper", "--h36m-3d", str(h36m_files["3d"]), "--h36m-2d", str(h36m_files["cpn"]))
    assert proc.returncode == 2 and "--conditioner" in proc.stderr and "Traceback" not in proc.stderr


def test_help_documents_every_option():
    for cmd in ("train", "eval"):
        proc = _run_cli(cmd, "--help")
        assert proc.returncode == 0
        for option in ("--h36m-3d", "--h36m-2d", "--mocap", "--device"):
            assert option in proc.stdout


def test_bundled_configs_inherit_the_table1_settings():
    from lifting.config import PROFILES
    from lifting.train.runner import CONFIG_DIR

    names = sorted(p.stem for p in CONFIG_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert len(names) >= 12
    for name in names:
        cfg = load_train_config(name)
        assert cfg.name == name and cfg.model["profile"] in PROFILES
        assert cfg.weight_decay == 1e-6 and cfg.plateau["factor"] == 0.5  # Table 1: divide by 2 on a plateau
        for key in ("batch_size", "lr", "dropout"):
            assert cfg[key] > 0, (name, key)
        # fresh-camera recipes train by updates (--iters / --time-budget), the others by epochs
        length = "val_interval_iters" if cfg.get("camera_mode") == "fresh" else "epochs"
        assert cfg[length] > 0, (name, length)
    wrapper, occ = load_train_config("wrapper_paper_cmu_cpu"), load_train_config("wrapper_occ_paper_cmu_cpu")
    assert occ.occlusion == "mixed" and wrapper.occlusion == "none"
    assert {k: v for k, v in occ.to_dict().items() if k not in ("name", "occlusion")} == {
        k: v for k, v in wrapper.to_dict().items() if k not in ("name", "occlusion")
    }
    wrapper, occ = load_train_config("wrapper_paper_cmu"), load_train_config("wrapper_occ_paper_cmu")
    assert occ.occlusion == "mixed" and wrapper.occlusion == "none" and occ.camera_mode == "fresh"
    assert {k: v for k, v in occ.to_dict().items() if k not in ("name", "occlusion", "lr")} == {
        k: v for k, v in wrapper.to_dict().items() if k not in ("name", "occlusion", "lr")
    }
    assert load_train_config("wrapper_paper").plateau["patience"] == 50
    assert load_train_config("wrapper_paper_cmu_cpu").plateau["patience"] == 0
    assert load_train_config("wrapper_mixste512").model == {"kind": "wrapper", "profile": "mixste512"}
    assert load_train_config("diffhpe2d_paper_cmu_cpu").model["kind"] == "diffhpe2d"
