#!/usr/bin/env python
"""Throughput and peak extra memory of the SFVQ kernels versus a straightforward broadcast version.

Cases (issue 2):

* training step (dithered forward + MSE + backward + Adam) at (dim, corners, batch) =
  (64, 512, 4096) and (128, 32, 64), in vectors per second;
* projection of 100 000 × 64 vectors onto a 256-corner curve (exact, all segments), in seconds.

The broadcast baseline lives in this file: it forms the (batch, corners, dim) difference tensor
inside autograd for training, like the upstream code, and the (rows, segments, dim) tensors for
the exact projection. Unbatched, that projection would need several (100 000, 255, 64) float32
tensors (6.5 GB each), which is unkind on a shared machine, so by default it runs over row
chunks of --baseline-rows (4096); pass --baseline-rows 0 for the all-at-once version.

Memory: every run of a (case, implementation) is a fresh Python subprocess. After the model, data
and optimizer exist, the worker resets the kernel's peak-RSS counter (``/proc/self/clear_refs``)
and notes its current RSS; "peak extra" is the high-water RSS (VmHWM) reached during warm-up
and timed steps minus that RSS. It therefore counts every byte the steps touch (autograd
buffers, Adam state, outputs, allocator slack), not only torch tensors. If clear_refs is not
available the fallback is ``ru_maxrss`` minus the RSS before the first step (marked "~").

Usage: OMP_NUM_THREADS=1 python tools/bench_sfvq.py [--threads 1] [--seconds 3]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRAIN_CASES = [(64, 512, 4096), (128, 32, 64)]
PROJECTION_CASE = (64, 256, 100_000)


# ----- memory probes -----------------------------------------------------------------------
def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class PeakMemory:
    """Peak extra RSS (MB) between :meth:`start` and :meth:`stop`."""

    def start(self) -> None:
        try:
            Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
            self.exact = True
        except OSError:
            self.exact = False
        self.base_kb = _status_kb("VmRSS") or 0

    def stop(self) -> float:
        peak = _status_kb("VmHWM") if self.exact else None
        if peak is None:
            self.exact = False
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
        return max(0, peak - self.base_kb) / 1024.0


# ----- the two implementations -------------------------------------------------------------
def broadcast_train_step(corners, x, optimizer):
    """Upstream-style dithered training step with an (N, K − 1, D) tensor inside autograd."""
    import torch

    lam = torch.rand(corners.shape[0] - 1, 1)
    points = corners[:-1] + lam * (corners[1:] - corners[:-1])
    dist = ((x.unsqueeze(1) - points.unsqueeze(0)) ** 2).sum(dim=-1)  # (N, K − 1)
    quantized = points[dist.argmin(dim=1)]
    loss = ((x - quantized) ** 2).mean()
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()


def broadcast_project(corners, x, rows):
    """Exact projection onto all segments with (rows, K − 1, D) broadcast tensors."""
    import torch

    start, direction = corners[:-1], corners[1:] - corners[:-1]
    d_sq = (direction**2).sum(dim=-1).clamp(min=1e-30)
    out_q, out_pos = [], []
    rows = rows or x.shape[0]
    for begin in range(0, x.shape[0], rows):
        xs = x[begin : begin + rows]
        diff = xs.unsqueeze(1) - start.unsqueeze(0)  # (r, S, D)
        lam = ((diff * direction).sum(dim=-1) / d_sq).clamp(0, 1)  # (r, S)
        dist = ((diff - lam.unsqueeze(-1) * direction) ** 2).sum(dim=-1)
        seg = dist.argmin(dim=1)
        best = lam.gather(1, seg.unsqueeze(1)).squeeze(1)
        out_q.append(start[seg] + best.unsqueeze(1) * direction[seg])
        out_pos.append(seg + best)
    return torch.cat(out_q), torch.cat(out_pos)


def make_curve(dim: int, corners: int):
    """A grown SFVQ with ``corners`` active corners spread like a fitted curve."""
    import torch

    from sfvq import SpaceFillingVQ

    q = SpaceFillingVQ(bits=int(math.log2(corners)), dim=dim, gradient="none")
    while q.active_corners < corners:
        q.grow()
    with torch.no_grad():
        q.weight.copy_(torch.randn(corners, dim))
    return q


def worker(kind: str, impl: str, dim: int, corners: int, batch: int, seconds: float, threads: int, baseline_rows: int) -> dict:
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    q = make_curve(dim, corners)
    x = torch.randn(batch, dim)
    memory = PeakMemory()
    if kind == "train":
        if impl == "ours":
            optimizer = torch.optim.Adam(q.parameters(), lr=1e-3)

            def step() -> None:
                loss = ((q(x).quantized - x) ** 2).mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
        else:
            corners_param = torch.nn.Parameter(q.codebook.detach().clone())
            optimizer = torch.optim.Adam([corners_param], lr=1e-3)

            def step() -> None:
                broadcast_train_step(corners_param, x, optimizer)
    else:
        if impl == "ours":
            def step() -> None:
                q.project(x)
        else:
            codebook = q.codebook.detach().clone()

            def step() -> None:
                with torch.no_grad():
                    broadcast_project(codebook, x, baseline_rows)
    memory.start()
    step()  # warm-up (allocates Adam state, first-touch pages)
    durations: list[float] = []
    begin = time.perf_counter()
    while True:
        t0 = time.perf_counter()
        step()
        durations.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - begin
        if (kind == "project" or len(durations) >= 3) and elapsed >= seconds:
            break
    extra = memory.stop()
    median = statistics.median(durations)
    return {"steps": len(durations), "per_step": median, "vectors_per_s": batch / median,
            "extra_mb": extra, "exact_memory": memory.exact}


def run_case(kind: str, impl: str, dim: int, corners: int, batch: int, args: argparse.Namespace) -> dict:
    """Run one worker subprocess per round; keep the fastest round, and the largest memory."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, impl, str(dim), str(corners), str(batch),
           "--seconds", str(args.seconds if kind == "train" else 0.0), "--threads", str(args.threads),
           "--baseline-rows", str(args.baseline_rows)]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    rounds = args.rounds if (kind == "train" or impl == "ours") else 1
    results = []
    for _ in range(rounds):
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            raise SystemExit(f"error: worker {kind}/{impl} failed:\n{done.stderr.strip()}")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    best = dict(max(results, key=lambda r: r["vectors_per_s"]))
    best["extra_mb"] = max(r["extra_mb"] for r in results)
    best["exact_memory"] = all(r["exact_memory"] for r in results)
    return best


