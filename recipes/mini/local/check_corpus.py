#!/usr/bin/env python3
"""Check the embedded mini corpus and print per-speaker utterance counts and minutes.

Usage (from the repository root)::

    .venv/bin/python recipes/mini/local/check_corpus.py [--corpus recipes/mini/corpus] [--tolerance 0.02]

Checks every utterance of ``manifest.tsv``: the FLAC exists and is 16 kHz mono 16-bit with the
listed number of samples; its TextGrid parses (with the ``textgrid`` package, independently of the
writer), has ``words`` and ``phones`` tiers that are contiguous from 0, ARPAbet phone labels, and
ends within ``--tolerance`` seconds of the audio.  Also checks that the corpus is parallel (every
speaker has every sentence) and that ``splits.json`` agrees with the manifest.  Exits with status 1
and lists the problems if any check fails.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

LOCAL = Path(__file__).resolve().parent
sys.path.insert(0, str(LOCAL))

from corpus_io import read_tsv  # noqa: E402
from phonesets import ARPABET  # noqa: E402

SAMPLE_RATE = 16000


def check_utterance(corpus: Path, row: dict[str, str], tolerance: float) -> tuple[float, list[str]]:
    """Check one manifest row; return (audio duration in s, problems)."""
    import soundfile as sf
    import textgrid

    utt = row["utt_id"]
    problems: list[str] = []
    audio = corpus / row["audio"]
    if not audio.is_file():
        return 0.0, [f"{utt}: audio missing: {audio}"]
    info = sf.info(str(audio))
    if (info.samplerate, info.channels, info.format, info.subtype) != (SAMPLE_RATE, 1, "FLAC", "PCM_16"):
        problems.append(
            f"{utt}: {audio} is {info.format}/{info.subtype} {info.samplerate} Hz x{info.channels}, "
            f"expected FLAC/PCM_16 16000 Hz mono"
        )
    duration = info.frames / info.samplerate
    if str(info.frames) != row["num_samples"]:
        problems.append(f"{utt}: {info.frames} samples, manifest says {row['num_samples']}")
    grid_path = corpus / row["textgrid"]
    if not grid_path.is_file():
        return duration, problems + [f"{utt}: TextGrid missing: {grid_path}"]
    try:
        grid = textgrid.TextGrid.fromFile(str(grid_path))
    except Exception as exc:  # the textgrid package raises assorted errors on bad input
        return duration, problems + [f"{utt}: cannot parse {grid_path}: {exc}"]
    tiers = {t.name.lower(): t for t in grid.tiers}
    for name in ("words", "phones"):
        tier = tiers.get(name)
        if tier is None:
            problems.append(f"{utt}: {grid_path} has no '{name}' tier")
            continue
        ivs = list(tier)
        if not ivs or abs(ivs[0].minTime) > 1e-6:
            problems.append(f"{utt}: '{name}' tier does not start at 0")
        for a, b in zip(ivs, ivs[1:]):
            if abs(a.maxTime - b.minTime) > 1e-6 or b.maxTime <= b.minTime:
                problems.append(f"{utt}: '{name}' tier has a gap, overlap or empty interval at {b.minTime:.4f} s")
                break
        if ivs and abs(ivs[-1].maxTime - duration) > tolerance:
            problems.append(f"{utt}: '{name}' tier ends at {ivs[-1].maxTime:.4f} s, audio lasts {duration:.4f} s")
        if name == "phones":
            bad = sorted({iv.mark for iv in ivs} - ARPABET)
            if bad:
                problems.append(f"{utt}: non-ARPAbet phone labels {bad}")
    if abs(float(grid.maxTime) - duration) > tolerance:
        problems.append(f"{utt}: TextGrid xmax {float(grid.maxTime):.4f} s, audio lasts {duration:.4f} s")
    return duration, problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=LOCAL.parent / "corpus")
    ap.add_argument("--tolerance", type=float, default=0.02, help="max |TextGrid end - audio duration|, s")
    args = ap.parse_args(argv)
    corpus: Path = args.corpus
    manifest = corpus / "manifest.tsv"
    if not manifest.is_file():
        print(f"error: no manifest: {manifest}", file=sys.stderr)
        return 1
    rows = read_tsv(manifest)
    problems: list[str] = []
    minutes: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    splits: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sentences: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        duration, probs = check_utterance(corpus, row, args.tolerance)
        problems += probs
        spk = row["speaker"]
        minutes[spk] += duration / 60
        count[spk] += 1
        splits[spk][row["split"]] += 1
        sentences[spk].add(row["sentence_id"])
        if not row["utt_id"].startswith(spk + "_"):
            problems.append(f"{row['utt_id']}: utterance id does not start with '{spk}_'")

    all_sentences = set().union(*sentences.values()) if sentences else set()
    for spk, sids in sorted(sentences.items()):
        if sids != all_sentences:
            problems.append(f"{spk}: not parallel, missing sentences {sorted(all_sentences - sids)}")
    split_file = corpus / "splits.json"
    if split_file.is_file():
        spec = json.loads(split_file.read_text())
        for row in rows:
            if row["speaker"] in spec["heldout_speakers"]:
                want = "heldout"
            else:
                want = next(s for s in ("train", "dev", "test") if row["sentence_id"] in spec[f"{s}_sentences"])
            if row["split"] != want:
                problems.append(f"{row['utt_id']}: split {row['split']} but splits.json says {want}")
    else:
        problems.append(f"missing {split_file}")

    print(f"{'speaker':14s} {'utts':>5s} {'minutes':>8s}  splits")
    for spk in sorted(count):
        detail = " ".join(f"{k}={v}" for k, v in sorted(splits[spk].items()))
        print(f"{spk:14s} {count[spk]:5d} {minutes[spk]:8.2f}  {detail}")
    print(f"{'total':14s} {sum(count.values()):5d} {sum(minutes.values()):8.2f}  "
          f"({len(count)} speakers, {len(all_sentences)} sentences)")
    size = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file())
    print(f"corpus files: {size / 1e6:.2f} MB")
    if problems:
        for p in problems:
            print(f"problem: {p}", file=sys.stderr)
        print(f"error: {len(problems)} problem(s) in {corpus}", file=sys.stderr)
        return 1
    print(f"ok: every utterance has a TextGrid ending within {args.tolerance * 1000:.0f} ms of its audio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
