"""Fast inference for the diffusion models: the same function as `GCNDenoiser` (eval mode, allclose 1e-5), rearranged
for speed. Used by `lifting.stream`; training keeps the readable reference modules.

What changes (all exact algebra, only float rounding differs):
- Layout (J, L, N, C), joint-major, in the graph non-local layer's joint order: the time-wise and the feature-wise
  graph convolutions are each one batched matmul over joints with no transpose, the non-local layer's joint
  pooling is a max over two leading slices, and no reorder/restore gather is needed inside the network.
- Eval-mode batch norms, the self-connection weights of the adjacency and the graph-conv biases are folded into
  the weights; ReLU(dropout(ReLU(x))) is one ReLU.
- The non-local layer's three input maps (g, φ and θ·w_θ) are one matmul; its output map feeds the residual by
  `addmm`, its bias is folded into the next linear map.
- The residual (x + r)/√2 is an in-place `addmm_`; residual biases and step embeddings become one (T, blocks, C)
  table looked up by t.
- The skip outputs are accumulated in place, with the first output projection folded into each block's skip map.
- The conditioning's share of the input projection is computed once per window (`prepare`), not at every step.
- Under torch.compile only: the joint-neighbour mixes are gathers over ≤ 4 neighbours (fused by the compiler
  instead of an awkward (J, J) matmul), and the feature conv's self/neighbour maps and each block's residual/skip
  maps are one wider matmul (eager keeps them apart for its in-place accumulations).

`FastDiffusion(model)` wraps a DiffHPEWrapper or DiffHPE2D and offers `condition`, `prepare` and `predict_noise`
for `lifting.diffusion.sample`; `FastDiffusion(model, compile=True, bf16=True)` runs the denoiser in bfloat16
(not exact: bfloat16 rounding; see README for its accuracy and speed)."""

from __future__ import annotations

import copy
import math
import time
import warnings

import torch
from torch import nn

from lifting.models.diffhpe import DiffHPE2D, DiffHPEWrapper
from lifting.models.gcn_denoiser import GCNDenoiser, GraphNonLocal, PreAggGraphConv

RS2 = 1.0 / math.sqrt(2.0)  # the residual's scale: (x + r)/√2


