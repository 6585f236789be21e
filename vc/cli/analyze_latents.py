"""``vc-analyze-latents``: which phones live where on the curve, and how ordered the latent space is.

Usage::

    vc-analyze-latents --model EXPDIR --data DATA --out OUTDIR [--compare EXPDIR2] [--quantizer joint|posthoc]
                       [--textgrids DIR] [--textgrid-out DIR] [--nj N]

Encodes DATA (a feature dump or a data directory) with each model, aligns the 50 Hz latent frames with the
TextGrid phones (DATA/textgrid.scp or --textgrids DIR/UTT.TextGrid), and writes to OUTDIR: metrics.json,
metrics.md (also printed), the figures (fig*.png and figures.pdf) and skipped.tsv (utterances left out and
why). --model/--compare may also name a vc-encode output directory, which is then read instead of encoding.
"""

from __future__ import annotations

import argparse
import sys

from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``vc-analyze-latents``."""
    p = argparse.ArgumentParser(prog="vc-analyze-latents", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="experiment directory (or vc-encode output directory)")
    p.add_argument("--data", help="feature dump (feats.scp) or data directory (wav.scp [, textgrid.scp])")
    p.add_argument("--out", required=True, help="output directory for figures and metrics")
    p.add_argument("--compare", help="second model shown beside the first (e.g. the VQ baseline)")
    p.add_argument("--quantizer", choices=("joint", "posthoc"), default="joint",
                   help="joint: the quantizer trained in the model (default); posthoc: the SFVQ fitted "
                        "afterwards by vc-fit-sfvq")
    p.add_argument("--compare-quantizer", choices=("joint", "posthoc"),
                   help="quantizer of --compare (default: same as --quantizer)")
    p.add_argument("--textgrids", help="directory of UTT.TextGrid files (default: DATA/textgrid.scp)")
    p.add_argument("--tier", default="phones", help="phone tier name (default phones)")
    p.add_argument("--textgrid-out", help="write Praat TextGrids with phone, index and position tiers here")
    p.add_argument("--nj", type=int, default=1, help="parallel processes for encoding and reading (default 1)")
    p.add_argument("--permutations", type=int, default=1000,
                   help="random codebook orders for the z-score (default 1000, at least 100)")
    p.add_argument("--plot-utts", nargs="+", help="utterances for the index-over-time figure")
    p.add_argument("--group", default="fricatives", help="broad group of the per-phone histograms")
    p.add_argument("--seed", type=int, default=0, help="seed of the random orders")
    p.add_argument("--no-figures", action="store_true", help="metrics only")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-analyze-latents``."""
    args = build_parser().parse_args(argv)
    from vc.runtime import check_jobs, limit_threads

    limit_threads(1)
    from vc.analysis.pipeline import print_table, run_analysis
    from vc.phones import PHONE_GROUPS

    check_jobs(args.nj)
    if args.permutations < 100:
        raise UserError(f"--permutations must be at least 100, got {args.permutations}")
    if args.group not in PHONE_GROUPS:
        raise UserError(f"--group must be one of {', '.join(PHONE_GROUPS)}, got {args.group!r}")
    models = [args.model] + ([args.compare] if args.compare else [])
    quantizers = [args.quantizer] + ([args.compare_quantizer or args.quantizer] if args.compare else [])
    run = run_analysis(models, args.data, args.out, quantizers, textgrids=args.textgrids,
                       textgrid_out=args.textgrid_out, nj=args.nj, n_perm=args.permutations, seed=args.seed,
                       plot_utts=args.plot_utts, group=args.group, tier=args.tier, figures=not args.no_figures)
    print_table(run)
    print(f"\nwrote {len(run.files)} files to {args.out}" +
          (f" and TextGrids to {args.textgrid_out}" if args.textgrid_out else ""), file=sys.stderr)
    return 0


if __name__ == "__main__":
    main()
