"""The one checkpoint format: safetensors with the model config (JSON) in the metadata; and which checkpoint a
name (or none, the default) stands for.

Loading never unpickles anything; a missing, corrupt or mismatched file raises UserError."""

from __future__ import annotations

import json
import math
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


def _raw_metadata(path: Path) -> dict[str, str]:
    """A safetensors file's metadata, unchecked; UserError when the file is missing or unreadable."""
    from safetensors import SafetensorError, safe_open

    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        with safe_open(str(path), framework="pt") as f:
            return f.metadata() or {}
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise UserError(f"{path} is not a readable safetensors checkpoint ({exc})") from None


def _parse_metadata(path: Path, meta: dict[str, str]) -> tuple[dict, dict]:
    """(config, info) from a safetensors file's metadata; UserError unless it is a DiffHPE checkpoint's."""
    if meta.get("format") != FORMAT:
        raise UserError(f"{path} is a safetensors file but not a DiffHPE checkpoint (no '{FORMAT}' metadata)")
    try:
        config = json.loads(meta["config"])
        info = json.loads(meta.get("info", "{}"))
    except (KeyError, json.JSONDecodeError):
        raise UserError(f"{path}: the checkpoint's config metadata is damaged") from None
    if config.get("kind") not in MODEL_KINDS:
        raise UserError(f"{path}: unknown model kind {config.get('kind')!r}")
    return config, info


def checkpoint_meta(path: str | os.PathLike) -> tuple[dict, dict]:
    """(config, info) of a checkpoint file, validated as `read_checkpoint` does, without loading its weights."""
    path = Path(path)
    return _parse_metadata(path, _raw_metadata(path))


def read_checkpoint(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict, dict]:
    """(state dict, config, info) of a checkpoint file, validated."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    path = Path(path)
    meta = _raw_metadata(path)
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError, ValueError, RuntimeError) as exc:
        raise UserError(f"{path} is not a readable safetensors checkpoint ({exc})") from None
    config, info = _parse_metadata(path, meta)
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


def default_checkpoint(weights_dir: str | os.PathLike | None = None) -> Path:
    """The shipped default model. Rule: `weights/default.json` {"default": "<file>.safetensors"} if present;
    otherwise the DiffHPE-Wrapper checkpoints in weights/, the paper profile first, then the lowest MPJPE recorded
    in their info ('mpjpe_mm'), then by name. UserError when weights/ holds no lifting checkpoint."""
    d = Path(weights_dir) if weights_dir is not None else DEFAULT_WEIGHTS_DIR
    manifest = d / "default.json"
    if manifest.is_file():
        try:
            name = json.loads(manifest.read_text())["default"]
        except (ValueError, KeyError, TypeError):
            raise UserError(
                f'{manifest} is damaged: expected {{"default": "<checkpoint>.safetensors"}}'
            ) from None
        path = d / name
        if not path.is_file():
            raise UserError(f"{manifest} names {name}, which is not in {d}")
        return path
    ranked = []
    for path in list_checkpoints(d):
        try:
            config, info = checkpoint_meta(path)
        except UserError:
            continue
        kind_rank = {"wrapper": 0, "diffhpe2d": 1, "mixste": 2}.get(config.get("kind"), 3)
        mpjpe = info.get("mpjpe_mm") if isinstance(info, dict) else None
        ranked.append(
            (
                kind_rank,
                config.get("profile") != "paper",
                mpjpe if isinstance(mpjpe, int | float) else math.inf,
                path.name,
                path,
            )
        )
    if not ranked:
        raise UserError(f"no model checkpoint in {d}: pass --model PATH to a .safetensors checkpoint")
    return min(ranked)[-1]


def resolve_checkpoint(name: str | os.PathLike | None, weights_dir: str | os.PathLike | None = None) -> Path:
    """A path, a shipped checkpoint's name (with or without .safetensors), or None for the default."""
    if name is None or str(name) in ("", "default"):
        return default_checkpoint(weights_dir)
    p = Path(name)
    if p.is_file() or p.suffix == ".safetensors" or os.sep in str(name):
        if not p.is_file():
            raise UserError(f"checkpoint not found: {p}")
        return p
    d = Path(weights_dir) if weights_dir is not None else DEFAULT_WEIGHTS_DIR
    for cand in (d / name, d / f"{name}.safetensors"):
        if cand.is_file():
            return cand
    raise UserError(f"no checkpoint named {name!r}: not a file, and not in {d}")


def resolve_device(device: str = "auto") -> torch.device:
    """'auto' -> CUDA when available, else CPU; 'cuda' without a GPU is a user error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UserError("--device cuda was asked for, but no CUDA GPU is available (use --device cpu or auto)")
    if device not in ("cpu",) and not device.startswith("cuda"):
        raise UserError(f"unknown device {device!r}; use auto, cpu or cuda")
    return torch.device(device)
