"""``vc-fit-sfvq``: fit a standalone SFVQ on a trained model's frozen encoder outputs (the paper's setting).

Usage::

    vc-fit-sfvq --model EXPDIR --data DUMP/train [--bits 8] [--epochs-per-stage 3] [--batch-size 64]
                [--lr 1e-3] [--max-frames 200000] [--nj N] [--seed 0]

Encodes DATA with the model's encoder (no quantizer), fits an SFVQ in MSE mode with the growth schedule
(4 corners doubled up to 2**bits, fresh Adam per stage, LR halved at 60 % and 80 % of each stage), and saves
it as EXPDIR/posthoc_sfvq.pt with a log EXPDIR/posthoc_sfvq.log.jsonl. Analyse it with
``vc-analyze-latents --model EXPDIR --quantizer posthoc``.
"""

from __future__ import annotations

import argparse

from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``vc-fit-sfvq``."""
    p = argparse.ArgumentParser(prog="vc-fit-sfvq", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="trained experiment directory (the SFVQ is saved in it)")
    p.add_argument("--data", required=True, help="training features (feature dump) or data directory")
    p.add_argument("--bits", type=int, default=8, help="log2 of the final number of corners (default 8)")
    p.add_argument("--epochs-per-stage", type=int, default=3, help="epochs per growth stage (default 3)")
    p.add_argument("--batch-size", type=int, default=64, help="batch size (default 64, as upstream)")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate at each stage start (default 1e-3)")
    p.add_argument("--holdout", type=float, default=0.1, help="held-out share of the frames (default 0.1)")
    p.add_argument("--max-frames", type=int, default=200_000,
                   help="fit on at most this many latent frames, a random subset (default 200000)")
    p.add_argument("--nj", type=int, default=1, help="encoding processes (default 1)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default cpu)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-fit-sfvq``."""
    args = build_parser().parse_args(argv)
    from vc.runtime import check_jobs, limit_threads, pick_device

    limit_threads(1)
    from sfvq.fit import FitConfig
    from vc.analysis.posthoc import fit_posthoc

    check_jobs(args.nj)
    if args.max_frames < 1:
        raise UserError(f"--max-frames must be >= 1, got {args.max_frames}")
    device = pick_device(args.device)
    config = FitConfig(epochs_per_stage=args.epochs_per_stage, lr=args.lr, batch_size=args.batch_size,
                       holdout=args.holdout, seed=args.seed, progress=not args.quiet)
    try:
        config.validate()
    except ValueError as err:
        raise UserError(str(err)) from None
    summary = fit_posthoc(args.model, args.data, bits=args.bits, config=config, nj=args.nj,
                          max_frames=args.max_frames, device=device)
    if summary["skipped"]:
        print(f"skipped {len(summary['skipped'])} utterance(s) that could not be encoded:")
        for utt, reason in list(summary["skipped"].items())[:10]:
            print(f"  {utt}: {reason}")
    print(f"post-hoc SFVQ: {summary['corners']} corners in {summary['dim']} dimensions fitted on "
          f"{summary['frames']} latent frames; held-out MSE {summary['heldout_mse']:.4g} "
          f"(the model's own {summary['joint_kind']} quantizer: {summary['joint_heldout_mse']:.4g}), "
          f"held-out perplexity {summary['heldout_perplexity']:.1f}")
    print(f"saved {summary['path']} (log {summary['log']})")
    return 0


if __name__ == "__main__":
    main()
