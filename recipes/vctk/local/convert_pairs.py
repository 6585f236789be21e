#!/usr/bin/env python
"""Write the batch file of the recipe's conversion samples (``vc-convert --batch``).

Usage: local/convert_pairs.py --data data --out exp/TAG/convert [--pairs "SRC:TGT ..."] [--utts-per-pair 2]

Each line is ``SRC_PATH TARGET OUT_PATH``; outputs are ``OUT/<utt>_to_<target>.wav``. Without
``--pairs``, the first two test speakers are converted into each other and the first held-out
(unseen) speaker into the first test speaker. Source utterances come from ``test`` (training
speakers) or ``heldout``; targets must be training speakers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from vc.datadir import DataDir, read_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402
from vc.fileio import write_text_atomic  # noqa: E402


def _read(path: Path) -> DataDir | None:
    return read_data_dir(path) if (path / "wav.scp").is_file() else None


@cli_entry
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="recipe data directory (train, test, heldout)")
    p.add_argument("--out", required=True, type=Path, help="directory for the converted wavs and pairs.txt")
    p.add_argument("--pairs", default="", help='speaker pairs "SRC:TGT ..." (default: chosen automatically)')
    p.add_argument("--utts-per-pair", type=int, default=2)
    args = p.parse_args(argv)
    train = read_data_dir(args.data / "train")
    sources = [d for d in (_read(args.data / "test"), _read(args.data / "heldout")) if d is not None]
    if not sources:
        raise UserError(f"{args.data}: neither test nor heldout data directory found")
    spk2utt: dict[str, list[tuple[str, Path]]] = {}
    for d in sources:
        for spk, utts in d.spk2utt.items():
            spk2utt.setdefault(spk, []).extend((u, d.wav_path(u).resolve()) for u in utts)
    if args.pairs.strip():
        pairs = []
        for item in args.pairs.split():
            src, sep, tgt = item.partition(":")
            if not sep or not src or not tgt:
                raise UserError(f"--pairs: expected SRC:TGT, got '{item}'")
            pairs.append((src, tgt))
    else:
        test_spk = sorted(_read(args.data / "test").speakers) if _read(args.data / "test") else []
        held = sorted(_read(args.data / "heldout").speakers) if _read(args.data / "heldout") else []
        pairs = []
        if len(test_spk) >= 2:
            pairs += [(test_spk[0], test_spk[1]), (test_spk[1], test_spk[0])]
        if held and test_spk:
            pairs.append((held[0], test_spk[0]))
        if not pairs:
            raise UserError("not enough speakers to choose conversion pairs; give --pairs SRC:TGT")
    lines = []
    for src, tgt in pairs:
        if src not in spk2utt:
            raise UserError(f"--pairs: source speaker '{src}' has no test or held-out utterances "
                            f"(known: {', '.join(sorted(spk2utt))})")
        if tgt not in train.speakers:
            raise UserError(f"--pairs: target '{tgt}' is not a training speaker (known: {', '.join(train.speakers)})")
        for utt, path in spk2utt[src][: args.utts_per_pair]:
            lines.append(f"{path} {tgt} {(args.out / f'{utt}_to_{tgt}.wav').resolve()}\n")
    args.out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(args.out / "pairs.txt", "".join(lines))
    print(f"{len(lines)} conversions for pairs {' '.join(f'{s}:{t}' for s, t in pairs)} -> {args.out}/pairs.txt")
    return 0


if __name__ == "__main__":
    main()
