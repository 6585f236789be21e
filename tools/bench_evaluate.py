#!/usr/bin/env python
"""Benchmark the evaluation: wall time for N pairs (default 100), split by metric family.

Usage:
    python tools/bench_evaluate.py --data DATADIR [--model EXPDIR] [--pairs 100] [--seed 0]
                                   [--metrics mcd,f0,speaker,asr,dnsmos] [--threads 1] [--out DIR]

With ``--model`` the pairs are converted by the model (conversion time is reported separately:
it is the model's cost). Without it, the "converted" speech is the source utterance itself, so
only the metric part is timed, on real corpus audio. Everything runs in this process with
``--threads`` torch/OpenMP threads (default 1). The machine may be shared: the load average
before and after is printed so the numbers can be judged.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="Kaldi data directory (parallel sentences)")
    p.add_argument("--model", default=None, help="model directory; default: no conversion (source copy)")
    p.add_argument("--pairs", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--metrics", default="mcd,f0,speaker,asr,dnsmos")
    p.add_argument("--threads", type=int, default=1, help="torch threads of the in-process run (--nj 1)")
    p.add_argument("--nj", type=int, default=1, help="worker processes (one thread each)")
    p.add_argument("--out", default=None, help="also write the report here")
    args = p.parse_args()
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    import torch

    from vc.datadir import read_data_dir
    from vc.evaluation.pairs import select_pairs
    from vc.evaluation.report import summary_markdown, write_report
    from vc.evaluation.parallel import evaluate_parallel
    from vc.evaluation.runner import Evaluator, copy_source, run_pairs

    torch.set_num_threads(args.threads)
    data = read_data_dir(args.data)
    if args.model:
        from vc.convert import Converter

        conv = Converter.from_pretrained(args.model)
        convert, label, targets = conv.convert, os.path.basename(os.path.normpath(args.model)), conv.speakers
    else:
        convert, label, targets = copy_source, "source-copy", data.speakers
    pairs = select_pairs(data, targets, args.pairs, args.seed)
    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    t_setup0 = time.perf_counter()
    if args.nj == 1:
        ev = Evaluator(data, metrics, log=print)
        t_run0 = time.perf_counter()
        rows = run_pairs(ev, pairs, convert, label)
        skipped, timings = ev.skipped, dict(ev.timings)
    else:
        t_run0 = time.perf_counter()
        rows, skipped, timings = evaluate_parallel(args.data, pairs, [(label, args.model)], metrics, args.nj)
    active = [m for m in metrics if m not in skipped]
    t_end = time.perf_counter()
    if args.out:
        print(summary_markdown(write_report(args.out, rows, skipped, timings)))
    n = len(pairs)
    total = t_end - t0
    print(f"pairs: {n} ({sum(p.parallel for p in pairs)} parallel), model: {label}, threads: {args.threads}, "
          f"processes: {args.nj}, metrics: {', '.join(active)}" + (f"; skipped: {', '.join(skipped)}" if skipped else ""))
    print(f"imports+data: {t_setup0 - t0:.1f} s, metric setup: {t_run0 - t_setup0:.1f} s, "
          f"pairs: {t_end - t_run0:.1f} s, total: {total:.1f} s ({total / max(n, 1):.2f} s/pair)")
    print("time per stage (summed over processes):")
    for key, sec in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<16} {sec:8.1f} s")
    print(f"100-pair budget 300 s on 2 cores: "
          f"{'met' if total * 100 / max(n, 1) <= 300 else 'NOT met'} (extrapolated {total * 100 / max(n, 1):.0f} s)")
    print(f"load average before: {load_before[0]:.2f}, after: {os.getloadavg()[0]:.2f} "
          f"(the machine is shared: timings are noisy)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
