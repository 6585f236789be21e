"""Evaluation in several worker processes (``vc-evaluate --nj N``), one torch thread each."""

from __future__ import annotations

from collections import defaultdict
from typing import Callable, Sequence

import numpy as np

from .pairs import Pair
from .runner import Evaluator, copy_source, run_pairs


def _run_chunk(job: dict) -> tuple[list[dict], dict[str, str], dict[str, float]]:
    """Worker: evaluate every model on one chunk of pairs (runs in a fresh process)."""
    import torch

    from vc.datadir import read_data_dir

    torch.set_num_threads(1)
    data = read_data_dir(job["data"])
    ev = Evaluator(data, job["metrics"], sample_rate=job["sample_rate"], ref_utts=job["ref_utts"],
                   device=job["device"], log=lambda s: None)
    rows: list[dict] = []
    for label, expdir in job["models"]:
        convert = copy_source
        if expdir is not None:
            from vc.convert import Converter

            convert = Converter.from_pretrained(expdir, device=job["device"]).convert
        save = None if job["save_dir"] is None else f"{job['save_dir']}/{label}"
        rows += run_pairs(ev, job["pairs"], convert, label, save_dir=save)
    return rows, ev.skipped, dict(ev.timings)


def evaluate_parallel(data_path: str, pairs: Sequence[Pair], models: Sequence[tuple[str, str | None]],
                      metrics: Sequence[str], nj: int, sample_rate: int = 16000, ref_utts: int = 5,
                      device: str = "cpu", save_dir: str | None = None, log: Callable[[str], None] = print
                      ) -> tuple[list[dict[str, object]], dict[str, str], dict[str, float]]:
    """Evaluate ``models`` on ``pairs`` in ``nj`` worker processes (one torch thread each).

    The pairs (sorted by source utterance) are cut into ``nj`` contiguous chunks; each worker
    loads the data directory and the models itself and runs every model on its chunk, so cached
    analyses of real speech are shared between models within a worker.

    Args:
        data_path: the data directory.
        pairs: pairs to evaluate.
        models: ``(label, expdir)``; expdir None evaluates the unconverted source (:func:`copy_source`).
        metrics: metric families.
        nj: worker processes (>= 1).
        sample_rate, ref_utts, device: as for :class:`Evaluator`.
        save_dir: if given, converted speech goes to ``save_dir/<label>/``.
        log: receives the skip messages (once) and chunk progress.

    Returns:
        ``(rows, skipped, timings)``: rows grouped by model in ``models`` order, pairs in input
        order; timings summed over workers (CPU-seconds, not wall time).
    """
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pairs = list(pairs)
    nj = max(1, min(int(nj), len(pairs)))
    bounds = np.linspace(0, len(pairs), nj + 1).round().astype(int)
    jobs = [{"data": str(data_path), "pairs": pairs[a:b], "models": list(models), "metrics": list(metrics),
             "sample_rate": sample_rate, "ref_utts": ref_utts, "device": device,
             "save_dir": None if save_dir is None else str(save_dir)} for a, b in zip(bounds[:-1], bounds[1:])]
    results = []
    with ProcessPoolExecutor(max_workers=nj, mp_context=mp.get_context("spawn")) as pool:
        for k, res in enumerate(pool.map(_run_chunk, jobs)):
            results.append(res)
            log(f"chunk {k + 1}/{nj} done ({len(jobs[k]['pairs'])} pairs)")
    skipped: dict[str, str] = {}
    timings: dict[str, float] = defaultdict(float)
    for _, sk, tm in results:
        skipped.update(sk)
        for key, sec in tm.items():
            timings[key] += sec
    for reason in skipped.values():
        log(f"skip: {reason}")
    rows = []
    for label, _ in models:
        for chunk_rows, _, _ in results:
            rows += [r for r in chunk_rows if r["model"] == label]
    return rows, skipped, dict(timings)
