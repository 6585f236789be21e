#!/usr/bin/env python3
"""Write the conversion list for the mini recipe: each test utterance to a few other training speakers.

Usage: local/make_pairs.py --data data/test --speakers SPK_LIST --per-utt 3 --outdir DIR > pairs.txt

Output lines: ``SRC_PATH TARGET OUT_PATH`` with ``OUT_PATH = DIR/<utt>_to_<target>.wav``. Targets are
the next ``--per-utt`` speakers after the source speaker in sorted order (cyclic), so every speaker
is a target equally often and the list is the same on every run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", required=True, help="Kaldi data dir with wav.scp and utt2spk")
    ap.add_argument("--speakers", required=True, help="file with the model's speakers, one per line")
    ap.add_argument("--per-utt", type=int, default=3)
    ap.add_argument("--outdir", required=True)
    args = ap.parse_args()
    from vc.datadir import read_data_dir

    data = read_data_dir(args.data)
    targets = sorted(s for s in Path(args.speakers).read_text().split())
    if not targets:
        print(f"error: no speakers in {args.speakers}", file=sys.stderr)
        return 1
    for utt in data.utts:
        src = data.utt2spk[utt]
        start = targets.index(src) + 1 if src in targets else 0
        chosen = [targets[(start + i) % len(targets)] for i in range(len(targets))]
        chosen = [t for t in chosen if t != src][: args.per_utt]
        path = data.wav_path(utt).resolve()
        for t in chosen:
            print(f"{path} {t} {Path(args.outdir).resolve() / f'{utt}_to_{t}.wav'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
