#!/usr/bin/env python
"""Split a Kaldi data directory into N parts for data-parallel jobs (like Kaldi's split_data.sh).

Usage: local/split_data.py DATA N   ->  DATA/splitN/1 ... DATA/splitN/N

Utterances are taken in sorted order and cut into N contiguous parts of near-equal size (fewer
parts if there are fewer utterances; the number of parts made is printed). Relative paths in
``wav.scp`` and ``textgrid.scp`` are made absolute so each part stands on its own.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from vc.datadir import DataDir, read_data_dir, write_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402


def split_utts(utts: list[str], n: int) -> list[list[str]]:
    """Cut ``utts`` into ``min(n, len(utts))`` contiguous near-equal parts."""
    n = max(1, min(n, len(utts)))
    size, extra = divmod(len(utts), n)
    parts, start = [], 0
    for k in range(n):
        end = start + size + (1 if k < extra else 0)
        parts.append(utts[start:end])
        start = end
    return parts


@cli_entry
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("data", type=Path)
    p.add_argument("n", type=int)
    args = p.parse_args(argv)
    if args.n < 1:
        raise UserError(f"number of parts must be >= 1, got {args.n}")
    data = read_data_dir(args.data)
    absolute = DataDir(
        wav_scp={u: str(data.wav_path(u).resolve()) for u in data.wav_scp},
        text=dict(data.text),
        utt2spk=dict(data.utt2spk),
        textgrid_scp={u: str(data.textgrid_path(u).resolve()) for u in data.textgrid_scp},
    )
    parts = split_utts(data.utts, args.n)
    out = args.data / f"split{args.n}"
    if out.exists():
        shutil.rmtree(out)
    for k, utts in enumerate(parts, 1):
        write_data_dir(out / str(k), absolute.subset(utts))
    print(len(parts))
    return 0


if __name__ == "__main__":
    main()
