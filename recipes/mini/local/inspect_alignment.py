#!/usr/bin/env python3
"""Look at the mini corpus alignments against the audio: a plot per utterance and boundary statistics.

Usage (from the repository root)::

    .venv/bin/python recipes/mini/local/inspect_alignment.py --plot out.png flite-slt_h0101 espk-usm_h0107
    .venv/bin/python recipes/mini/local/inspect_alignment.py --stats

``--plot`` draws, per utterance, the waveform, its energy envelope (dB, 10 ms window) and the phone
and word boundaries.  ``--stats`` measures, for every speaker, where the energy actually drops or
rises near labelled boundaries (vowel -> p/t/k/ch: steepest drop within +-40 ms; p/t/k/ch/s/sh/z/f
-> vowel: steepest rise) and the level of stop and silence intervals relative to the vowels.
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

LOCAL = Path(__file__).resolve().parent
sys.path.insert(0, str(LOCAL))

from corpus_io import read_tsv  # noqa: E402

VOWELS = frozenset("aa ae ah ao aw ax ay eh er ey ih iy ow oy uh uw".split())
VOICELESS_STOPS = frozenset("p t k ch".split())
FRICATIVES = frozenset("s sh z f".split())


def energy_db(wav: np.ndarray, sample_rate: int, step_s: float = 0.001, win_s: float = 0.01) -> np.ndarray:
    """Energy envelope: (frames,) dB, frame i centred at i * step_s seconds."""
    step, win = int(step_s * sample_rate), int(win_s * sample_rate)
    frames = np.lib.stride_tricks.sliding_window_view(np.pad(wav, (win // 2, win // 2)), win)[::step]
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1e-10)


def load(corpus: Path, row: dict[str, str]) -> tuple[np.ndarray, int, dict[str, list[tuple[float, float, str]]]]:
    """Audio and tiers of one manifest row."""
    import soundfile as sf
    import textgrid

    wav, sr = sf.read(str(corpus / row["audio"]), dtype="float32")
    grid = textgrid.TextGrid.fromFile(str(corpus / row["textgrid"]))
    tiers = {t.name: [(float(i.minTime), float(i.maxTime), i.mark) for i in t] for t in grid.tiers}
    return wav, sr, tiers


def plot(corpus: Path, rows: list[dict[str, str]], out: Path) -> None:
    """One panel per utterance: waveform (grey), energy (blue), phones (red), words (green)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 1, figsize=(24, 3.2 * len(rows)), squeeze=False)
    for ax, row in zip(axes[:, 0], rows):
        wav, sr, tiers = load(corpus, row)
        env = energy_db(wav, sr)
        ax.plot(np.arange(len(wav)) / sr, wav * 40 - 40, lw=0.3, color="0.6")
        ax.plot(np.arange(len(env)) / 1000, env, color="b")
        for start, end, label in tiers["phones"]:
            ax.axvline(start, color="r", lw=0.7)
            ax.text((start + end) / 2, 3, label, ha="center", fontsize=9)
        for start, end, label in tiers.get("words", []):
            ax.axvline(start, color="g", lw=1.5, ls="--")
            ax.text((start + end) / 2, 10, label, ha="center", fontsize=10, color="g")
        ax.set_ylim(-95, 15)
        ax.set_xlim(0, len(wav) / sr)
        ax.set_title(f"{row['utt_id']}: {row['text']}", loc="left")
    fig.tight_layout()
    fig.savefig(out, dpi=60)
    print(f"wrote {out}")


def stats(corpus: Path, rows: list[dict[str, str]]) -> None:
    """Print per-speaker offsets between labelled boundaries and energy jumps, and stop/silence levels."""
    offsets: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        wav, sr, tiers = load(corpus, row)
        env = energy_db(wav, sr)
        slope = np.gradient(env)
        phones = tiers["phones"]

        def jump(t: float, sign: int, span: int = 40) -> float:
            c = int(round(t * 1000))
            a, b = max(c - span, 1), min(c + span, len(slope) - 1)
            return (a + int(np.argmax(slope[a:b] * sign))) / 1000 - t

        vowel_db = np.median([env[int(s * 1000) : int(e * 1000)].mean() for s, e, p in phones if p in VOWELS and e - s > 0.03])
        res = offsets[row["speaker"]]
        for (_, end0, p0), (_, _, p1) in zip(phones, phones[1:]):
            if p0 in VOWELS and p1 in VOICELESS_STOPS:
                res["vowel>stop drop (ms)"].append(1000 * jump(end0, -1))
            if p0 in VOICELESS_STOPS | FRICATIVES and p1 in VOWELS:
                res["obstruent>vowel rise (ms)"].append(1000 * jump(end0, +1))
        for s, e, p in phones:
            lo, hi = int(s * 1000), max(int(e * 1000), int(s * 1000) + 1)
            if p in ("p", "t", "k"):
                res["p/t/k min level (dB re vowels)"].append(env[lo:hi].min() - vowel_db)
            if p == "sil" and e - s > 0.05:
                res["sil mean level (dB re vowels)"].append(env[lo + 10 : hi - 10].mean() - vowel_db)
    print(f"{'speaker':14s} {'measure':32s} {'n':>4s} {'median':>7s} {'10%':>7s} {'90%':>7s} {'|x|<=20':>8s}")
    for spk in sorted(offsets):
        for name, values in offsets[spk].items():
            v = np.asarray(values)
            within = f"{np.mean(np.abs(v) <= 20) * 100:7.0f}%" if "ms" in name else ""
            print(f"{spk:14s} {name:32s} {len(v):4d} {np.median(v):7.1f} {np.percentile(v, 10):7.1f} "
                  f"{np.percentile(v, 90):7.1f} {within}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("utts", nargs="*", help="utterance ids to plot")
    ap.add_argument("--corpus", type=Path, default=LOCAL.parent / "corpus")
    ap.add_argument("--plot", type=Path, help="PNG to draw the given utterances into")
    ap.add_argument("--stats", action="store_true", help="boundary statistics over the whole corpus")
    args = ap.parse_args(argv)
    rows = read_tsv(args.corpus / "manifest.tsv")
    if args.plot:
        by_id = {r["utt_id"]: r for r in rows}
        missing = [u for u in args.utts if u not in by_id]
        if not args.utts or missing:
            print(f"error: give utterance ids to plot (unknown: {missing})", file=sys.stderr)
            return 1
        plot(args.corpus, [by_id[u] for u in args.utts], args.plot)
    if args.stats:
        stats(args.corpus, rows)
    if not args.plot and not args.stats:
        ap.print_usage()
    return 0


if __name__ == "__main__":
    sys.exit(main())
