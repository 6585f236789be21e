"""``vc-encode``: the 50 Hz latent indices and curve positions of every utterance, with an scp index.

Usage::

    vc-encode --model EXPDIR --data DATA --out DIR [--quantizer joint|posthoc] [--save-z] [--nj N]

DATA is a feature dump (feats.scp) or a data directory (wav.scp). Writes DIR/latents.scp (utt -> npz),
DIR/latents/UTT.npz (``index`` (T,) int32, ``position`` (T,) float32, with --save-z also ``z`` (T, D)
float32 continuous encoder outputs), DIR/codebook.npy (K, D), DIR/latent_info.json and DIR/skipped.tsv.
The directory can be passed to ``vc-analyze-latents --model DIR`` instead of a model.
"""

from __future__ import annotations

import argparse
import os

from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``vc-encode``."""
    p = argparse.ArgumentParser(prog="vc-encode", description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="trained experiment directory")
    p.add_argument("--data", required=True, help="feature dump (feats.scp) or data directory (wav.scp)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--quantizer", choices=("joint", "posthoc"), default="joint",
                   help="joint: the model's own quantizer (default); posthoc: the SFVQ from vc-fit-sfvq")
    p.add_argument("--save-z", action="store_true", help="also store the continuous encoder outputs")
    p.add_argument("--nj", type=int, default=1, help="parallel processes (default 1)")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-encode``."""
    args = build_parser().parse_args(argv)
    from vc.runtime import check_jobs, limit_threads

    limit_threads(1)
    from vc.analysis.encoding import encode_dataset
    from vc.fileio import write_text_atomic

    check_jobs(args.nj)
    latents, skipped = encode_dataset(args.model, args.data, quantizer=args.quantizer, keep_z=args.save_z,
                                      nj=args.nj)
    if not latents.utts:
        raise UserError(f"no utterance of {args.data} could be encoded (first problem: "
                        f"{next(iter(skipped.values()), 'none')})")
    latents.save(args.out)
    write_text_atomic(os.path.join(args.out, "skipped.tsv"),
                      "".join(f"{u}\t{r}\n" for u, r in skipped.items()))
    frames = sum(u.index.size for u in latents.utts.values())
    print(f"encoded {len(latents.utts)} utterances ({frames} latent frames, {frames / latents.frame_rate:.1f} s) "
          f"with the {latents.n_indices}-index {latents.quantizer} quantizer of {args.model} into {args.out}")
    for utt, reason in list(skipped.items())[:10]:
        print(f"skipped {utt}: {reason}")
    if len(skipped) > 10:
        print(f"... {len(skipped) - 10} more skipped, listed in {os.path.join(args.out, 'skipped.tsv')}")
    return 0


if __name__ == "__main__":
    main()
