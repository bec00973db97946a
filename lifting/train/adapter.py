"""mmengine adapter around our plain-PyTorch models: `forward(x2d, x3d, mode)` gives the training loss or
predictions. The models themselves stay free of mmengine."""

from __future__ import annotations

import torch
from mmengine.model import BaseModel

from lifting import diffusion
from lifting.config import build_model
from lifting.weights import load_model


class LiftingModel(BaseModel):
    """Wraps MixSTE (supervised MSE on 3D, the paper's MixSTE‡), DiffHPE-Wrapper or DiffHPE-2D (ε-prediction)."""

    def __init__(
        self,
        model_cfg: dict,
        conditioner: str | None = None,
        val_sampling: dict | None = None,
        amp: str | None = None,
    ):
        """amp: None (float32) or 'bf16' (the loss's forward pass under bfloat16 autocast; weights, gradients
        and the optimiser stay float32)."""
        super().__init__()
        if amp not in (None, "none", "bf16"):
            raise ValueError(f"amp must be None or 'bf16', got {amp!r}")
        self.amp = amp == "bf16"
        self.model_cfg = dict(model_cfg)
        self.net = build_model(self.model_cfg)
        if self.model_cfg["kind"] == "wrapper":
            if not conditioner:
                raise ValueError("a DiffHPE-Wrapper needs a trained MixSTE checkpoint as conditioner")
            mixste, mcfg, _ = load_model(conditioner, expect_kind="mixste")
            if mcfg["mixste"]["channels"] != self.model_cfg["mixste"]["channels"]:
                raise ValueError("the conditioner's width does not match the Wrapper's profile")
            self.net.mixste.load_state_dict(mixste.state_dict())
            self.model_cfg["conditioner"] = str(conditioner)
        self.val_sampling = {"sampler": "ddim", "steps": 5, "hypotheses": 1, **(val_sampling or {})}

    def load_initial_weights(self, path: str) -> None:
        """Start from a trained checkpoint of the same kind and size (fine-tuning, or continuing a shipped
        model). A Wrapper keeps its own frozen conditioner: only the denoiser side is taken."""
        net, cfg, _ = load_model(path, expect_kind=self.kind)
        state = net.state_dict()
        if self.kind == "wrapper":
            state = {k: v for k, v in state.items() if not k.startswith("mixste.")}
        missing, unexpected = self.net.load_state_dict(state, strict=False)
        wrong = [k for k in missing if not (self.kind == "wrapper" and k.startswith("mixste."))] + list(unexpected)
        if wrong:
            raise ValueError(f"{path}: does not fit this model ({', '.join(wrong[:5])})")

    @property
    def kind(self) -> str:
        return self.model_cfg["kind"]

    def predict_poses(self, x2d: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """(B, L, J, 2) -> (B, L, J, 3) (mean of the hypotheses for diffusion models)."""
        if self.kind == "mixste":
            return self.net(x2d)
        cond = self.net.condition(x2d)
        s = self.val_sampling
        samples = diffusion.sample(
            self.net, cond, s["hypotheses"], s["steps"], s["sampler"], generator=generator
        )  # (B, H, L, J, 3)
        return samples.mean(dim=1)

    def forward(self, x2d: torch.Tensor, x3d: torch.Tensor, mode: str = "tensor", **_):
        if mode == "loss":
            with torch.autocast(x2d.device.type, dtype=torch.bfloat16, enabled=self.amp):
                if self.kind == "mixste":
                    return {"loss": torch.mean((self.net(x2d).float() - x3d) ** 2)}
                cond = self.net.condition(x2d)
                loss = diffusion.diffusion_loss(self.net, x3d, cond, self.model_cfg["diffusion_steps"])
            return {"loss": loss.float()}
        with torch.no_grad():
            pred = self.predict_poses(x2d)
        if mode == "predict":
            return [{"pred": p, "target": t} for p, t in zip(pred, x3d)]
        return pred
