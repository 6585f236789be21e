#!/usr/bin/env python3
"""Benchmark conversion speed: real-time factor of ``Converter.convert`` (features + model + vocoder).

Usage: python tools/bench_convert.py [--model EXPDIR] [--seconds 3] [--repeats 5] [--threads 1] [--wav FILE]
       [--vocoder NAME]

Input: ``--wav`` (cut or tiled to ``--seconds``), else the first FLAC of recipes/mini/corpus, else a
synthetic vowel-like signal. One warm-up call, then the median wall time of ``--repeats`` calls.
Timings depend on machine load: quote them with that caveat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="real-time factor of voice conversion")
    ap.add_argument("--model", default=None, help="experiment dir (default: newest recipes/*/exp/*/model.pt)")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--wav", default=None)
    ap.add_argument("--vocoder", default=None, help="vocoder name overriding the model config's")
    args = ap.parse_args(argv)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from vc.audio import load_audio
    from vc.cli.convert import newest_model
    from vc.convert import Converter
    from vc.errors import UserError

    try:
        model = Path(args.model) if args.model else newest_model()
        conv = Converter.from_pretrained(model, vocoder=args.vocoder)
        sr = conv.sample_rate
        wav_path = args.wav or next(iter(sorted((ROOT / "recipes/mini/corpus").rglob("*.flac"))), None)
        if wav_path:
            wav = load_audio(wav_path, sr)
        else:
            t = np.arange(int(args.seconds * sr)) / sr
            f0 = 120 + 20 * np.sin(2 * np.pi * 0.7 * t)
            ph = 2 * np.pi * np.cumsum(f0) / sr
            wav = sum(np.sin(k * ph) / k for k in range(1, 25)).astype(np.float32) * 0.3
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    n = int(args.seconds * sr)
    wav = np.resize(wav, n).astype(np.float32)  # cut or tile to the wanted length
    target = conv.speakers[-1]
    conv.convert(wav, sr, target)  # warm-up
    times, cpu = [], []
    for _ in range(args.repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        out, _ = conv.convert(wav, sr, target)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = float(np.median(times))
    print(f"model {model}; input {args.seconds:.2f} s ({'file ' + str(wav_path) if wav_path else 'synthetic'}); "
          f"{args.threads} thread(s); vocoder {type(conv.vocoder).__name__}")
    print(f"conversion time median {med:.3f} s (min {min(times):.3f}, max {max(times):.3f}) over {args.repeats} runs")
    print(f"RTF {med / args.seconds:.4f}  (wall clock; target <= 0.1; measured on a shared machine, so times are noisy)")
    print(f"CPU-time RTF {float(np.median(cpu)) / args.seconds:.4f}  (process CPU seconds per audio second: "
          f"what the wall-clock RTF is on an idle core)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
