"""The CSDI/DiffWave-style noise predictor of DiffHPE with graph convolutions instead of transformers.

Each residual block: x + step embedding -> time-wise GCN (features carried across time) -> feature-wise GCN
(each frame, across channels) -> graph non-local layer -> gated activation -> residual/skip split.
Tensors are kept as (B, L, J, C) between layers."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from lifting import skeleton
from lifting.models.fast_dropout import FastDropout

# Joint groups of the graph non-local layer (pairs of related joints, as in SemGCN / the paper's code).
NONLOCAL_GROUPS_17 = ((2, 3), (5, 6), (1, 4), (0, 7), (8, 9, 10), (15, 16), (12, 13), (11, 14))


def skeleton_adjacency(num_joints: int = skeleton.NUM_JOINTS) -> torch.Tensor:
    """Symmetric H36M adjacency with self-loops, row-normalised: (J, J)."""
    adj = torch.eye(num_joints)
    for parent, child in skeleton.SEGMENTS:
        adj[parent, child] = adj[child, parent] = 1.0
    return adj / adj.sum(dim=1, keepdim=True)


def batch_norm_last(bn: nn.BatchNorm1d, x: torch.Tensor) -> torch.Tensor:
    """Batch norm over the last dim of (N, J, C), normalising each channel over N and J: the same as
    bn(x.transpose(1, 2)).transpose(1, 2), on the contiguous (N·J, C) view, which torch's CPU kernels run
    1.6-4× faster (forward and backward) than the strided (N, C, J) one."""
    return bn(x.reshape(-1, x.shape[-1])).view(x.shape)


class StepEmbedding(nn.Module):
    """Sinusoidal embedding of the diffusion step (128-d) followed by a 2-layer SiLU MLP."""

    def __init__(self, num_steps: int, dim: int = 128):
        super().__init__()
        half = dim // 2
        steps = torch.arange(num_steps, dtype=torch.float32)[:, None]
        freqs = 10.0 ** (torch.arange(half, dtype=torch.float32) / (half - 1) * 4.0)[None]
        table = torch.cat([torch.sin(steps * freqs), torch.cos(steps * freqs)], dim=1)  # (T, dim)
        self.register_buffer("table", table, persistent=False)
        self.proj1 = nn.Linear(dim, dim)
        self.proj2 = nn.Linear(dim, dim)

    def forward(self, t: torch.Tensor) -> torch.Tensor:  # (B,) long -> (B, dim)
        return F.silu(self.proj2(F.silu(self.proj1(self.table[t]))))


class PreAggGraphConv(nn.Module):
    """Pre-aggregation graph convolution with decoupled self-connections (Liu et al., ECCV 2020):
    each joint has its own weights for itself (W[0]) and for what it sends to its neighbours (W[1]),
    followed by batch norm, ReLU and dropout. Input and output (N, J, F)."""

    def __init__(self, in_features: int, out_features: int, adj: torch.Tensor, dropout: float):
        super().__init__()
        j = adj.shape[0]
        self.out_features = out_features
        weight = torch.empty(2, j, in_features, out_features)
        nn.init.xavier_uniform_(weight, gain=1.414)
        if in_features == out_features:
            # Self-connection = identity + the Xavier draw: each joint (and, in the time-wise layer, each frame)
            # keeps its own features at initialisation. With the Xavier draw alone, 16 blocks scramble x_t over
            # frames and channels, the noise cannot be read back from the skips and the ε-loss stalls at its
            # starting value; with the identity, the skips carry x_t from the start.
            weight[0] += torch.eye(in_features) / torch.diagonal(adj)[:, None, None]
        # Stored as (J, F_in, 2·F_out) so both transforms are one batched matmul.
        self.weight = nn.Parameter(torch.cat([weight[0], weight[1]], dim=-1))
        bound = 1.0 / math.sqrt(in_features)
        self.bias = nn.Parameter(torch.empty(out_features).uniform_(-bound, bound))
        self.register_buffer("adj_self", torch.diagonal(adj).clone())  # (J,)
        self.register_buffer("adj_neigh", adj * (1 - torch.eye(j)))  # (J, J)
        self.bn = nn.BatchNorm1d(out_features)
        self.dropout = FastDropout(dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, J, F_in)
        h = torch.bmm(x.transpose(0, 1), self.weight).transpose(0, 1)  # (N, J, 2·F_out)
        h_self, h_neigh = h.split(self.out_features, dim=-1)
        out = self.adj_self[:, None] * h_self + torch.matmul(self.adj_neigh, h_neigh) + self.bias
        out = batch_norm_last(self.bn, out)
        return F.relu(self.dropout(F.relu(out)))


class GraphNonLocal(nn.Module):
    """Non-local layer over joints (SemGCN style): joints are reordered by groups, keys and values are
    max-pooled over each group, and the pairwise weight relu(w·[θ_i; φ_j]) is computed as relu(a_i + b_j)
    with a = θ·w_θ and b = φ·w_φ, two small linear maps instead of a (N, 2C', J, J') tensor (same output)."""

    def __init__(self, channels: int, groups=NONLOCAL_GROUPS_17):
        super().__init__()
        order = [j for g in groups for j in g]
        self.register_buffer("order", torch.tensor(order), persistent=False)
        self.register_buffer("restore", torch.argsort(torch.tensor(order)), persistent=False)
        self.pool = len(groups[0])
        inter = channels // 2
        self.g = nn.Linear(channels, inter)
        self.theta = nn.Linear(channels, inter)
        self.phi = nn.Linear(channels, inter)
        self.w_theta = nn.Linear(inter, 1, bias=False)
        self.w_phi = nn.Linear(inter, 1, bias=False)
        self.out = nn.Linear(inter, channels)
        self.bn = nn.BatchNorm1d(channels)
        for layer in (self.g, self.theta, self.phi, self.out):
            nn.init.kaiming_normal_(layer.weight)
            nn.init.zeros_(layer.bias)
        nn.init.kaiming_normal_(self.w_theta.weight)
        nn.init.kaiming_normal_(self.w_phi.weight)
        # Zero-initialised batch norm: the layer starts as the identity.
        nn.init.zeros_(self.bn.weight)
        nn.init.zeros_(self.bn.bias)

    def _pool_joints(self, x: torch.Tensor) -> torch.Tensor:  # (N, J, C') -> (N, J // pool, C')
        return F.max_pool1d(x.transpose(1, 2), self.pool).transpose(1, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (N, J, C)
        xo = x[:, self.order]
        g = self._pool_joints(self.g(xo))  # (N, K, C')
        a = self.w_theta(self.theta(xo))  # (N, J, 1)
        b = self._pool_joints(self.phi(xo)) @ self.w_phi.weight.t()  # (N, K, 1)
        f = F.relu(a + b.transpose(1, 2)) / g.shape[1]  # (N, J, K)
        y = self.out(f @ g)  # (N, J, C)
        y = batch_norm_last(self.bn, y)
        return (y + xo)[:, self.restore]


class ResidualBlock(nn.Module):
    def __init__(self, channels: int, seq_len: int, emb_dim: int, adj: torch.Tensor, dropout: float):
        super().__init__()
        self.step_proj = nn.Linear(emb_dim, channels)
        self.time_gcn = PreAggGraphConv(seq_len, seq_len, adj, dropout)
        self.feature_gcn = PreAggGraphConv(channels, channels, adj, dropout)
        self.non_local = GraphNonLocal(channels)
        self.mid = nn.Linear(channels, 2 * channels)
        self.out = nn.Linear(channels, 2 * channels)
        nn.init.kaiming_normal_(self.mid.weight)
        nn.init.kaiming_normal_(self.out.weight)

    def forward(self, x: torch.Tensor, emb: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, l, j, c = x.shape  # (B, L, J, C)
        y = x + self.step_proj(emb)[:, None, None, :]
        # time-wise: each (sample, channel) is a graph whose node features are the L frames
        y = self.time_gcn(y.permute(0, 3, 2, 1).reshape(b * c, j, l)).reshape(b, c, j, l).permute(0, 3, 2, 1)
        y = self.feature_gcn(y.reshape(b * l, j, c))  # (B·L, J, C)
        y = self.non_local(y).reshape(b, l, j, c)
        gate, filt = self.mid(y).chunk(2, dim=-1)
        y = self.out(torch.sigmoid(gate) * torch.tanh(filt))
        residual, skip = y.chunk(2, dim=-1)
        return (x + residual) / math.sqrt(2.0), skip


class GCNDenoiser(nn.Module):
    """ε_θ: (B, L, J, C_in) input features and steps (B,) -> predicted noise (B, L, J, 3)."""

    def __init__(
        self,
        in_channels: int,
        channels: int = 64,
        blocks: int = 16,
        seq_len: int = 27,
        num_steps: int = 50,
        emb_dim: int = 128,
        dropout: float = 0.27,
        num_joints: int = skeleton.NUM_JOINTS,
    ):
        super().__init__()
        adj = skeleton_adjacency(num_joints)
        self.num_steps = num_steps
        self.step_embedding = StepEmbedding(num_steps, emb_dim)
        self.input_proj = nn.Linear(in_channels, channels)
        nn.init.kaiming_normal_(self.input_proj.weight)
        self.blocks = nn.ModuleList(ResidualBlock(channels, seq_len, emb_dim, adj, dropout) for _ in range(blocks))
        self.output_proj1 = nn.Linear(channels, channels)
        nn.init.kaiming_normal_(self.output_proj1.weight)
        self.output_proj2 = nn.Linear(channels, 3)
        nn.init.zeros_(self.output_proj2.weight)  # the predictor starts by predicting zero (noise or pose)
        nn.init.zeros_(self.output_proj2.bias)

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.input_proj(x))
        emb = self.step_embedding(t)
        skip = 0
        for block in self.blocks:
            h, s = block(h, emb)
            skip = skip + s
        h = skip / math.sqrt(len(self.blocks))
        return self.output_proj2(F.relu(self.output_proj1(h)))
