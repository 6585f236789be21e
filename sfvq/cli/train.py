"""``sfvq-train``: fit an SFVQ or VQ to a .npy file or a built-in distribution.

Writes ``OUT/log.jsonl`` (one JSON record per epoch: stage, epoch, corners, lr, loss, held-out
MSE, perplexity, usage, …) and ``OUT/model.pt`` (see :mod:`sfvq.checkpoint`), then prints the
final held-out MSE.

Example::

    sfvq-train --data pentagon --kind sfvq --bits 6 --out exp/sfvq_pentagon
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Sequence

import torch

from sfvq import QUANTIZER_KINDS, build_quantizer
from sfvq._base import GRADIENT_MODES
from sfvq.checkpoint import atomic_path, save_quantizer
from sfvq.cli import Parser, console_main, default_progress, load_data
from sfvq.fit import FitConfig, fit
from sfvq.metrics import smoothness


def build_parser() -> Parser:
    """The argument parser of ``sfvq-train``."""
    p = Parser(prog="sfvq-train", description="Fit a space-filling (or plain) vector quantizer with the growth schedule.")
    p.add_argument("--data", required=True, help="built-in distribution (gaussian, uniform, laplace, pentagon, ring) or an N×D .npy file")
    p.add_argument("--num-samples", type=int, default=65536, help="samples drawn from a built-in distribution (default 65536)")
    p.add_argument("--dim", type=int, default=None, help="dimension of a built-in distribution (default 2); checked against a .npy")
    p.add_argument("--kind", choices=sorted(QUANTIZER_KINDS), default="sfvq")
    p.add_argument("--bits", type=int, default=6, help="log2 of the final number of codewords (default 6)")
    p.add_argument("--gradient", choices=GRADIENT_MODES, default="none", help="'none' (MSE fit, default) or 'nsvq'")
    p.add_argument("--epochs-per-stage", type=int, default=3)
    p.add_argument("--vq-epochs", type=int, default=None, help="VQ epochs (default: the SFVQ budget, epochs-per-stage × (bits − 1))")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--milestones", type=float, nargs="*", default=[0.6, 0.8], help="fractions of a stage where the LR is multiplied by --gamma")
    p.add_argument("--gamma", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--holdout", type=float, default=0.1, help="held-out fraction (default 0.1)")
    p.add_argument("--replace-every", type=int, default=200, help="VQ: replace unused codewords every N batches (0: never)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", required=True, help="output directory for log.jsonl and model.pt")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="show progress bars")
    bar.add_argument("--no-progress", dest="progress", action="store_false")
    return p


@console_main
def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sfvq-train``; returns the exit status."""
    args = build_parser().parse_args(argv)
    torch.set_num_threads(max(1, args.threads))
    if args.num_samples < 2:
        raise ValueError(f"--num-samples must be at least 2, got {args.num_samples}")
    data, data_info = load_data(args.data, args.num_samples, args.dim, args.seed)
    try:
        device = torch.device(args.device)
        torch.empty(0, device=device)
    except (RuntimeError, ValueError) as err:
        raise ValueError(f"--device {args.device!r} is not usable: {str(err).splitlines()[0]}") from None
    quantizer = build_quantizer(args.kind, bits=args.bits, dim=data.shape[1], gradient=args.gradient).to(device)
    config = FitConfig(
        epochs_per_stage=args.epochs_per_stage,
        lr=args.lr,
        batch_size=args.batch_size,
        milestones=tuple(args.milestones),
        gamma=args.gamma,
        holdout=args.holdout,
        seed=args.seed,
        vq_epochs=args.vq_epochs,
        replace_every=args.replace_every,
        progress=default_progress() if args.progress is None else args.progress,
    )
    config.validate()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "log.jsonl"
    with atomic_path(log_path) as tmp, open(tmp, "w", encoding="utf-8") as log:

        def write(record: dict) -> None:
            log.write(json.dumps(record) + "\n")
            log.flush()

        result = fit(quantizer, data, config, on_epoch=write)
    smooth = float(smoothness(quantizer.codebook))
    save_quantizer(
        out / "model.pt",
        quantizer,
        data=data_info,
        fit=dataclasses.asdict(config),
        heldout_mse=result.heldout_mse,
        smoothness=smooth,
    )
    print(f"{args.kind} bits={args.bits} corners={quantizer.active_corners} data={args.data} "
          f"held-out MSE {result.heldout_mse:.6f} smoothness {smooth:.4f}")
    print(f"wrote {log_path} and {out / 'model.pt'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
