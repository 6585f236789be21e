#!/usr/bin/env python
"""Benchmark of the latent analysis: one hour of latents (180 000 frames at 50 Hz) on one CPU core.

Writes a synthetic corpus (an encoding directory as vc-encode makes it, one TextGrid per utterance and a
textgrid.scp) to a temporary directory, then times the full analysis as ``vc-analyze-latents`` runs it:
reading latents and TextGrids, alignment, all metrics (1000 random orders), the figures (PNG + PDF) and the
report. Prints the time of each phase and the total against the 60 s target.

Usage: python tools/bench_analysis.py [--frames 180000] [--compare] [--permutations 1000] [--out DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import torch  # noqa: E402

torch.set_num_threads(1)

from vc.analysis.pipeline import run_analysis  # noqa: E402
from vc.analysis.synthetic import synthetic_corpus  # noqa: E402
from vc.textgrids import write_textgrid  # noqa: E402

TARGET_S = 60.0


def make_inputs(root: str, frames: int, compare: bool) -> list[str]:
    """Write encoding directories and TextGrids for a synthetic corpus; return the model directories."""
    models = []
    for ordered in ([True, False] if compare else [True]):
        latents, labels = synthetic_corpus(frames, n_indices=256, dim=64, ordered=ordered, seed=0)
        path = os.path.join(root, "sfvq" if ordered else "vq")
        latents.save(path)
        models.append(path)
    data = os.path.join(root, "data")
    os.makedirs(os.path.join(data, "tg"), exist_ok=True)
    lines = []
    for utt, ivs in labels.intervals.items():
        write_textgrid(os.path.join(data, "tg", f"{utt}.TextGrid"), {"phones": ivs}, xmax=ivs[-1].end)
        lines.append(f"{utt} tg/{utt}.TextGrid\n")
    with open(os.path.join(data, "textgrid.scp"), "w", encoding="utf-8") as f:
        f.writelines(sorted(lines))
    return models


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--frames", type=int, default=180_000)
    p.add_argument("--compare", action="store_true", help="also analyse a VQ-like set beside it")
    p.add_argument("--permutations", type=int, default=1000)
    p.add_argument("--out", help="keep the outputs here (default: a temporary directory)")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        models = make_inputs(tmp, args.frames, args.compare)
        t1, c1 = time.perf_counter(), time.process_time()
        out = args.out or os.path.join(tmp, "out")
        with open(os.devnull, "w") as null:
            run = run_analysis(models, os.path.join(tmp, "data"), out, ["joint"] * len(models),
                               n_perm=args.permutations, log=null)
        t2, c2 = time.perf_counter(), time.process_time()
    m = run.analyses[0].metrics
    print(f"input: {m['frames']['total']} frames ({m['frames']['total'] / 50 / 3600:.2f} h at 50 Hz), "
          f"{m['frames']['utterances']} utterances, K = {m['n_indices']}, {len(models)} set(s); "
          f"writing the synthetic inputs took {t1 - t0:.1f} s (not counted)")
    print("adjacent-index JSD z-score: " + ", ".join(f"{a.name} {a.metrics['adjacent_jsd']['z']:.1f}"
                                                       for a in run.analyses))
    total = t2 - t1
    verdict = "within" if total <= TARGET_S else "OVER"
    print(f"analysis (read + align + metrics + {len(run.files)} files incl. figures): {total:.1f} s wall, "
          f"{c2 - c1:.1f} s CPU on {torch.get_num_threads()} thread(s), {verdict} the {TARGET_S:.0f} s target "
          f"(wall time; other processes on the machine slow it down)")


if __name__ == "__main__":
    main()
