#!/usr/bin/env python3
"""Benchmark training throughput (frames/s) of the VQ-VAE for a config on a feature dump.

Usage: python tools/bench_train.py --config recipes/mini/conf/mini.yaml --data recipes/mini/dump/train
       [--steps 60] [--threads 1] [--quantizer sfvq|vq]

Runs ``--steps`` training steps in a temporary experiment directory (no dev set) after 5 warm-up
steps and prints mel frames per second (batch_size x segment_frames per step). Timings depend on
machine load: quote them with that caveat.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="training throughput in frames/s")
    ap.add_argument("--config", required=True)
    ap.add_argument("--data", required=True, help="training feature dump")
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--quantizer", default=None, choices=["sfvq", "vq"])
    args = ap.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import torch

    torch.set_num_threads(args.threads)
    from vc.config import load_config
    from vc.dump import FeatureDump
    from vc.errors import UserError
    from vc.train.distributed import setup
    from vc.train.trainer import Trainer

    try:
        cfg = load_config(args.config)
        dump = FeatureDump(args.data)
        cfg = copy.deepcopy(cfg)
        if args.quantizer:
            cfg.setdefault("quantizer", {})["name"] = args.quantizer
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(cfg, dump, None, Path(tmp) / "bench", setup("cpu"), progress=False)
            for _ in range(5):
                trainer._train_step()
            t0 = time.perf_counter()
            for _ in range(args.steps):
                trainer._train_step()
            dt = time.perf_counter() - t0
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    frames = args.steps * int(trainer.t["batch_size"]) * int(trainer.t["segment_frames"])
    print(f"config {args.config}; quantizer {trainer.q['name']} ({trainer.model.quantizer.active_corners} corners "
          f"active at start); {sum(p.numel() for p in trainer.model.parameters())} parameters; "
          f"{args.threads} thread(s)")
    print(f"{args.steps} steps in {dt:.2f} s: {frames / dt:.0f} frames/s ({frames / dt / 100:.1f} s of audio per s; "
          f"shared machine, numbers are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
