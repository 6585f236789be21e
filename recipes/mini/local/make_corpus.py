#!/usr/bin/env python3
"""Synthesize the embedded mini corpus: parallel multi-speaker English with exact phone alignments.

Run from the repository root (needs the Debian packages flite, festival, festvox-kdlpc16k,
festvox-us-slt-hts, libespeak-ng1 and sox; the committed corpus does not)::

    OMP_NUM_THREADS=1 .venv/bin/python recipes/mini/local/make_corpus.py

It writes, under ``recipes/mini/corpus/``: ``audio/<spk>/<utt>.flac`` (16 kHz mono 16-bit),
``textgrids/<spk>/<utt>.TextGrid`` (tiers ``words`` and ``phones``), ``manifest.tsv``,
``speakers.tsv``, ``sentences.tsv`` and ``splits.json``.  The same inputs give byte-identical
files.  Utterance ids are ``<speaker>_<sentence id>``; speaker ids contain no ``_`` so sorting
utterance ids groups them by speaker.
"""
from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

LOCAL = Path(__file__).resolve().parent
sys.path.insert(0, str(LOCAL))

from alignment import Synthesis, join_clitics, normalize_words  # noqa: E402
from corpus_io import read_sentences, textgrid_text, tsv_text, write_flac, write_text  # noqa: E402
from phonesets import RADIO_TO_ARPABET, espeak_table  # noqa: E402
from postprocess import SAMPLE_RATE, Utterance, finish  # noqa: E402

RECIPE = LOCAL.parent
DEFAULT_OUT = RECIPE / "corpus"
SENTENCES = LOCAL / "sentences.txt"

#: Sentences never seen in training by any speaker (same ids for every speaker).
DEV_SENTENCES = ("h0105", "h0205", "h0305", "h0405")
TEST_SENTENCES = ("h0110", "h0210", "h0310", "h0410")


@dataclass(frozen=True)
class Speaker:
    """One corpus speaker: an engine voice, its settings and an optional sox speed change."""

    id: str
    engine: str  # flite | festival | espeak
    voice: str
    gender: str  # as perceived
    accent: str
    description: str
    speed: float = 1.0  # sox speed factor: pitch, formants and tempo all times this
    options: tuple[tuple[str, float], ...] = ()  # engine keyword arguments
    heldout: bool = False

    @property
    def table(self) -> dict[str, tuple[str, ...]]:
        if self.engine == "espeak":
            return espeak_table(rhotic=self.voice.startswith("en-us"))
        return RADIO_TO_ARPABET

    @property
    def settings(self) -> str:
        parts = [f"{k}={v}" for k, v in self.options]
        if self.speed != 1.0:
            cents = 1200 * math.log2(self.speed)
            parts.append(f"sox speed {self.speed} (pitch {cents:+.0f} cents, tempo x{self.speed})")
        return "; ".join(parts) or "default"


SPEAKERS: tuple[Speaker, ...] = (
    Speaker("flite-slt", "flite", "slt", "F", "US", "flite clustergen voice from CMU ARCTIC slt"),
    Speaker("flite-awb", "flite", "awb", "M", "Scottish", "flite clustergen voice from CMU ARCTIC awb"),
    Speaker("flite-rms", "flite", "rms", "M", "US", "flite clustergen voice from CMU ARCTIC rms"),
    Speaker("flite-kal", "flite", "kal16", "M", "US", "flite 16 kHz diphone voice (kal)"),
    Speaker(
        "flite-rmsfast", "flite", "rms", "M", "US",
        "flite rms played 1.18x faster: higher pitch and formants, quicker speech", speed=1.18,
    ),
    Speaker(
        "fest-sltlow", "festival", "cmu_us_slt_arctic_hts", "F", "US",
        "festival HTS voice from CMU ARCTIC slt played at 0.85x: lower pitch and formants, slower",
        speed=0.85,
    ),
    Speaker("espk-usm", "espeak", "en-us", "M", "US", "espeak-ng formant synthesis, American English"),
    Speaker(
        "espk-gbf", "espeak", "en-gb-x-rp+f1", "F", "British RP",
        "espeak-ng formant synthesis, British RP, female variant f1",
    ),
    Speaker(
        "fest-ked", "festival", "ked_diphone", "M", "US", "festival LPC diphone voice (ked)", heldout=True,
    ),
)


def synthesize_all(spk: Speaker, texts: list[str]) -> list[Synthesis]:
    """Run the speaker's engine on every text (native labels and timings)."""
    opts = dict(spk.options)
    if spk.engine == "flite":
        import tts_flite

        return [tts_flite.synthesize(t, spk.voice, **opts) for t in texts]
    if spk.engine == "festival":
        import tts_festival

        return tts_festival.synthesize_batch(texts, spk.voice, **opts)
    if spk.engine == "espeak":
        import tts_espeak

        return [tts_espeak.synthesize(t, spk.voice, **{k: int(v) for k, v in opts.items()}) for t in texts]
    raise ValueError(f"unknown engine {spk.engine!r}")


