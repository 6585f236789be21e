"""``vc-validate-data-dir DIR``: report every problem of a Kaldi-style data directory.

Prints one line per problem (``file:line: message``) and exits 1 if there are any; otherwise
prints a one-line summary and exits 0.
"""

from __future__ import annotations

import argparse
import sys

from vc.datadir import read_data_dir, validate_data_dir
from vc.errors import UserError, cli_entry


def build_parser() -> argparse.ArgumentParser:
    """Argument parser of ``vc-validate-data-dir``."""
    p = argparse.ArgumentParser(prog="vc-validate-data-dir", description=__doc__.split("\n")[0])
    p.add_argument("data", help="data directory (wav.scp, utt2spk, optional text, textgrid.scp, spk2utt)")
    p.add_argument("--no-audio-check", action="store_true", help="only check that audio files exist")
    p.add_argument("--no-textgrid-check", action="store_true", help="only check that TextGrids exist")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point; see the module docstring."""
    args = build_parser().parse_args(argv)
    problems = validate_data_dir(
        args.data, check_audio=not args.no_audio_check, check_textgrids=not args.no_textgrid_check
    )
    if problems:
        for line in problems:
            print(line)
        raise UserError(f"{args.data}: {len(problems)} problem(s) found")
    d = read_data_dir(args.data)
    extras = [name for name, m in (("text", d.text), ("textgrid.scp", d.textgrid_scp)) if m]
    print(
        f"{args.data}: ok ({len(d.wav_scp)} utterances, {len(d.speakers)} speakers"
        + (f"; with {', '.join(extras)}" if extras else "")
        + ")",
        file=sys.stdout,
    )
    return 0


if __name__ == "__main__":
    main()
