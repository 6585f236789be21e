"""``vc-evaluate``: objective evaluation of a voice-conversion model (and optionally a second one).

Usage::

    vc-evaluate --model EXPDIR --data DATADIR --out DIR [--compare EXPDIR2] [--pairs N] [--seed S]
                [--metrics mcd,f0,speaker,asr,dnsmos] [--ref-utts K] [--nj N] [--no-save-wavs]

Picks source-utterance/target-speaker pairs from DATADIR (all, or N drawn with seed S, parallel
ones first), converts each with every model, and measures MCD and F0 agreement against the
target speaker's utterance of the same sentence, speaker similarity, ASR error rates and DNSMOS
(see :mod:`vc.evaluation.runner`). Writes ``DIR/results.csv``, ``DIR/summary.json``,
``DIR/summary.md``, ``DIR/distributions.png``, ``DIR/per_speaker.png`` and the converted speech
under ``DIR/wav/<model>/``; prints the summary table. Metrics whose optional package is missing
are skipped with a message (install them with ``pip install 'sfvq-vc[eval]'``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``vc-evaluate``."""
    p = argparse.ArgumentParser(prog="vc-evaluate", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="trained model directory (EXPDIR)")
    p.add_argument("--data", required=True, help="Kaldi data directory of the evaluation set")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--compare", default=None, help="a second model directory evaluated on the same pairs")
    p.add_argument("--pairs", type=int, default=None, help="number of pairs to draw (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of the pair draw (default 0)")
    p.add_argument("--metrics", default="mcd,f0,speaker,asr,dnsmos",
                   help="comma-separated metric families (default: all)")
    p.add_argument("--ref-utts", type=int, default=5,
                   help="real utterances averaged into each speaker embedding (default 5)")
    p.add_argument("--sample-rate", type=int, default=16000, help="evaluation sample rate (default 16000)")
    p.add_argument("--device", default="cpu", help="torch device for conversion and speaker encoder")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--nj", type=int, default=1,
                   help="worker processes, each with one thread, splitting the pairs (default 1)")
    p.add_argument("--no-save-wavs", action="store_true", help="do not write the converted speech")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _labels(paths: list[str]) -> list[str]:
    """Short unique model labels from directory names."""
    names = [Path(p).resolve().name or "model" for p in paths]
    if len(set(names)) < len(names):
        names = [f"{n}_{i + 1}" for i, n in enumerate(names)]
    return names


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-evaluate``."""
    args = build_parser().parse_args(argv)
    from vc.evaluation import METRIC_FAMILIES

    metrics = [m.strip() for m in args.metrics.split(",") if m.strip()]
    bad = [m for m in metrics if m not in METRIC_FAMILIES]
    if bad or not metrics:
        raise UserError(f"--metrics: unknown {', '.join(bad) or '(empty)'}; choose from {', '.join(METRIC_FAMILIES)}")
    if args.ref_utts < 1:
        raise UserError(f"--ref-utts must be >= 1, got {args.ref_utts}")
    if args.pairs is not None and args.pairs < 1:
        raise UserError(f"--pairs must be positive, got {args.pairs}")
    if args.threads < 1 or args.nj < 1:
        raise UserError(f"--threads and --nj must be >= 1, got {args.threads} and {args.nj}")
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import torch
    from tqdm import tqdm

    from vc.convert import Converter
    from vc.datadir import read_data_dir
    from vc.evaluation.pairs import select_pairs
    from vc.evaluation.report import summary_markdown, write_report
    from vc.evaluation.parallel import evaluate_parallel
    from vc.evaluation.runner import Evaluator, run_pairs

    torch.set_num_threads(args.threads)
    data = read_data_dir(args.data)
    if not data.utts:
        raise UserError(f"{args.data}: the data directory has no utterances")
    expdirs = [args.model] + ([args.compare] if args.compare else [])
    labels = _labels(expdirs)
    converters = [Converter.from_pretrained(e, device=args.device) for e in expdirs]
    targets = set(converters[0].speakers)
    for c in converters[1:]:
        targets &= set(c.speakers)
    if not targets:
        raise UserError("the models share no target speaker: " + "; ".join(
            f"{lab}: {', '.join(c.speakers)}" for lab, c in zip(labels, converters)))
    pairs = select_pairs(data, sorted(targets), args.pairs, args.seed)
    n_par = sum(p.parallel for p in pairs)
    print(f"evaluating {len(pairs)} pairs ({n_par} with a parallel target utterance) "
          f"for {', '.join(labels)}", file=sys.stderr)
    out = Path(args.out)
    save_dir = None if args.no_save_wavs else out / "wav"
    if args.nj == 1:
        evaluator = Evaluator(data, metrics, sample_rate=args.sample_rate, ref_utts=args.ref_utts,
                              device=args.device, log=lambda s: print(s, file=sys.stderr))
        rows = []
        for label, conv in zip(labels, converters):
            progress = None if args.quiet else (lambda it, lab=label: tqdm(it, desc=f"evaluate {lab}", file=sys.stderr))
            rows += run_pairs(evaluator, pairs, conv.convert, label,
                              save_dir=None if save_dir is None else save_dir / label, progress=progress)
        skipped, timings = evaluator.skipped, dict(evaluator.timings)
        active = evaluator.active
    else:
        del converters  # each worker loads its own
        rows, skipped, timings = evaluate_parallel(
            args.data, pairs, list(zip(labels, expdirs)), metrics, args.nj, sample_rate=args.sample_rate,
            ref_utts=args.ref_utts, device=args.device, save_dir=None if save_dir is None else str(save_dir),
            log=lambda s: print(s, file=sys.stderr))
        active = tuple(m for m in metrics if m not in skipped)
    extra = {"command": "vc-evaluate " + " ".join(sys.argv[1:] if argv is None else argv),
             "data": str(args.data), "model_dirs": dict(zip(labels, expdirs)), "seed": args.seed,
             "pairs": len(pairs), "parallel_pairs": n_par, "metrics": list(active), "nj": args.nj}
    summary = write_report(out, rows, skipped, timings, extra)
    print(summary_markdown(summary))
    print(f"results: {out / 'results.csv'}, {out / 'summary.json'}, {out / 'summary.md'}, plots in {out}")
    return 0


if __name__ == "__main__":
    main()