def _bn_affine(bn: nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """Eval-mode batch norm as y = s·x + t: (scale (F,), shift (F,))."""
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return s, bn.bias - bn.running_mean * s


def _fold_gconv(gc: PreAggGraphConv, order: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A PreAggGraphConv with its batch norm and self-adjacency folded, joints permuted by `order`:
    (W_self (J, F_in, F_out), W_neigh (J, F_in, F_out), bias (F_out,))."""
    f = gc.out_features
    s, t = _bn_affine(gc.bn)
    w = gc.weight[order]  # (J, F_in, 2·F_out)
    w_self = w[..., :f] * gc.adj_self[order][:, None, None] * s
    w_neigh = w[..., f:] * s
    return w_self, w_neigh, gc.bias * s + t


def _fold_input(proj: nn.Linear, x_map: nn.Linear | None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The input projection relu(W_in [x_map(x); cond] + b) as relu(x @ w_x + cond @ w_cond + b_in), so the cond
    part can be computed once per window: (w_x (3, C), w_cond (C_cond, C), b_in (C,)). Without x_map
    (DiffHPE-2D) the input is [x3D_t (3); x2D]."""
    w_in = proj.weight  # (C, C_x' + C_cond)
    if x_map is not None:
        cx = x_map.out_features
        w_x = w_in[:, :cx] @ x_map.weight  # (C, 3)
        b_in = proj.bias + w_in[:, :cx] @ x_map.bias
    else:
        cx = 3
        w_x = w_in[:, :cx]
        b_in = proj.bias
    return w_x.t().contiguous(), w_in[:, cx:].t().contiguous(), b_in.clone()


def _fold_step_table(den: GCNDenoiser) -> torch.Tensor:
    """(T, blocks, C): step_proj_b(emb(t)) + δ_b for every step t, where δ_b carries the residual biases that the
    fast residual update (`addmm_` without bias) leaves out: h_true = h_stored + δ, δ_{b+1} = (δ_b + b_res_b)/√2."""
    c = den.input_proj.out_features
    emb = den.step_embedding(torch.arange(den.step_embedding.table.shape[0]))  # (T, E)
    table, delta = [], torch.zeros(c)
    for blk in den.blocks:
        table.append(blk.step_proj(emb) + delta)
        delta = (delta + blk.out.bias[:c]) * RS2
    return torch.stack(table, 1).contiguous()


def _fold_time_gconv(gc: PreAggGraphConv, order: torch.Tensor) -> torch.Tensor:
    """The time-wise graph conv per joint as one map of the frames (L, ·) with a row of ones appended, out = W y:
    rows 0..L-1 give the joint's own part, rows L..2L-1 what it sends to its neighbours, and the last column
    carries the bias (self part only): (J, 2L, L+1)."""
    ws, wn, bt = _fold_gconv(gc, order)  # (J, L, L)
    j = ws.shape[0]
    w_self = torch.cat([ws.transpose(1, 2), bt[None, :, None].expand(j, -1, 1)], dim=2)
    w_neigh = torch.cat([wn.transpose(1, 2), torch.zeros(j, wn.shape[2], 1)], dim=2)
    return torch.cat([w_self, w_neigh], 1)


def _fold_feature_gconv(gc: PreAggGraphConv, order: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The feature-wise graph conv per joint: its self and neighbour maps side by side (J, C, 2C), and the bias
    (C,). Compiled they are one matmul; eager multiplies by each half (strided views, no copy) for its in-place
    accumulations."""
    ws, wn, bf = _fold_gconv(gc, order)  # (J, C, C)
    return torch.cat([ws, wn], -1), bf


def _fold_non_local(nl: GraphNonLocal) -> tuple[torch.Tensor, ...]:
    """The graph non-local layer: its three input maps g, φ and θ·w_θ as one (C, 2C'+1) matrix and its bias
    (2C'+1,); w_φ (C',); the output map with its batch norm folded, (C', C), and its bias (C,), which the next
    linear map takes over (`_fold_gated_mid`)."""
    a_vec = nl.theta.weight.t() @ nl.w_theta.weight[0]  # (C,)
    a_b = nl.theta.bias @ nl.w_theta.weight[0]
    w_in = torch.cat([nl.g.weight.t(), nl.phi.weight.t(), a_vec[:, None]], dim=1)
    b_in = torch.cat([nl.g.bias, nl.phi.bias, a_b[None]])
    s, t = _bn_affine(nl.bn)
    return w_in, b_in, nl.w_phi.weight[0].clone(), nl.out.weight.t() * s, nl.out.bias * s + t


def _fold_gated_mid(mid: nn.Linear, b_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """mid(v + b_prev) = v @ W + b, for the gated activation sigmoid(gate)·tanh(filter): tanh(x) = 1 − 2·sigmoid(−2x)
    makes it one sigmoid over [gate | filter] (tanh costs more than sigmoid on CPU), so the filter half of W and b
    is scaled by −2 (exact in floating point). (W (C, 2C), b (2C,))."""
    c = mid.in_features
    sign = torch.cat([torch.ones(c), torch.full((c,), -2.0)])
    return (mid.weight.t() * sign).contiguous(), (mid.bias + mid.weight @ b_prev) * sign


def _fold_residual_skip(den: GCNDenoiser) -> tuple[torch.Tensor, torch.Tensor]:
    """Each block's output map split into its residual half (1/√2 folded in) and its skip half, with the first
    output projection and the 1/√blocks of the skip sum folded into each skip half: (blocks, C, 2C), and the bias
    of Σ_b skip_b after the projection (C,)."""
    c, nb = den.input_proj.out_features, len(den.blocks)
    w_res, w_skip, b_skip_sum = [], [], torch.zeros(c)
    for blk in den.blocks:
        w_res.append(blk.out.weight[:c].t() * RS2)  # (C, C)
        w_skip.append(blk.out.weight[c:].t())  # (C, C)
        b_skip_sum = b_skip_sum + blk.out.bias[c:]
    w1 = den.output_proj1.weight.t()  # (C, C)
    scale = 1.0 / math.sqrt(nb)
    w_skip_out = (torch.cat(w_skip, 0) @ w1 * scale).view(nb, c, c)
    w_res_skip = torch.cat([torch.stack(w_res), w_skip_out], -1).contiguous()
    return w_res_skip, b_skip_sum @ w1 * scale + den.output_proj1.bias


def _neighbour_lists(adj: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """A (J, J) neighbour mix as rows of neighbour indices and weights, zero-padded: (J, D) long, (J, D)."""
    j = adj.shape[0]
    deg = int((adj != 0).sum(1).max())
    idx = torch.zeros(j, max(deg, 1), dtype=torch.long)
    wts = torch.zeros(j, max(deg, 1))
    for r in range(j):
        nz = torch.nonzero(adj[r]).flatten()
        idx[r, : nz.numel()], wts[r, : nz.numel()] = nz, adj[r, nz]
    return idx, wts


def _stacked(per_block: list, i: int | None = None) -> torch.Tensor:
    """One tensor from the blocks' folded maps (item i of each block's tuple), blocks first, contiguous."""
    return torch.stack([p if i is None else p[i] for p in per_block]).contiguous()


class FastDenoiser(nn.Module):
    """An eval-only copy of a GCNDenoiser (weights folded at construction; rebuild it after the weights change).

    forward(x (N, L, J, C_x), cond (N, L, J_o, C) from `prepare`, t (N,)) -> noise (N, L, J, 3)."""

    def __init__(self, den: GCNDenoiser, x_map: nn.Linear | None):
        super().__init__()
        den = den.eval()
        first = den.blocks[0]
        order = first.non_local.order.clone()
        # Blocks share the adjacency (built from the skeleton); checked so a future per-block graph fails loudly.
        for blk in den.blocks:
            assert torch.equal(blk.time_gcn.adj_neigh, first.time_gcn.adj_neigh)
            assert torch.equal(blk.feature_gcn.adj_neigh, first.feature_gcn.adj_neigh)
            assert torch.equal(blk.non_local.order, order)
        self.pool = first.non_local.pool
        self.num_blocks = len(den.blocks)
        self.channels = den.input_proj.out_features
        self.pooled = (order.numel() // self.pool) * self.pool  # joints in the max pooling (the rest is dropped)
        with torch.no_grad():
            w_x, w_cond, b_in = _fold_input(den.input_proj, x_map)
            time_maps = [_fold_time_gconv(blk.time_gcn, order) for blk in den.blocks]
            feat_maps = [_fold_feature_gconv(blk.feature_gcn, order) for blk in den.blocks]
            non_local = [_fold_non_local(blk.non_local) for blk in den.blocks]
            mid = [_fold_gated_mid(blk.mid, b_nlout) for blk, (*_, b_nlout) in zip(den.blocks, non_local)]
            w_res_skip, b_skip = _fold_residual_skip(den)
            adj_time = first.time_gcn.adj_neigh[order][:, order]
            adj_feat = first.feature_gcn.adj_neigh[order][:, order]
            nbr_time, nbr_w_time = _neighbour_lists(adj_time)
            nbr_feat, nbr_w_feat = _neighbour_lists(adj_feat)
            buffers = {
                "order": order,
                "restore": torch.argsort(order),
                "w_x": w_x,  # (3, C)
                "w_cond": w_cond,  # (C_cond, C)
                "b_in": b_in,  # (C,)
                "step_table": _fold_step_table(den),  # (T, blocks, C)
                "w_time": _stacked(time_maps),  # (blocks, J, 2L, L+1)
                "w_feat_sn": _stacked(feat_maps, 0),  # (blocks, J, C, 2C)
                "b_feat": _stacked(feat_maps, 1)[:, None, None, :].contiguous(),  # (blocks, 1, 1, C)
                "w_nl": _stacked(non_local, 0),  # (blocks, C, 2C'+1)
                "b_nl": _stacked(non_local, 1),  # (blocks, 2C'+1)
                "w_phi": _stacked(non_local, 2),  # (blocks, C')
                "w_nlout": _stacked(non_local, 3),  # (blocks, C', C)
                "w_mid": _stacked(mid, 0),  # (blocks, C, 2C)
                "b_mid": _stacked(mid, 1),  # (blocks, 2C)
                "w_res_skip": w_res_skip,  # (blocks, C, 2C)
                "b_skip": b_skip,  # (C,)
                "w_out": den.output_proj2.weight.t().contiguous(),  # (C, 3)
                "b_out": den.output_proj2.bias.clone(),  # (3,)
                # the joint-neighbour mixes as (J, J) matrices, for eager matmuls
                "adj_time": adj_time.clone(),
                "adj_feat": adj_feat.clone(),
                # and as gathers over ≤ 4 neighbours, for torch.compile: a (J, J) @ (J, big) matmul is an awkward
                # GEMM, while a weighted sum over a few neighbours fuses into the element-wise kernel around it
                "nbr_time": nbr_time,
                "nbr_w_time": nbr_w_time,
                "nbr_feat": nbr_feat,
                "nbr_w_feat": nbr_w_feat,
            }
        for name, value in buffers.items():
            self.register_buffer(name, value, persistent=False)

    def prepare(self, cond: torch.Tensor) -> torch.Tensor:
        """The conditioning's share of the input projection, once per window:
        (B, L, J, C_cond) -> (B, L, J_o, C), joints in the internal order."""
        return torch.addmm(self.b_in, cond[:, :, self.order].reshape(-1, cond.shape[-1]), self.w_cond).view(
            cond.shape[0], cond.shape[1], -1, self.channels
        )

    def forward(self, x: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if torch.compiler.is_compiling():
            return self._forward_compiled(x, cond, t)
        return self._forward_eager(x, cond, t)

    def _forward_eager(self, x: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """In place where it can: the block input is written into a preallocated buffer (out=), the neighbour
        mixes and the residual/skip updates are `addmm_` into existing tensors."""
        n, l, j, _ = x.shape
        c, m = self.channels, l * n  # m: rows per joint
        h = self._input(x, cond)  # (J, L, N, C)
        steps = self.step_table[t]  # (N, blocks, C)
        y = torch.ones(j, l + 1, n, c, dtype=x.dtype, device=x.device)  # row L of ones: the time conv's bias
        skip = self.b_skip.expand(j * m, c).clone()  # Σ_b gate_b @ W_skip_b accumulates here
        h2 = h.view(j * m, c)
        for b in range(self.num_blocks):
            torch.add(h, steps[:, b], out=y[:, :l])
            # time-wise graph conv: per joint, (2L, L+1) @ (L+1, N·C)
            ht = torch.bmm(self.w_time[b], y.view(j, l + 1, n * c)).view(j, 2, l * n * c)  # (J, 2, L·N·C)
            # neighbours aggregated into the self half in place (a strided matrix BLAS writes directly)
            z = ht[:, 0].addmm_(self.adj_time, ht[:, 1]).relu_().view(j, m, c)
            # feature-wise graph conv: per joint, (L·N, C) @ (C, C)
            fs = torch.baddbmm(self.b_feat[b], z, self.w_feat_sn[b, ..., :c])
            fn = torch.bmm(z, self.w_feat_sn[b, ..., c:])
            u = fs.view(j, m * c).addmm_(self.adj_feat, fn.view(j, m * c)).relu_().view(j * m, c)
            gate = self._non_local_and_gate(u, b, j, m)
            h2.addmm_(gate, self.w_res_skip[b, :, :c], beta=RS2)
            skip.addmm_(gate, self.w_res_skip[b, :, c:])
        return self._output(skip, j, l, n)

    def _forward_compiled(self, x: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """The same values built functionally (torch.compile cannot trace out= into a strided view), with the
        neighbour mixes as gathers and the self/neighbour and residual/skip maps as one wider matmul each."""
        n, l, j, _ = x.shape
        c, m = self.channels, l * n  # m: rows per joint
        h = self._input(x, cond)  # (J, L, N, C)
        steps = self.step_table[t]  # (N, blocks, C)
        y = torch.ones(j, l + 1, n, c, dtype=x.dtype, device=x.device)  # row L of ones: the time conv's bias
        skip = self.b_skip.expand(j * m, c).clone()
        for b in range(self.num_blocks):
            y = torch.cat([h + steps[:, b], y[:, l:]], dim=1)
            ht = torch.bmm(self.w_time[b], y.view(j, l + 1, n * c)).view(j, 2, l * n * c)  # (J, 2, L·N·C)
            z = self._mix(ht[:, 0], ht[:, 1], self.nbr_time, self.nbr_w_time).view(j, m, c)
            fsn = torch.bmm(z, self.w_feat_sn[b])  # (J, M, 2C)
            u = self._mix(fsn[..., :c] + self.b_feat[b], fsn[..., c:], self.nbr_feat, self.nbr_w_feat)
            gate = self._non_local_and_gate(u.reshape(j * m, c), b, j, m)
            rs = torch.mm(gate, self.w_res_skip[b])  # (J·M, 2C)
            h = h * RS2 + rs[:, :c].view(h.shape)
            skip = skip + rs[:, c:]
        return self._output(skip, j, l, n)

    def _input(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """relu(x @ w_x + prepared cond): (N, L, J, 3), (N, L, J_o, C) -> (J_o, L, N, C), contiguous."""
        xo = x[:, :, self.order].permute(2, 1, 0, 3)
        return torch.relu_(torch.matmul(xo, self.w_x).add_(cond.permute(2, 1, 0, 3))).contiguous()

    @staticmethod
    def _mix(own: torch.Tensor, neigh: torch.Tensor, idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """relu(own + adj @ neigh) over the leading joint axis, adj as (J, D) neighbour indices and weights:
        own, neigh (J, ...)."""
        w = w.view(*w.shape, *([1] * (neigh.dim() - 1)))
        return torch.relu(own + (neigh[idx] * w).sum(1))

    def _non_local_and_gate(self, u: torch.Tensor, b: int, j: int, m: int) -> torch.Tensor:
        """Block b's graph non-local layer, then its gated activation sigmoid(a)·tanh(f) = s_a − 2·s_a·sigmoid(−2f):
        u (J·M, C), overwritten, -> gate (J·M, C)."""
        c = self.channels
        proj = torch.addmm(self.b_nl[b], u, self.w_nl[b]).view(j, m, -1)  # (J, M, 2C'+1)
        ci = (proj.shape[-1] - 1) // 2
        pooled = proj[: self.pooled, :, : 2 * ci].reshape(-1, self.pool, m, 2 * ci).amax(1)  # (K, M, 2C')
        k = pooled.shape[0]
        g = pooled[..., :ci]  # (K, M, C')
        bk = torch.matmul(pooled[..., ci:], self.w_phi[b])  # (K, M)
        f = torch.relu_(proj[:, None, :, 2 * ci] + bk[None]).mul_(1.0 / k)[..., None]  # (J, K, M, 1)
        fg = f[:, 0] * g[0]  # Σ_k f[j, k, m] g[k, m, :] -> (J, M, C')
        for kk in range(1, k):
            fg.addcmul_(f[:, kk], g[kk])
        v = u.addmm_(fg.view(j * m, ci), self.w_nlout[b])  # (J·M, C); u is not needed any more
        mid = torch.addmm(self.b_mid[b], v, self.w_mid[b]).sigmoid_()
        return torch.addcmul(mid[:, :c], mid[:, :c], mid[:, c:], value=-2.0)  # (J·M, C) contiguous

    def _output(self, skip: torch.Tensor, j: int, l: int, n: int) -> torch.Tensor:
        """proj2(relu(Σ skips, projected)): (J·L·N, C), overwritten, -> noise (N, L, J, 3) in the original joint
        order."""
        out = torch.addmm(self.b_out, skip.relu_(), self.w_out).view(j, l, n, 3)
        return out[self.restore].permute(2, 1, 0, 3)


class FastDiffusion(nn.Module):
    """The fast twin of a DiffHPEWrapper or DiffHPE2D, with the interface `lifting.diffusion.sample` needs.

    `condition(x2d)` is the model's own conditioning (E2D for the Wrapper, x2D for DiffHPE-2D); `prepare(cond)`
    turns it into what `predict_noise` takes (once per window). `sample(fast, fast.prepare(cond), ...)` gives the
    reference model's samples (allclose 1e-5)."""

    def __init__(self, model: DiffHPEWrapper | DiffHPE2D, compile: bool = False, bf16: bool = False):
        super().__init__()
        self.model = model
        x_map = model.lift_x3d if isinstance(model, DiffHPEWrapper) else None
        # bf16: the denoiser's weights and activations in bfloat16 (its matmuls are faster on CPUs with AMX, but
        # eager bf16 element-wise ops are slower: worth it only compiled); the sampler's update stays float32.
        # Otherwise the model's own dtype: float32, or float64 where tests compare whole sampler runs (their
        # float32 round-off grows through the steps by amounts that depend on the CPU's kernels).
        self.dtype = torch.bfloat16 if bf16 else next(model.parameters()).dtype
        # the weights are folded on the CPU (the folding makes its own tensors there), then moved to the model's
        # device
        device = next(model.parameters()).device
        den = copy.deepcopy(model.denoiser).cpu()
        x_map = copy.deepcopy(x_map).cpu() if x_map is not None else None
        self.denoiser = FastDenoiser(den, x_map).to(device=device, dtype=self.dtype)
        self._compiled = None
        self.compile_error: str | None = None
        self.compile_s = 0.0
        if compile:
            self._compiled = torch.compile(self.denoiser)

    @torch.no_grad()
    def condition(self, x2d: torch.Tensor) -> torch.Tensor:
        return self.model.condition(x2d)

    def prepare(self, cond: torch.Tensor) -> torch.Tensor:
        return self.denoiser.prepare(cond.to(self.dtype))

    def predict_noise(self, x_t: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x_in = x_t.to(self.dtype)
        if self._compiled is not None:
            t0 = time.perf_counter()
            try:
                out = self._compiled(x_in, cond, t).to(x_t.dtype)
            except Exception as exc:  # noqa: BLE001 - any compiler failure: run eagerly from now on
                self._compiled = None
                self.compile_error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                warnings.warn(f"torch.compile failed, running eagerly ({self.compile_error})", stacklevel=2)
            else:
                if self.compile_s == 0.0:
                    self.compile_s = time.perf_counter() - t0  # the first call compiles
                return self.model.to_noise(out, x_t, t)
        return self.model.to_noise(self.denoiser(x_in, cond, t).to(x_t.dtype), x_t, t)
