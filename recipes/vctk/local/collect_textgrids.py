#!/usr/bin/env python
"""Gather phone alignments into ``textgrid.scp`` files for the recipe's data directories.

Two sources:

* ``--job-dirs D1 D2 ...``: the output directories of parallel ``vc-align`` jobs (their
  ``textgrid.scp``, ``failed.txt`` and ``oov.txt`` are merged);
* ``--tg-dir DIR``: a directory of existing TextGrids named ``UTT.TextGrid`` at any depth (e.g.
  Montreal Forced Aligner output ``DIR/<speaker>/<utt>.TextGrid``); each must have a phone tier.

Writes ``OUT/textgrid.scp``, ``OUT/failed.txt`` (utt and reason), ``OUT/oov.txt`` and, for each
data directory named in ``--sets``, ``DATA/<set>/textgrid.scp`` restricted to its utterances.
Utterances without an alignment are listed, never fatal; it fails only if none has one.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from vc.datadir import read_data_dir, read_scp, write_scp  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402
from vc.fileio import write_text_atomic  # noqa: E402
from vc.textgrids import read_tier  # noqa: E402


def from_jobs(job_dirs: list[Path]) -> tuple[dict[str, str], dict[str, str], Counter]:
    """Merge the outputs of ``vc-align`` jobs."""
    scp: dict[str, str] = {}
    failed: dict[str, str] = {}
    oov: Counter = Counter()
    for d in job_dirs:
        if not (d / "textgrid.scp").is_file():
            raise UserError(f"{d}: no textgrid.scp (did the alignment job finish? see its log)")
        scp.update(read_scp(d / "textgrid.scp", 2, None) if (d / "textgrid.scp").stat().st_size else {})
        for name, sink in (("failed.txt", failed), ("oov.txt", None)):
            f = d / name
            if not f.is_file():
                continue
            for line in f.read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition(" ")
                if not key:
                    continue
                if sink is not None:
                    sink[key] = value
                else:
                    oov[key] += int(value or 0)
    return scp, failed, oov


def from_dir(tg_dir: Path, utts: list[str], tier: str) -> tuple[dict[str, str], dict[str, str]]:
    """Find ``UTT.TextGrid`` files for ``utts`` anywhere under ``tg_dir`` and check their phone tier."""
    if not tg_dir.is_dir():
        raise UserError(f"--textgrid-dir {tg_dir} is not a directory")
    found = {p.stem: p for p in sorted(tg_dir.rglob("*.TextGrid"))}
    scp: dict[str, str] = {}
    failed: dict[str, str] = {}
    for utt in utts:
        path = found.get(utt)
        if path is None:
            failed[utt] = f"no {utt}.TextGrid under {tg_dir}"
            continue
        try:
            read_tier(path, tier)
        except UserError as err:
            failed[utt] = str(err)
            continue
        scp[utt] = str(path.resolve())
    return scp, failed


@cli_entry
def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, type=Path, help="recipe data directory holding the sets")
    p.add_argument("--sets", nargs="+", required=True, help="data sets to attach textgrid.scp to; the first is scanned")
    p.add_argument("--out", required=True, type=Path, help="where textgrid.scp, failed.txt, oov.txt go")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--job-dirs", nargs="+", type=Path, help="vc-align job output directories")
    src.add_argument("--tg-dir", type=Path, help="directory of existing UTT.TextGrid files")
    p.add_argument("--tier", default="phones", help="phone tier name (default phones)")
    args = p.parse_args(argv)

    base = read_data_dir(args.data / args.sets[0])
    oov: Counter = Counter()
    if args.job_dirs:
        scp, failed, oov = from_jobs(args.job_dirs)
    else:
        scp, failed = from_dir(args.tg_dir, base.utts, args.tier)
    scp = {u: v for u, v in scp.items() if u in base.wav_scp}
    for utt in base.utts:
        if utt not in scp and utt not in failed:
            failed[utt] = "no alignment"
    args.out.mkdir(parents=True, exist_ok=True)
    write_scp(args.out / "textgrid.scp", scp)
    write_text_atomic(args.out / "failed.txt", "".join(f"{u} {r}\n" for u, r in sorted(failed.items())))
    write_text_atomic(args.out / "oov.txt", "".join(f"{w} {n}\n" for w, n in oov.most_common()))
    for name in args.sets:
        d = args.data / name
        if not (d / "wav.scp").is_file():
            continue
        utts = read_scp(d / "wav.scp", 2, None)
        sub = {u: scp[u] for u in utts if u in scp}
        if sub:
            write_scp(d / "textgrid.scp", sub)
        else:
            (d / "textgrid.scp").unlink(missing_ok=True)
        print(f"{d}: {len(sub)}/{len(utts)} utterances have a TextGrid")
    print(f"alignments: {len(scp)}/{len(base.utts)} utterances; {len(failed)} without (list in {args.out}/failed.txt)")
    for utt, reason in sorted(failed.items())[:5]:
        print(f"  {utt}: {reason}")
    if oov:
        print(f"out-of-vocabulary words ({len(oov)} types, {args.out}/oov.txt): "
              + ", ".join(f"{w} ({n})" for w, n in oov.most_common(10)))
    if not scp:
        raise UserError(f"no utterance of {args.data / args.sets[0]} has an alignment (see {args.out}/failed.txt)")
    return 0


if __name__ == "__main__":
    main()
