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
(not exact: relative error 0.1-0.6 % on the predicted noise; see README for its accuracy and speed)."""

from __future__ import annotations

import copy

import math
import time
import warnings

import torch
from torch import nn

from lifting.models.diffhpe import DiffHPE2D, DiffHPEWrapper
from lifting.models.gcn_denoiser import GCNDenoiser, PreAggGraphConv


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


class FastDenoiser(nn.Module):
    """An eval-only copy of a GCNDenoiser (weights folded at construction; rebuild it after the weights change).

    forward(x (N, L, J, C_x), cond (N, L, J_o, C) from `input_parts`, t (N,)) -> noise (N, L, J, 3)."""

    def __init__(self, den: GCNDenoiser, x_map: nn.Linear | None):
        super().__init__()
        den = den.eval()
        first = den.blocks[0]
        order = first.non_local.order.clone()
        self.register_buffer("order", order, persistent=False)
        self.register_buffer("restore", torch.argsort(order), persistent=False)
        self.pool = first.non_local.pool
        self.num_blocks = len(den.blocks)
        c = den.input_proj.out_features
        self.channels = c
        j = order.numel()
        self.pooled = (
            j // self.pool
        ) * self.pool  # joints that take part in max pooling (the rest is dropped)
        rs2 = 1.0 / math.sqrt(2.0)

        with torch.no_grad():
            # Input: relu(W_in [x_map(x); cond] + b) = relu(x @ A + cond @ B + b'), the cond part once per window.
            w_in = den.input_proj.weight  # (C, C_x' + C_cond)
            if x_map is not None:
                cx = x_map.out_features
                a = w_in[:, :cx] @ x_map.weight  # (C, 3)
                b0 = den.input_proj.bias + w_in[:, :cx] @ x_map.bias
            else:  # DiffHPE-2D: the input is [x3D_t (3); x2D]
                cx = 3
                a = w_in[:, :cx]
                b0 = den.input_proj.bias
            self.register_buffer("w_x", a.t().contiguous(), persistent=False)  # (3, C)
            self.register_buffer("w_cond", w_in[:, cx:].t().contiguous(), persistent=False)  # (C_cond, C)
            self.register_buffer("b_in", b0.clone(), persistent=False)

            # Step table: step_proj_b(emb(t)) + δ_b, where δ_b carries the residual biases that `addmm_` leaves out:
            # h_true = h_stored + δ, δ_{b+1} = (δ_b + b_res_b)/√2.
            steps = den.step_embedding.table.shape[0]
            emb = den.step_embedding(torch.arange(steps))  # (T, E)
            table, delta = [], torch.zeros(c)
            w_time_s, w_time_n, _b_time = [], [], []
            w_feat_s, w_feat_n, b_feat = [], [], []
            w_nl, b_nl, w_phi, w_nlout, w_mid, b_mid, w_res, w_skip = [], [], [], [], [], [], [], []
            b_skip_sum = torch.zeros(c)
            for blk in den.blocks:
                table.append(blk.step_proj(emb) + delta)
                ws, wn, bt = _fold_gconv(blk.time_gcn, order)  # (J, L, L)
                # time conv acts on (L, ·) columns: out = W^T y; bias joins as an extra input row of ones.
                w_time_s.append(torch.cat([ws.transpose(1, 2), bt[None, :, None].expand(j, -1, 1)], dim=2))
                w_time_n.append(torch.cat([wn.transpose(1, 2), torch.zeros(j, wn.shape[2], 1)], dim=2))
                ws, wn, bf = _fold_gconv(blk.feature_gcn, order)  # (J, C, C)
                w_feat_s.append(ws)
                w_feat_n.append(wn)
                b_feat.append(bf)
                nl = blk.non_local
                a_vec = nl.theta.weight.t() @ nl.w_theta.weight[0]  # (C,)
                a_b = nl.theta.bias @ nl.w_theta.weight[0]
                w_nl.append(
                    torch.cat([nl.g.weight.t(), nl.phi.weight.t(), a_vec[:, None]], dim=1)
                )  # (C, 2C'+1)
                b_nl.append(torch.cat([nl.g.bias, nl.phi.bias, a_b[None]]))
                w_phi.append(nl.w_phi.weight[0].clone())
                s, t = _bn_affine(nl.bn)
                w_out = nl.out.weight.t() * s  # (C', C)
                b_out = nl.out.bias * s + t
                w_nlout.append(w_out)
                # mid(v + b_out) = v @ W_mid + (W_mid b_out + b_mid)
                # tanh(x) = 1 - 2·sigmoid(-2x): one sigmoid over [gate | filter] (tanh is ~3x slower than sigmoid on
                # CPU), so the filter half of `mid` is scaled by -2 (exact in floating point).
                sign = torch.cat([torch.ones(c), torch.full((c,), -2.0)])
                w_mid.append((blk.mid.weight.t() * sign).contiguous())
                b_mid.append((blk.mid.bias + blk.mid.weight @ b_out) * sign)
                w_res.append(blk.out.weight[:c].t() * rs2)  # (C, C), the 1/√2 folded in
                w_skip.append(blk.out.weight[c:].t())  # (C, C)
                delta = (delta + blk.out.bias[:c]) * rs2
                b_skip_sum = b_skip_sum + blk.out.bias[c:]
            self.register_buffer(
                "step_table", torch.stack(table, 1).contiguous(), persistent=False
            )  # (T, B, C)
            self.register_buffer(
                "w_time",
                torch.stack([torch.cat([s_, n_], 1) for s_, n_ in zip(w_time_s, w_time_n)]).contiguous(),
                persistent=False,
            )  # (B, J, 2L, L+1)
            # The self and neighbour maps of the feature conv side by side, (B, J, C, 2C): compiled they are one
            # matmul; eager multiplies by each half (strided views, no copy) for its in-place accumulations.
            self.register_buffer(
                "w_feat_sn",
                torch.cat([torch.stack(w_feat_s), torch.stack(w_feat_n)], -1).contiguous(),
                persistent=False,
            )
            self.register_buffer(
                "b_feat", torch.stack(b_feat)[:, None, None, :].contiguous(), persistent=False
            )
            self.register_buffer("w_nl", torch.stack(w_nl).contiguous(), persistent=False)
            self.register_buffer("b_nl", torch.stack(b_nl).contiguous(), persistent=False)
            self.register_buffer("w_phi", torch.stack(w_phi).contiguous(), persistent=False)
            self.register_buffer("w_nlout", torch.stack(w_nlout).contiguous(), persistent=False)
            self.register_buffer("w_mid", torch.stack(w_mid).contiguous(), persistent=False)
            self.register_buffer("b_mid", torch.stack(b_mid).contiguous(), persistent=False)
            adj = first.time_gcn.adj_neigh[order][:, order]
            self.register_buffer("adj_time", adj.clone(), persistent=False)
            self.register_buffer(
                "adj_feat", first.feature_gcn.adj_neigh[order][:, order].clone(), persistent=False
            )
            # Output: proj2(relu(proj1(Σ_b skip_b / √B))) with proj1 folded into the skip maps.
            w1 = den.output_proj1.weight.t()  # (C, C)
            scale = 1.0 / math.sqrt(self.num_blocks)
            # The residual and skip maps side by side, (B, C, 2C), split as the feature conv's are.
            w_skip_out = (torch.cat(w_skip, 0) @ w1 * scale).view(self.num_blocks, c, c)
            self.register_buffer(
                "w_res_skip", torch.cat([torch.stack(w_res), w_skip_out], -1).contiguous(), persistent=False
            )
            self.register_buffer("b_skip", b_skip_sum @ w1 * scale + den.output_proj1.bias, persistent=False)
            self.register_buffer("w_out", den.output_proj2.weight.t().contiguous(), persistent=False)
            self.register_buffer("b_out", den.output_proj2.bias.clone(), persistent=False)
            # The same neighbour mixes as gathers, for torch.compile: a (J, J) @ (J, big) matmul is an awkward GEMM
            # (in bf16 it was the most expensive op of the compiled step), a weighted sum over ≤ 4 neighbours fuses
            # into the element-wise kernel around it. Rows: (J, D) neighbour indices and weights, zero-padded.
            for name, a in (("time", adj), ("feat", self.adj_feat)):
                deg = int((a != 0).sum(1).max())
                idx = torch.zeros(j, max(deg, 1), dtype=torch.long)
                wts = torch.zeros(j, max(deg, 1))
                for r in range(j):
                    nz = torch.nonzero(a[r]).flatten()
                    idx[r, : nz.numel()], wts[r, : nz.numel()] = nz, a[r, nz]
                self.register_buffer(f"nbr_{name}", idx, persistent=False)
                self.register_buffer(f"nbr_w_{name}", wts, persistent=False)
        # Blocks share the adjacency (built from the skeleton); checked so a future per-block graph fails loudly.
        for blk in den.blocks:
            assert torch.equal(blk.time_gcn.adj_neigh, den.blocks[0].time_gcn.adj_neigh)
            assert torch.equal(blk.feature_gcn.adj_neigh, den.blocks[0].feature_gcn.adj_neigh)
            assert torch.equal(blk.non_local.order, order)

    def prepare(self, cond: torch.Tensor) -> torch.Tensor:
        """The conditioning's share of the input projection, once per window:
        (B, L, J, C_cond) -> (B, L, J_o, C), joints in the internal order."""
        return torch.addmm(self.b_in, cond[:, :, self.order].reshape(-1, cond.shape[-1]), self.w_cond).view(
            cond.shape[0], cond.shape[1], -1, self.channels
        )

    @staticmethod
    def _mix(own: torch.Tensor, neigh: torch.Tensor, idx: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        """relu(own + adj @ neigh) over the leading joint axis, adj as (J, D) neighbour indices and weights:
        own, neigh (J, ...)."""
        w = w.view(*w.shape, *([1] * (neigh.dim() - 1)))
        return torch.relu(own + (neigh[idx] * w).sum(1))

    def forward(self, x: torch.Tensor, cond: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        n, l, j, _ = x.shape
        c, nb = self.channels, self.num_blocks
        m = l * n  # rows per joint
        # (N, L, J, ·) -> (J_o, L, N, ·)
        xo = x[:, :, self.order].permute(2, 1, 0, 3)
        h = torch.relu_(
            torch.matmul(xo, self.w_x).add_(cond.permute(2, 1, 0, 3))
        ).contiguous()  # (J, L, N, C)
        steps = self.step_table[t]  # (N, B, C)
        # Eager mode writes into a preallocated buffer (out=); torch.compile cannot trace out= into a strided view,
        # so when compiling the same values are built functionally.
        compiling = torch.compiler.is_compiling()
        # y buffer with a row of ones at time index L: the time conv's bias column.
        y = torch.ones(j, l + 1, n, c, dtype=x.dtype, device=x.device)
        skip = self.b_skip.expand(j * m, c).clone()  # Σ_b gate_b @ W_skip_b accumulates here
        h2 = h.view(j * m, c)
        for b in range(nb):
            if compiling:
                y = torch.cat([h + steps[:, b], y[:, l:]], dim=1)
            else:
                torch.add(h, steps[:, b], out=y[:, :l])
            # time-wise graph conv: per joint, (2L, L+1) @ (L+1, N·C)
            ht = torch.bmm(self.w_time[b], y.view(j, l + 1, n * c))  # (J, 2L, N·C)
            ht = ht.view(j, 2, l * n * c)
            # neighbours aggregated into the self half in place (a strided matrix BLAS writes directly)
            if compiling:
                z = self._mix(ht[:, 0], ht[:, 1], self.nbr_time, self.nbr_w_time).view(j, m, c)
            else:
                z = ht[:, 0].addmm_(self.adj_time, ht[:, 1]).relu_().view(j, m, c)
            # feature-wise graph conv: per joint, (L·N, C) @ (C, C)
            if compiling:
                fsn = torch.bmm(z, self.w_feat_sn[b])  # (J, M, 2C)
                u = self._mix(fsn[..., :c] + self.b_feat[b], fsn[..., c:], self.nbr_feat, self.nbr_w_feat)
                u = u.reshape(j * m, c)
            else:
                fs = torch.baddbmm(self.b_feat[b], z, self.w_feat_sn[b, ..., :c])
                fn = torch.bmm(z, self.w_feat_sn[b, ..., c:])
                u = fs.view(j, m * c).addmm_(self.adj_feat, fn.view(j, m * c)).relu_().view(j * m, c)
            # graph non-local layer
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
            # gated activation sigmoid(a)·tanh(b) = s_a - 2·s_a·sigmoid(-2b), then residual and skip
            mid = torch.addmm(self.b_mid[b], v, self.w_mid[b]).sigmoid_()
            gate = torch.addcmul(mid[:, :c], mid[:, :c], mid[:, c:], value=-2.0)  # (J·M, C) contiguous
            if compiling:
                rs = torch.mm(gate, self.w_res_skip[b])  # (J·M, 2C)
                h = h * (1.0 / math.sqrt(2.0)) + rs[:, :c].view(h.shape)
                skip = skip + rs[:, c:]
            else:
                h2.addmm_(gate, self.w_res_skip[b, :, :c], beta=1.0 / math.sqrt(2.0))
                skip.addmm_(gate, self.w_res_skip[b, :, c:])
        s = skip.relu_()
        out = torch.addmm(self.b_out, s, self.w_out).view(j, l, n, 3)
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
        # bf16: the denoiser's weights and activations in bfloat16 (its matmuls ~3x faster on CPUs with AMX, but
        # eager bf16 element-wise ops are slower: worth it only compiled); the sampler's update stays float32.
        # Otherwise the model's own dtype: float32, or float64 where tests compare whole sampler runs (their
        # float32 round-off grows through the steps by amounts that depend on the CPU's kernels).
        self.dtype = torch.bfloat16 if bf16 else next(model.parameters()).dtype
        # the weights are folded on the CPU (the folding makes its own tensors there), then moved to the model's device
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