def split_of(spk: Speaker, sid: str) -> str:
    if spk.heldout:
        return "heldout"
    if sid in DEV_SENTENCES:
        return "dev"
    if sid in TEST_SENTENCES:
        return "test"
    return "train"


def build(out: Path, sentences: list[tuple[str, str]], speakers: tuple[Speaker, ...], bits: int, edge: float) -> None:
    """Synthesize every (speaker, sentence) pair into ``out`` (which must be empty or absent)."""
    manifest = []
    for spk in speakers:
        t0 = time.time()
        syns = synthesize_all(spk, [text for _, text in sentences])
        total = 0.0
        for (sid, text), syn in zip(sentences, syns, strict=True):
            utt_id = f"{spk.id}_{sid}"
            syn.words = join_clitics(syn.words)
            expected = normalize_words(text)
            got = [w.label for w in syn.words]
            if got != expected:
                raise RuntimeError(f"{utt_id}: engine words {got} differ from transcript {expected}")
            try:
                utt: Utterance = finish(syn, spk.table, speed=spk.speed, edge=edge, bits=bits)
            except ValueError as exc:
                raise RuntimeError(f"{utt_id}: {exc}") from exc
            audio = Path("audio") / spk.id / f"{utt_id}.flac"
            grid = Path("textgrids") / spk.id / f"{utt_id}.TextGrid"
            write_flac(out / audio, utt.pcm, SAMPLE_RATE)
            write_text(out / grid, textgrid_text({"words": utt.words, "phones": utt.phones}, utt.duration))
            manifest.append(
                (utt_id, spk.id, sid, split_of(spk, sid), spk.engine, spk.voice, spk.settings,
                 f"{utt.duration:.4f}", len(utt.pcm), audio.as_posix(), grid.as_posix(), text)
            )
            total += utt.duration
        print(f"{spk.id:14s} {len(sentences)} utts {total / 60:5.2f} min  ({time.time() - t0:.1f} s)", flush=True)

    manifest.sort()
    header = ("utt_id", "speaker", "sentence_id", "split", "engine", "voice", "settings",
              "duration", "num_samples", "audio", "textgrid", "text")
    write_text(out / "manifest.tsv", tsv_text(header, manifest))
    write_text(
        out / "speakers.tsv",
        tsv_text(
            ("speaker", "role", "engine", "voice", "gender", "accent", "sox_speed", "settings", "description"),
            sorted(
                (s.id, "heldout" if s.heldout else "train", s.engine, s.voice, s.gender, s.accent, s.speed,
                 s.settings, s.description)
                for s in speakers
            ),
        ),
    )
    sent_rows = [
        (sid, "dev" if sid in DEV_SENTENCES else "test" if sid in TEST_SENTENCES else "train", text)
        for sid, text in sentences
    ]
    write_text(out / "sentences.tsv", tsv_text(("sentence_id", "split", "text"), sent_rows))
    splits = {
        "train_sentences": [r[0] for r in sent_rows if r[1] == "train"],
        "dev_sentences": [r[0] for r in sent_rows if r[1] == "dev"],
        "test_sentences": [r[0] for r in sent_rows if r[1] == "test"],
        "train_speakers": sorted(s.id for s in speakers if not s.heldout),
        "heldout_speakers": sorted(s.id for s in speakers if s.heldout),
        "sample_rate": SAMPLE_RATE,
        "significant_bits": bits,
        "edge_silence_s": edge,
    }
    write_text(out / "splits.json", json.dumps(splits, indent=2) + "\n")


GENERATED = ("audio", "textgrids", "manifest.tsv", "speakers.tsv", "sentences.tsv", "splits.json")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="corpus directory (default: %(default)s)")
    ap.add_argument("--num-sentences", type=int, default=46, help="first N sentences of sentences.txt")
    ap.add_argument("--bits", type=int, default=12, help="significant bits per 16-bit sample (size vs noise)")
    ap.add_argument("--edge", type=float, default=0.1, help="silence kept before/after speech, seconds")
    ap.add_argument("--speakers", default="", help="comma-separated subset of speaker ids (default: all)")
    args = ap.parse_args(argv)

    sentences = read_sentences(SENTENCES)[: args.num_sentences]
    missing = [s for s in DEV_SENTENCES + TEST_SENTENCES if s not in dict(sentences)]
    if missing:
        ap.error(f"--num-sentences {args.num_sentences} leaves out dev/test sentences {missing}")
    speakers = SPEAKERS
    if args.speakers:
        wanted = args.speakers.split(",")
        unknown = sorted(set(wanted) - {s.id for s in SPEAKERS})
        if unknown:
            ap.error(f"unknown speakers {unknown}")
        speakers = tuple(s for s in SPEAKERS if s.id in wanted)

    out: Path = args.out.resolve()
    build_dir = out / ".build"
    if build_dir.exists():
        shutil.rmtree(build_dir)
    build_dir.mkdir(parents=True)
    try:
        build(build_dir, sentences, speakers, args.bits, args.edge)
    except BaseException:
        shutil.rmtree(build_dir, ignore_errors=True)
        raise
    for name in GENERATED:  # swap the finished build into place; README.md and others are kept
        target = out / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
        (build_dir / name).replace(target)
    build_dir.rmdir()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
