"""``vc-extract-features``: log-mel + log-F0 for every utterance of a data directory.

Usage::

    vc-extract-features --data data/train --out dump/train --config conf/config.yaml --nj 2
    vc-extract-features --data data/dev --out dump/dev --config conf/config.yaml --stats-from dump/train

Writes the dump layout of :mod:`vc.dump`. Utterances are processed by ``--nj`` worker processes
(spawned, one torch thread each). Resumable: an utterance whose ``.npz`` already exists and is
valid is not recomputed (it is only read for the statistics). A re-run with a different feature
config into the same ``--out`` is refused. If any utterance fails, every failure is listed
(utterance, file, reason), ``feats.scp``/stats are not written, and the exit status is 1; the
finished ``.npz`` files stay, so the next run only redoes the failed ones.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import re
import sys
from pathlib import Path

from tqdm import tqdm

from vc.config import load_config
from vc.datadir import read_data_dir, write_scp
from vc.dump import (
    FeatureDump,
    UttStats,
    features_problem,
    finalize_f0_stats,
    finalize_mel_stats,
    load_features,
    save_features,
    write_feature_config,
    write_stats,
)
from vc.errors import UserError, cli_entry
from vc.features import FeatureConfig

_SAFE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.+\-]*")
_STATE: dict = {}

Job = tuple[str, str, str]  # (utt, audio path, npz path)


def _init_worker(cfg: FeatureConfig) -> None:
    """Per-process setup: one torch thread, one LogMel module."""
    import torch

    from vc.features import LogMel

    torch.set_num_threads(1)
    _STATE["cfg"] = cfg
    _STATE["logmel"] = LogMel(cfg)


def _process(job: Job) -> tuple[str, UttStats | None, bool, str | None]:
    """Compute (or reuse) one utterance; never raises.

    Returns:
        ``(utt, stats or None, reused, error message or None)``.
    """
    from vc.audio import load_audio
    from vc.f0 import estimate_f0
    from vc.features import log_mel

    utt, wav_path, npz_path = job
    cfg: FeatureConfig = _STATE["cfg"]
    try:
        if Path(npz_path).is_file():
            try:
                arrays = load_features(npz_path, cfg.n_mels)
                return utt, UttStats.from_features(arrays), True, None
            except UserError:
                pass  # unreadable leftover: recompute
        wav = load_audio(wav_path, cfg.sample_rate, min_samples=cfg.win_length)
        mel = log_mel(wav, cfg, _STATE["logmel"])
        log_f0, voiced = estimate_f0(wav, cfg)
        arrays = {"mel": mel, "log_f0": log_f0, "voiced": voiced}
        problem = features_problem(arrays, cfg.n_mels)
        if problem:
            return utt, None, False, f"features of {wav_path}: {problem}"
        save_features(npz_path, mel, log_f0, voiced)
        return utt, UttStats.from_features(arrays), False, None
    except UserError as err:
        return utt, None, False, str(err)
    except Exception as err:  # a bug, but keep going and report it with the others
        return utt, None, False, f"internal error on {wav_path}: {type(err).__name__}: {err}"


def _run(jobs: list[Job], cfg: FeatureConfig, nj: int, progress: bool) -> list[tuple]:
    bar = tqdm(total=len(jobs), desc="features", unit="utt", disable=not progress, file=sys.stderr)
    results = []
    if nj <= 1 or len(jobs) <= 1:
        _init_worker(cfg)
        for job in jobs:
            results.append(_process(job))
            bar.update()
    else:
        ctx = mp.get_context("spawn")
        with ctx.Pool(min(nj, len(jobs)), initializer=_init_worker, initargs=(cfg,)) as pool:
            for res in pool.imap_unordered(_process, jobs, chunksize=4):
                results.append(res)
                bar.update()
    bar.close()
    return results


def _check_config(out: Path, cfg: FeatureConfig) -> None:
    prev = out / "feature_config.yaml"
    if prev.is_file():
        old = FeatureConfig.from_dict(load_config(prev))
        if old != cfg:
            diff = {k: (v, cfg.to_dict()[k]) for k, v in old.to_dict().items() if cfg.to_dict()[k] != v}
            raise UserError(f"{out} was made with a different feature config {diff} (old, new); use a new --out")


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``vc-extract-features``."""
    p = argparse.ArgumentParser(prog="vc-extract-features", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="Kaldi data directory (wav.scp, utt2spk)")
    p.add_argument("--out", required=True, help="output dump directory")
    p.add_argument("--config", help="YAML config; its 'features:' section is used (defaults if absent)")
    p.add_argument("--nj", type=int, default=1, help="parallel worker processes (default 1)")
    p.add_argument("--stats-from", help="take mel mean/std from this (training) dump instead of this set")
    p.add_argument("--no-progress", action="store_true", help="no tqdm progress bar")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    args = build_parser().parse_args(argv)
    if args.nj < 1:
        raise UserError(f"--nj must be >= 1, got {args.nj}")
    cfg = FeatureConfig.from_dict(load_config(args.config).get("features") if args.config else None)
    data = read_data_dir(args.data)
    if not data.wav_scp:
        raise UserError(f"{args.data}/wav.scp lists no utterances")
    stats_from = None
    if args.stats_from:
        stats_from = FeatureDump(args.stats_from)
        if stats_from.feature_config != cfg:
            raise UserError(f"--stats-from {args.stats_from} was made with a different feature config")
        mel_mean, mel_std = stats_from.mel_stats
    out = Path(args.out)
    _check_config(out, cfg)
    # A run in progress must not leave an old, now inconsistent scp/stats behind.
    for name in ("feats.scp", "utt2spk", "spk2utt", "mel_stats.npz", "f0_stats.json"):
        (out / name).unlink(missing_ok=True)
    feats = out / "feats"
    feats.mkdir(parents=True, exist_ok=True)
    for tmp in feats.glob(".*.tmp.npz"):
        tmp.unlink(missing_ok=True)  # left by a killed run
    write_feature_config(out, cfg)

    jobs: list[Job] = []
    failures: list[str] = []
    for utt in data.utts:
        wav_path = data.wav_path(utt)
        if not _SAFE_ID.fullmatch(utt):
            failures.append(f"{utt} ({wav_path}): utterance id is not usable as a file name")
            continue
        jobs.append((utt, str(wav_path), str(feats / f"{utt}.npz")))
    results = _run(jobs, cfg, args.nj, progress=not args.no_progress)
    stats: dict[str, UttStats] = {}
    reused = 0
    for utt, st, was_reused, err in results:
        if err is not None:
            failures.append(f"{utt} ({data.wav_path(utt)}): {err}")
        else:
            stats[utt] = st
            reused += was_reused
    if failures:
        print(f"{len(failures)} of {len(data.utts)} utterances failed:", file=sys.stderr)
        for line in sorted(failures):
            print(f"  {line}", file=sys.stderr)
        raise UserError(
            f"feature extraction failed for {len(failures)} utterance(s); feats.scp and stats not written "
            f"(finished utterances are kept and reused on the next run)"
        )
    order = sorted(stats)
    if stats_from is None:
        mel_mean, mel_std = finalize_mel_stats([stats[u] for u in order])
    per_spk: dict[str, list[UttStats]] = {}
    for utt in order:
        per_spk.setdefault(data.utt2spk[utt], []).append(stats[utt])
    f0_stats = finalize_f0_stats(per_spk)
    write_stats(out, mel_mean, mel_std, f0_stats)
    sub = data.subset(order)
    write_scp(out / "utt2spk", sub.utt2spk)
    write_scp(out / "spk2utt", {s: " ".join(u) for s, u in sub.spk2utt.items()})
    write_scp(out / "feats.scp", {u: f"feats/{u}.npz" for u in order})  # last: marks the dump finished
    hours = sum(stats[u].frames for u in order) / cfg.frame_rate / 3600
    print(
        f"{out}: {len(order)} utterances ({len(order) - reused} computed, {reused} reused), "
        f"{len(per_spk)} speakers, {hours:.2f} h",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    main()
