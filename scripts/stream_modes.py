"""Causal vs centred windows, with and without test-time flip, for each amount of the 2D fit, on held-out mocap
streams: the streaming lifter (k, H, stride: the defaults) on the held-out subjects' sequences seen by one virtual
camera with detector-like 2D noise, scored against the mocap joint centres, as `diffhpe bench --accuracy` scores
its rows (without its slow paper-sampler and compiled rows); steady bones on and off. It is what chose
`stream_defaults.DEFAULT_FILE_MODE`, `DEFAULT_FIT_2D` and `DEFAULT_STEADY_BONES`.

Usage: python scripts/stream_modes.py --mocap cache/mocap_h36m17 [--model CKPT] [--sequences 8] [--frames 600]
       [--fit-2d 0 0.35 ...] [--json OUT]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def settings(fits: list[float]) -> tuple:
    """(label, lifter options): each mode at each 2D-fit amount (steady bones, the default), then each mode at the
    last amount without steady bones, then with flip."""
    modes = ("causal", "centred")
    rows = [(f"{m}, fit {a:g}", {"mode": m, "fit_2d": a}) for a in fits for m in modes]
    last = fits[-1]
    rows += [
        (f"{m}, fit {last:g}, free bones", {"mode": m, "fit_2d": last, "steady_bones": False}) for m in modes
    ]
    rows += [(f"{m}, fit {last:g}, flip", {"mode": m, "fit_2d": last, "flip": True}) for m in modes]
    return tuple(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mocap", required=True, help="converted clips (diffhpe data mocap)")
    ap.add_argument("--model", help="checkpoint (default: the shipped default)")
    ap.add_argument("--sequences", type=int, default=8, help="held-out sequences (default 8)")
    ap.add_argument("--frames", type=int, default=600, help="frames per sequence (default 600)")
    ap.add_argument(
        "--fit-2d", type=float, nargs="+", default=[0.0, 0.35], help="2D-fit amounts (default 0 0.35)"
    )
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    ap.add_argument("--json", help="write the rows as JSON")
    args = ap.parse_args()

    import torch

    import lifting.stream_accuracy as sa
    from lifting.export import write_json
    from lifting.weights import load_model, resolve_checkpoint

    torch.set_num_threads(args.threads)
    ckpt = resolve_checkpoint(args.model)
    model, cfg, _ = load_model(ckpt, "cpu")
    seqs = sa.held_out_sequences(args.mocap, args.sequences, args.frames)
    print(f"{ckpt.name}: {len(seqs)} held-out sequences, {sum(len(k) for k, _ in seqs)} frames")
    rows = sa.accuracy_table(
        model, cfg, "cpu", seqs,
        lambda r: print(
            f"  {r['setting']:>22}: MPJPE {r['mpjpe']:.1f}  P-MPJPE {r['p_mpjpe']:.1f}  sym gap {r['sym_gap']:.1f}"
            f"  seg std {r['seg_std']:.1f} mm  ({r['seconds']:.0f} s)",
            flush=True,
        ),
        settings=settings(args.fit_2d),
    )  # fmt: skip
    if args.json:
        write_json(
            args.json, {"model": ckpt.name, "sequences": len(seqs), "frames": args.frames, "rows": rows}
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
