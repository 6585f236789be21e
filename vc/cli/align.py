"""``vc-align``: forced-align a Kaldi data directory into MFA-style TextGrids (pocketsphinx).

Usage::

    vc-align --data data/train --out exp/align/train [--nj 4] [--oov skip|spn] [--overwrite]

Writes ``OUT/<speaker>/<utt>.TextGrid`` (tiers ``words`` and ``phones``), ``OUT/textgrid.scp``,
``OUT/failed.txt`` and ``OUT/oov.txt``, and prints a summary. Utterances that fail (no transcript,
out-of-vocabulary words, unreadable audio, no alignment found) are listed and skipped; the exit
status is 1 only when none could be aligned.
"""

from __future__ import annotations

import argparse
import os
import sys

from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``vc-align``."""
    p = argparse.ArgumentParser(prog="vc-align", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="Kaldi data directory (wav.scp, utt2spk, text)")
    p.add_argument("--out", required=True, help="output directory for TextGrids and textgrid.scp")
    p.add_argument("--nj", type=int, default=1, help="number of parallel worker processes (default 1)")
    p.add_argument(
        "--oov", choices=("skip", "spn"), default="skip",
        help="utterances with out-of-vocabulary words: skip them (default) or align each OOV word "
        "to a speech-noise model labelled 'spn'",
    )
    p.add_argument("--overwrite", action="store_true", help="re-align utterances whose TextGrid exists")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-align``."""
    args = build_parser().parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from vc.align.batch import align_data_dir
    from vc.datadir import read_data_dir

    data = read_data_dir(args.data)
    if not data.text:
        raise UserError(f"{args.data}: no 'text' file; the aligner needs transcripts")
    report = align_data_dir(data, args.out, nj=args.nj, oov=args.oov, overwrite=args.overwrite,
                            progress=not args.quiet)
    total = len(data.utts)
    print(f"aligned {len(report.aligned)}/{total} utterances into {args.out} "
          f"({report.reused} kept from an earlier run); textgrid.scp: {os.path.join(args.out, 'textgrid.scp')}")
    if report.oov:
        shown = ", ".join(f"{w} ({n})" for w, n in report.oov.most_common(20))
        more = f" and {len(report.oov) - 20} more" if len(report.oov) > 20 else ""
        print(f"out-of-vocabulary words ({len(report.oov)} types, list in {args.out}/oov.txt): {shown}{more}")
    if report.derived:
        print(f"pronunciations built by rule for {len(report.derived)} word types "
              f"(numbers, compounds, possessives): {', '.join(sorted(report.derived)[:20])}")
    if report.failed:
        print(f"{len(report.failed)} utterance(s) failed and were skipped (list in {args.out}/failed.txt):",
              file=sys.stderr)
        for utt, reason in sorted(report.failed.items())[:10]:
            print(f"  {utt}: {reason}", file=sys.stderr)
        if len(report.failed) > 10:
            print(f"  ... and {len(report.failed) - 10} more", file=sys.stderr)
    if not report.aligned:
        raise UserError(f"no utterance of {args.data} could be aligned (see {args.out}/failed.txt)")
    return 0


if __name__ == "__main__":
    main()
