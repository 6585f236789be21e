"""Benchmark feature extraction speed (log-mel + F0) in x real time per CPU core.

Runs on one thread. Input: the utterances of a data directory (``--data``), or synthetic
speech-like signals (harmonic tones with vibrato, noise bursts and pauses) by default.
Prints mel, F0 and combined speed for each of ``--repeats`` passes and the best pass; with
``--data`` also the audio loading (decode + resample) speed.

    python tools/bench_features.py                      # synthetic, 60 s of audio
    python tools/bench_features.py --data recipes/mini/data/train --limit 50

The machine may be shared with other jobs; the load average is printed with the results, and
the best pass is the least disturbed estimate.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from vc.config import load_config  # noqa: E402
from vc.errors import cli_entry  # noqa: E402
from vc.f0 import estimate_f0  # noqa: E402
from vc.features import FeatureConfig, LogMel, log_mel  # noqa: E402


def synthetic_utterances(n: int, seconds: float, sr: int, seed: int = 0) -> list[np.ndarray]:
    """Speech-like test signals: voiced stretches (harmonics, vibrato), noise bursts, pauses.

    Returns:
        ``n`` float32 arrays of ``seconds * sr`` samples.
    """
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        t = np.arange(int(seconds * sr)) / sr
        f0 = rng.uniform(90, 250) * (1 + 0.1 * np.sin(2 * np.pi * rng.uniform(0.5, 3) * t))
        phase = 2 * np.pi * np.cumsum(f0) / sr
        voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
        gate = (np.sin(2 * np.pi * rng.uniform(1, 4) * t) > -0.3).astype(float)
        x = voiced * gate + 0.3 * rng.standard_normal(len(t)) * (1 - gate)
        x[: int(0.2 * sr)] = 0.0
        out.append((0.3 * x / np.abs(x).max()).astype(np.float32))
    return out


def _time(fn, items) -> float:
    t0 = time.perf_counter()
    for item in items:
        fn(item)
    return time.perf_counter() - t0


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    p = argparse.ArgumentParser(description="log-mel + F0 speed in x real time per core")
    p.add_argument("--data", help="data directory to read utterances from (default: synthetic audio)")
    p.add_argument("--config", help="YAML config with a features: section")
    p.add_argument("--limit", type=int, default=100, help="at most this many utterances from --data")
    p.add_argument("--n", type=int, default=20, help="synthetic utterances")
    p.add_argument("--seconds", type=float, default=3.0, help="length of each synthetic utterance")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    cfg = FeatureConfig.from_dict(load_config(args.config).get("features") if args.config else None)
    module = LogMel(cfg)
    load_speed = None
    if args.data:
        from vc.audio import load_audio
        from vc.datadir import read_data_dir

        d = read_data_dir(args.data)
        paths = [d.wav_path(u) for u in d.utts[: args.limit]]
        t0 = time.perf_counter()
        wavs = [load_audio(pth, cfg.sample_rate) for pth in paths]
        load_time = time.perf_counter() - t0
        source = f"{len(wavs)} utterances of {args.data}"
    else:
        wavs = synthetic_utterances(args.n, args.seconds, cfg.sample_rate)
        source = f"{len(wavs)} synthetic utterances of {args.seconds:g} s"
    audio = sum(len(w) for w in wavs) / cfg.sample_rate
    if args.data:
        load_speed = audio / load_time
    log_mel(wavs[0], cfg, module)  # warm-up
    estimate_f0(wavs[0], cfg)
    print(f"input: {source}, {audio:.1f} s of audio at {cfg.sample_rate} Hz; 1 thread")
    best = (0.0, 0.0, 0.0)
    for r in range(args.repeats):
        t_mel = _time(lambda w: log_mel(w, cfg, module), wavs)
        t_f0 = _time(lambda w: estimate_f0(w, cfg), wavs)
        speeds = (audio / t_mel, audio / t_f0, audio / (t_mel + t_f0))
        best = tuple(max(a, b) for a, b in zip(best, speeds))
        print(f"pass {r + 1}: mel {speeds[0]:8.0f}x  F0 {speeds[1]:8.0f}x  mel+F0 {speeds[2]:8.0f}x real time per core")
    print(f"best:   mel {best[0]:8.0f}x  F0 {best[1]:8.0f}x  mel+F0 {best[2]:8.0f}x real time per core")
    if load_speed is not None:
        print(f"audio loading (decode + resample + normalise): {load_speed:.0f}x real time per core")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"note: shared machine ({os.cpu_count()} cores, load average {load}); other jobs slow these numbers down")
    return 0


if __name__ == "__main__":
    main()
