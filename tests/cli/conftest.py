"""Inputs for the command-line tests: a small lifting checkpoint, a black video, a short clip of the sample."""

import os

import numpy as np
import pytest
from helpers_cli import SAMPLE, write_video


@pytest.fixture(scope="session")
def cli_inputs(tmp_path_factory):
    import cv2
    import torch

    from lifting.config import build_model, model_config
    from lifting.weights import save_checkpoint

    d = tmp_path_factory.mktemp("cli_inputs")
    torch.manual_seed(0)
    cfg = model_config("wrapper", "tiny")
    ckpt = save_checkpoint(d / "tiny_wrapper.safetensors", build_model(cfg), cfg)
    mismatched = save_checkpoint(
        d / "mismatched.safetensors", build_model(cfg), model_config("wrapper", "paper")
    )
    corrupt = d / "corrupt.safetensors"
    corrupt.write_bytes(os.urandom(4096))
    black = write_video(d / "black.mp4", [np.zeros((240, 320, 3), np.uint8)] * 30)
    cap = cv2.VideoCapture(str(SAMPLE))
    frames = []
    while len(frames) < 20:
        ok, f = cap.read()
        assert ok
        frames.append(cv2.resize(f, (270, 480), interpolation=cv2.INTER_AREA))
    short = write_video(d / "short.mp4", frames, fps=60.0)
    text = d / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    return {
        "ckpt": ckpt,
        "mismatched": mismatched,
        "corrupt": corrupt,
        "black": black,
        "short": short,
        "text": text,
    }
