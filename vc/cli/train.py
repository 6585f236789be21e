"""``vc-train``: train the VQ-VAE voice converter on a feature dump (single process or torchrun/DDP)."""

from __future__ import annotations

import argparse
import json
import os
import sys

import torch

from vc.errors import cli_entry


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``vc-train``."""
    p = argparse.ArgumentParser(
        prog="vc-train",
        description="Train the VQ-VAE voice converter (SFVQ or VQ bottleneck). Multi-process: "
                    "torchrun --nproc_per_node N -m vc.cli.train ... (gloo on CPU, nccl on GPU).")
    p.add_argument("--config", required=True, help="YAML config (sections model, quantizer, training)")
    p.add_argument("--data", required=True, help="training feature dump (DUMP/train)")
    p.add_argument("--dev", default=None, help="dev feature dump for the dev loss (DUMP/dev)")
    p.add_argument("--exp", required=True, help="experiment directory to write")
    p.add_argument("--resume", action="store_true",
                   help="continue from the newest checkpoint in --exp (starts fresh if there is none)")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"], help="where to train")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads per process")
    p.add_argument("--quantizer", default=None, choices=["sfvq", "vq"],
                   help="override quantizer.name of the config")
    p.add_argument("--stop-at", type=int, default=None, metavar="STEP",
                   help="stop after STEP steps with a checkpoint (continue later with --resume)")
    p.add_argument("--no-progress", action="store_true", help="no tqdm bar")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-train``."""
    args = build_parser().parse_args(argv)
    from vc.runtime import limit_threads

    if args.threads is not None:
        limit_threads(args.threads)
    elif "OMP_NUM_THREADS" in os.environ:
        torch.set_num_threads(max(1, int(os.environ["OMP_NUM_THREADS"])))
    from vc.config import load_config
    from vc.dump import FeatureDump
    from vc.train.distributed import setup, teardown
    from vc.train.trainer import Trainer

    config = load_config(args.config)
    if args.quantizer:
        config.setdefault("quantizer", {})
        config["quantizer"] = {**(config["quantizer"] or {}), "name": args.quantizer}
    ctx = setup(args.device)
    try:
        trainer = Trainer(config, FeatureDump(args.data), FeatureDump(args.dev) if args.dev else None,
                          args.exp, ctx, resume=args.resume, progress=not args.no_progress)
        summary = trainer.train(until=args.stop_at)
    finally:
        teardown()
    if ctx.is_main:
        print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
