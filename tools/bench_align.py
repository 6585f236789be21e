#!/usr/bin/env python
"""Accuracy of the built-in aligner against gold phone alignments (the mini corpus by default).

Usage::

    python tools/bench_align.py [--corpus recipes/mini/corpus | --data DATADIR] [--nj N]
                                [--utts-per-speaker N] [--out DIR] [--check]

Aligns every utterance with ``vc.align`` (the same code as ``vc-align``), reads the TextGrids back
and compares their phone boundaries with the gold TextGrids (the mini corpus's synthesizer timings,
or ``textgrid.scp`` of ``--data``): mean and median absolute boundary error, the share within
20 ms, and the share of gold boundaries that could be scored, per speaker and overall. Targets:
mean <= 20 ms and >= 80 % within 20 ms; ``--check`` exits 1 when they are missed.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("OMP_NUM_THREADS", "1")

from vc.align.batch import align_data_dir  # noqa: E402
from vc.align.scoring import score_corpus  # noqa: E402
from vc.datadir import DataDir, read_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402
from vc.textgrids import read_tier  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
TARGET_MEAN = 0.020
TARGET_WITHIN = 0.80


def corpus_data_dir(corpus: Path) -> DataDir:
    """A DataDir (absolute paths, gold ``textgrid_scp``) from the mini corpus's ``manifest.tsv``."""
    manifest = corpus / "manifest.tsv"
    if not manifest.is_file():
        raise UserError(f"{corpus}: no manifest.tsv (expected the mini corpus, recipes/mini/corpus)")
    d = DataDir(root=corpus)
    with open(manifest, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            utt = row["utt_id"]
            d.wav_scp[utt] = str((corpus / row["audio"]).resolve())
            d.textgrid_scp[utt] = str((corpus / row["textgrid"]).resolve())
            d.utt2spk[utt] = row["speaker"]
            d.text[utt] = row["text"]
    return d


@cli_entry
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    src = p.add_mutually_exclusive_group()
    src.add_argument("--corpus", type=Path, default=REPO / "recipes" / "mini" / "corpus",
                     help="mini corpus directory with manifest.tsv (default recipes/mini/corpus)")
    src.add_argument("--data", type=Path, help="Kaldi data directory with text and gold textgrid.scp")
    p.add_argument("--utts-per-speaker", type=int, default=0, help="first N utterances of each speaker (0: all)")
    p.add_argument("--nj", type=int, default=1, help="parallel alignment processes")
    p.add_argument("--out", type=Path, default=None, help="keep the TextGrids here (default: a temp dir)")
    p.add_argument("--tolerance", type=float, default=0.02, help="seconds for the 'within' share (default 0.02)")
    p.add_argument("--check", action="store_true", help="exit 1 if the targets are missed")
    args = p.parse_args(argv)

    data = read_data_dir(args.data) if args.data else corpus_data_dir(args.corpus)
    if not data.textgrid_scp:
        raise UserError(f"{args.data}: no textgrid.scp with gold alignments")
    utts = [u for us in data.spk2utt.values() for u in us[: args.utts_per_speaker or None]]
    data = data.subset(utts)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        t0 = time.time()
        report = align_data_dir(data, out, nj=args.nj, overwrite=True, progress=False)
        seconds = time.time() - t0
        pairs = {u: (read_tier(data.textgrid_path(u), "phones"), read_tier(path, "phones"))
                 for u, path in report.aligned.items()}
    print(f"aligned {len(report.aligned)}/{len(utts)} utterances in {seconds:.1f} s with --nj {args.nj} "
          f"(wall clock; other work on the machine slows it)")
    for utt, reason in sorted(report.failed.items()):
        print(f"  failed {utt}: {reason}")
    print(f"{'speaker':16s} {'utts':>5s} {'bounds':>7s} {'mean ms':>8s} {'median':>7s} {'<=20ms':>7s} {'scored':>7s}")
    for spk, spk_utts in data.spk2utt.items():
        s = score_corpus({u: pairs[u] for u in spk_utts if u in pairs}, args.tolerance)
        print(f"{spk:16s} {len(s.per_utt):5d} {s.errors.size:7d} {s.mean * 1000:8.1f} {s.median * 1000:7.1f} "
              f"{s.within * 100:6.1f}% {s.coverage * 100:6.1f}%")
    total = score_corpus(pairs, args.tolerance)
    print(f"{'all':16s} {len(total.per_utt):5d} {total.errors.size:7d} {total.mean * 1000:8.1f} "
          f"{total.median * 1000:7.1f} {total.within * 100:6.1f}% {total.coverage * 100:6.1f}%")
    ok = total.mean <= TARGET_MEAN and total.within >= TARGET_WITHIN
    print(f"mean absolute phone-boundary error {total.mean * 1000:.1f} ms (target <= {TARGET_MEAN * 1000:.0f} ms), "
          f"{total.within * 100:.1f} % within {args.tolerance * 1000:.0f} ms (target >= {TARGET_WITHIN * 100:.0f} %): "
          f"{'targets met' if ok else 'TARGETS MISSED'}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    main()