def mb(result: dict) -> str:
    return f"{'' if result['exact_memory'] else '~'}{result['extra_mb']:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="SFVQ kernel benchmark (see the module docstring).")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per training run")
    parser.add_argument("--rounds", type=int, default=2, help="fresh processes per case; the fastest counts")
    parser.add_argument("--baseline-rows", type=int, default=4096, help="row chunk of the broadcast projection (0: all)")
    parser.add_argument("--worker", nargs=5, metavar=("KIND", "IMPL", "DIM", "CORNERS", "BATCH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, impl, dim, corners, batch = args.worker
        print(json.dumps(worker(kind, impl, int(dim), int(corners), int(batch), args.seconds, args.threads, args.baseline_rows)))
        return 0

    import torch

    print(f"torch {torch.__version__}, {args.threads} thread(s), CPU; shared machine: timings are noisy.")
    print(f"vectors/s and ms/step: median step time of the fastest of {args.rounds} fresh processes (the broadcast")
    print("projection: one process, one timed call). peak extra: high-water RSS during the steps minus RSS")
    print("before them (MB), the largest over the processes.")
    print(f"{'case':38s} {'impl':10s} {'vectors/s':>12s} {'ms/step':>9s} {'peak extra MB':>14s}")
    for dim, corners, batch in TRAIN_CASES:
        ours = run_case("train", "ours", dim, corners, batch, args)
        base = run_case("train", "broadcast", dim, corners, batch, args)
        label = f"train step D={dim} K={corners} B={batch}"
        for name, r in (("ours", ours), ("broadcast", base)):
            print(f"{label:38s} {name:10s} {r['vectors_per_s']:12,.0f} {1e3 * r['per_step']:9.2f} {mb(r):>14s}")
            label = ""
        print(f"{'':38s} {'ratio':10s} {ours['vectors_per_s'] / base['vectors_per_s']:11.1f}x {'':9s} "
              f"{'1/' + format(base['extra_mb'] / max(ours['extra_mb'], 1e-9), '.1f'):>14s}")
    dim, corners, n = PROJECTION_CASE
    ours = run_case("project", "ours", dim, corners, n, args)
    base = run_case("project", "broadcast", dim, corners, n, args)
    label = f"project N={n} D={dim} K={corners}"
    chunk = f"broadcast/{args.baseline_rows}" if args.baseline_rows else "broadcast"
    for name, r in (("ours", ours), (chunk, base)):
        print(f"{label:38s} {name:10s} {r['vectors_per_s']:12,.0f} {1e3 * r['per_step']:9.1f} {mb(r):>14s}")
        label = ""
    print(f"{'':38s} {'ratio':10s} {ours['vectors_per_s'] / base['vectors_per_s']:11.1f}x {'':9s} "
          f"{'1/' + format(base['extra_mb'] / max(ours['extra_mb'], 1e-9), '.1f'):>14s}")
    print(f"projection of {n} vectors: ours {ours['per_step']:.3f} s, {ours['extra_mb']:.1f} MB extra (target <= 200 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
