"""Model configurations as plain data: size profiles and the dict stored inside every checkpoint."""

from __future__ import annotations

import copy

from torch import nn

from lifting.models.diffhpe import DiffHPE2D, DiffHPEWrapper
from lifting.models.gcn_denoiser import GCNDenoiser
from lifting.models.mixste import MixSTE

WINDOW = 27
MODEL_KINDS = ("mixste", "wrapper", "diffhpe2d")

# Size profiles. `paper` is DiffHPE's own configuration (MixSTE-C64 conditioner, 16×64 denoiser);
# `mixste512` the original MixSTE width (for GPUs); `tiny` is for tests and quick experiments.
PROFILES: dict[str, dict] = {
    "paper": {
        "mixste": {"channels": 64, "depth": 8, "heads": 8, "mlp_ratio": 2.0},
        "denoiser": {"channels": 64, "blocks": 16},
    },
    "mixste512": {
        "mixste": {"channels": 512, "depth": 8, "heads": 8, "mlp_ratio": 2.0},
        "denoiser": {"channels": 64, "blocks": 16},
    },
    "tiny": {
        "mixste": {"channels": 32, "depth": 2, "heads": 4, "mlp_ratio": 2.0},
        "denoiser": {"channels": 32, "blocks": 2},
    },
}

# Paper Table 1 dropouts per model kind.
DROPOUT = {"mixste": 0.10, "wrapper": 0.27, "diffhpe2d": 0.03}


def model_config(kind: str, profile: str = "paper", window: int = WINDOW, **extra) -> dict:
    """The config dict that builds a model and is stored with its weights."""
    if kind not in MODEL_KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(MODEL_KINDS)}")
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")
    sizes = copy.deepcopy(PROFILES[profile])
    cfg = {"kind": kind, "profile": profile, "window": window, "num_joints": 17, "diffusion_steps": 50}
    cfg["mixste"] = {**sizes["mixste"], "dropout": DROPOUT["mixste"], "drop_path": 0.1}
    if kind != "mixste":
        cfg["denoiser"] = {**sizes["denoiser"], "dropout": DROPOUT[kind]}
        cfg["prediction"] = "epsilon"  # the paper's; "sample": the network predicts x0
    cfg.update(extra)
    return cfg


def build_mixste(cfg: dict) -> MixSTE:
    m = cfg["mixste"]
    return MixSTE(
        num_frames=cfg["window"],
        num_joints=cfg["num_joints"],
        channels=m["channels"],
        depth=m["depth"],
        heads=m["heads"],
        mlp_ratio=m["mlp_ratio"],
        dropout=m.get("dropout", 0.1),
        drop_path=m.get("drop_path", 0.1),
    )


def build_model(cfg: dict) -> nn.Module:
    """MixSTE, DiffHPEWrapper or DiffHPE2D from a config dict (random initialisation)."""
    kind = cfg["kind"]
    if kind == "mixste":
        return build_mixste(cfg)
    d = cfg["denoiser"]
    if kind == "wrapper":
        in_channels = 2 * cfg["mixste"]["channels"]
    else:
        in_channels = 3 + 2
    denoiser = GCNDenoiser(
        in_channels=in_channels,
        channels=d["channels"],
        blocks=d["blocks"],
        seq_len=cfg["window"],
        num_steps=cfg["diffusion_steps"],
        dropout=d.get("dropout", 0.27),
        num_joints=cfg["num_joints"],
    )
    prediction = cfg.get("prediction", "epsilon")  # checkpoints from before the option predict ε
    if kind == "wrapper":
        return DiffHPEWrapper(build_mixste(cfg), denoiser, prediction)
    return DiffHPE2D(denoiser, prediction)
