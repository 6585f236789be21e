#!/usr/bin/env python3
"""Kaldi data directories for the mini corpus: data/{train,dev,test,heldout}.

Usage (run.sh stage 1, from recipes/mini/)::

    python local/prepare_data.py --corpus corpus --out data

Each directory gets ``wav.scp``, ``text``, ``utt2spk``, ``spk2utt`` and ``textgrid.scp`` written
with :func:`vc.datadir.write_data_dir` (sorted; utterance ids start with the speaker id and a
``_``, so sorting by utterance groups by speaker).  Paths in ``wav.scp`` and ``textgrid.scp`` are
relative to the data directory itself (the rule :func:`vc.datadir.resolve_path` applies), so the
recipe works wherever the repository is checked out.  The split comes from the corpus manifest:
``train``/``dev``/``test`` hold the training speakers' sentences (dev and test sentences are never
in train), ``heldout`` every sentence of the held-out speaker.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

LOCAL = Path(__file__).resolve().parent
sys.path.insert(0, str(LOCAL))

from corpus_io import read_tsv  # noqa: E402

from vc.datadir import DataDir, validate_data_dir, write_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402

SETS = ("train", "dev", "test", "heldout")


def build_sets(corpus: Path, out: Path) -> dict[str, DataDir]:
    """Group the manifest rows into one DataDir per split, with paths relative to ``out/<set>``.

    Raises:
        UserError: missing manifest, unknown split or missing audio/TextGrid file.
    """
    manifest = corpus / "manifest.tsv"
    if not manifest.is_file():
        raise UserError(f"corpus manifest not found: {manifest}")
    try:
        rows = read_tsv(manifest)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    sets = {name: DataDir() for name in SETS}
    for row in rows:
        name = row["split"]
        if name not in sets:
            raise UserError(f"{manifest}: utterance {row['utt_id']} has unknown split '{name}'")
        d, utt = sets[name], row["utt_id"]
        here = (out / name).resolve()
        for column, table in (("audio", d.wav_scp), ("textgrid", d.textgrid_scp)):
            path = (corpus / row[column]).resolve()
            if not path.is_file():
                raise UserError(f"{manifest}: {column} of {utt} not found: {path}")
            table[utt] = os.path.relpath(path, here)
        d.utt2spk[utt] = row["speaker"]
        d.text[utt] = row["text"]
    return sets


@cli_entry
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=LOCAL.parent / "corpus", help="corpus directory")
    ap.add_argument("--out", type=Path, default=LOCAL.parent / "data", help="where data/<set> go")
    args = ap.parse_args(argv)
    sets = build_sets(args.corpus, args.out)
    failures: list[str] = []
    for name, d in sets.items():
        if not d.wav_scp:
            raise UserError(f"split '{name}' is empty in {args.corpus / 'manifest.tsv'}")
        target = args.out / name
        write_data_dir(target, d)
        failures += validate_data_dir(target)
        print(f"{target}: {len(d.wav_scp)} utterances, {len(d.speakers)} speakers")
    if failures:
        for msg in failures:
            print(msg, file=sys.stderr)
        raise UserError(f"{len(failures)} problem(s) in the data directories under {args.out}")
    return 0


if __name__ == "__main__":
    main()
