"""The one checkpoint format: safetensors with the model config (JSON) in the metadata.

Loading never unpickles anything; a missing, corrupt or mismatched file raises UserError."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import torch
from torch import nn

from lifting.config import MODEL_KINDS, build_model
from lifting.errors import UserError

FORMAT = "diffhpe-checkpoint-v1"
DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"


def save_checkpoint(path: str | os.PathLike, model: nn.Module, config: dict, info: dict | None = None) -> Path:
    """Write model weights + config atomically. Frozen parts (the Wrapper's MixSTE) are included, so a
    checkpoint is self-contained."""
    from safetensors.torch import save_file

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "config": json.dumps(config), "info": json.dumps(info or {})}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        save_file(state, tmp, metadata=meta)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict, dict]:
    """(state dict, config, info) of a checkpoint file, validated."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise UserError(f"{path} is not a readable safetensors checkpoint ({exc})") from None
    if meta.get("format") != FORMAT:
        raise UserError(f"{path} is a safetensors file but not a DiffHPE checkpoint (no '{FORMAT}' metadata)")
    try:
        config = json.loads(meta["config"])
        info = json.loads(meta.get("info", "{}"))
    except (KeyError, json.JSONDecodeError):
        raise UserError(f"{path}: the checkpoint's config metadata is damaged") from None
    if config.get("kind") not in MODEL_KINDS:
        raise UserError(f"{path}: unknown model kind {config.get('kind')!r}")
    return state, config, info


def load_model(
    path: str | os.PathLike, device: str | torch.device = "cpu", expect_kind: str | tuple[str, ...] | None = None
) -> tuple[nn.Module, dict, dict]:
    """Build the model described in the checkpoint and load its weights: (model in eval mode, config, info)."""
    state, config, info = read_checkpoint(path)
    if expect_kind is not None:
        kinds = (expect_kind,) if isinstance(expect_kind, str) else expect_kind
        if config["kind"] not in kinds:
            raise UserError(f"{path} holds a {config['kind']} model; expected {' or '.join(kinds)}")
    model = build_model(config)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise UserError(f"{path}: weights do not match the model its config describes ({first})") from None
    return model.to(device).eval(), config, info


def list_checkpoints(weights_dir: str | os.PathLike = DEFAULT_WEIGHTS_DIR) -> list[Path]:
    d = Path(weights_dir)
    return sorted(d.glob("*.safetensors")) if d.is_dir() else []


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' -> CUDA when available, else CPU; 'cuda' without a GPU is a user error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for, but no CUDA GPU is available (use --device cpu or auto)")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise UserError(f"unknown device {device!r}; use auto, cpu or cuda")
    return torch.device(device)
