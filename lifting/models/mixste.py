"""MixSTE (Zhang et al., CVPR 2022): alternating spatial and temporal transformer blocks.

Split into a backbone h: (B, L, J, 2) -> (B, L, J, C) and a linear head g: (B, L, J, C) -> (B, L, J, 3), so the
DiffHPE-Wrapper can condition on E2D = h(x2D) taken after the head's LayerNorm (as in the paper's code)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lifting.models.fast_dropout import FastDropout


class DropPath(nn.Module):
    """Stochastic depth: drop the whole residual branch of a sample with probability p while training."""

    def __init__(self, p: float = 0.0):
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.p == 0.0 or not self.training:
            return x
        keep = torch.empty((x.shape[0],) + (1,) * (x.ndim - 1), device=x.device, dtype=x.dtype).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int, attn_drop: float = 0.0, proj_drop: float = 0.0):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)
        self.attn_drop = attn_drop
        self.proj_drop = FastDropout(proj_drop)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, S, C)
        n, s, c = x.shape
        qkv = self.qkv(x).reshape(n, s, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        out = F.scaled_dot_product_attention(
            qkv[0], qkv[1], qkv[2], dropout_p=self.attn_drop if self.training else 0.0
        )
        return self.proj_drop(self.proj(out.transpose(1, 2).reshape(n, s, c)))


class Block(nn.Module):
    """Pre-norm transformer block over the middle axis of (N, S, C)."""

    def __init__(self, dim: int, heads: int, mlp_ratio: float, drop: float, drop_path: float):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = Attention(dim, heads, proj_drop=drop)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(
            nn.Linear(dim, hidden), nn.GELU(), FastDropout(drop), nn.Linear(hidden, dim), FastDropout(drop)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x)))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class MixSTE(nn.Module):
    def __init__(
        self,
        num_frames: int = 27,
        num_joints: int = 17,
        in_chans: int = 2,
        channels: int = 64,
        depth: int = 8,
        heads: int = 8,
        mlp_ratio: float = 2.0,
        dropout: float = 0.1,
        drop_path: float = 0.1,
    ):
        super().__init__()
        self.num_frames, self.num_joints, self.channels = num_frames, num_joints, channels
        self.embed = nn.Linear(in_chans, channels)
        self.spatial_pos = nn.Parameter(torch.zeros(1, num_joints, channels))
        self.temporal_pos = nn.Parameter(torch.zeros(1, num_frames, channels))
        nn.init.trunc_normal_(self.spatial_pos, std=0.02)
        nn.init.trunc_normal_(self.temporal_pos, std=0.02)
        self.pos_drop = FastDropout(dropout)
        rates = torch.linspace(0, drop_path, depth).tolist()
        self.spatial_blocks = nn.ModuleList(Block(channels, heads, mlp_ratio, dropout, r) for r in rates)
        self.temporal_blocks = nn.ModuleList(Block(channels, heads, mlp_ratio, dropout, r) for r in rates)
        self.spatial_norm = nn.LayerNorm(channels, eps=1e-6)
        self.temporal_norm = nn.LayerNorm(channels, eps=1e-6)
        self.head_norm = nn.LayerNorm(channels)
        self.head_linear = nn.Linear(channels, 3)

    def backbone(self, x2d: torch.Tensor) -> torch.Tensor:
        """(B, L, J, 2) normalised 2D -> E2D (B, L, J, C), after the head's LayerNorm."""
        b, l, j, _ = x2d.shape
        x = self.embed(x2d.reshape(b * l, j, -1)) + self.spatial_pos  # (B·L, J, C)
        x = self.pos_drop(x)
        for i, (spatial, temporal) in enumerate(zip(self.spatial_blocks, self.temporal_blocks)):
            x = self.spatial_norm(spatial(x))
            x = x.reshape(b, l, j, -1).transpose(1, 2).reshape(b * j, l, -1)  # (B·J, L, C)
            if i == 0:
                x = self.pos_drop(x + self.temporal_pos[:, :l])
            x = self.temporal_norm(temporal(x))
            x = x.reshape(b, j, l, -1).transpose(1, 2)  # (B, L, J, C)
            if i + 1 < len(self.spatial_blocks):
                x = x.reshape(b * l, j, -1)
        return self.head_norm(x)

    def head(self, e2d: torch.Tensor) -> torch.Tensor:
        """E2D (B, L, J, C) -> 3D (B, L, J, 3)."""
        return self.head_linear(e2d)

    def forward(self, x2d: torch.Tensor) -> torch.Tensor:
        return self.head(self.backbone(x2d))
