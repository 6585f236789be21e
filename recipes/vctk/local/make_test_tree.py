#!/usr/bin/env python
"""Build a small corpus in the exact VCTK layout from the mini corpus (or any Kaldi data directory).

VCTK itself cannot be downloaded here, so the recipe and its tests run on this stand-in:

* ``--layout 0.92``: ``wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac`` and ``_mic2.flac`` (48 kHz
  16-bit FLAC), ``txt/pNNN/pNNN_MMM.txt``, ``speaker-info.txt`` with IDs ``pNNN``;
* ``--layout 0.80``: ``wav48/pNNN/pNNN_MMM.wav`` (48 kHz 16-bit WAV), ``txt/``, ``speaker-info.txt``
  with bare numeric IDs.

``--src`` is the mini corpus directory (``recipes/mini/corpus`` with its ``manifest.tsv``) or a
Kaldi data directory (``wav.scp``, ``text``, ``utt2spk``, optional ``textgrid.scp``).
Source speakers become p225, p226, ... in sorted order; a sentence gets the same number MMM for
every speaker who says it (as VCTK's shared elicitation sentences do). The last
``--no-text-speakers`` speakers get no transcripts at all (VCTK's p315 has none). The ``mic2``
copy is the ``mic1`` audio at a lower gain, so the two can be told apart. With ``--textgrids-out``
the source's gold TextGrids (``textgrid.scp``) are copied under the new names
(``TGDIR/pNNN/pNNN_MMM.TextGrid``).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

import librosa  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from vc.datadir import DataDir, read_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402
from vc.fileio import atomic_path, write_text_atomic  # noqa: E402

RATE = 48000
FIRST_SPEAKER = 225
MIC2_GAIN = 0.6


def _write_audio(path: Path, wav: np.ndarray, fmt: str) -> None:
    with atomic_path(path) as tmp:
        sf.write(str(tmp), wav, RATE, format=fmt, subtype="PCM_16")


def read_source(src: Path) -> DataDir:
    """The source utterances: the mini corpus's ``manifest.tsv`` or a Kaldi data directory."""
    manifest = src / "manifest.tsv"
    if not manifest.is_file():
        return read_data_dir(src)
    d = DataDir(root=src)
    with open(manifest, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            utt = row["utt_id"]
            d.wav_scp[utt] = str((src / row["audio"]).resolve())
            d.textgrid_scp[utt] = str((src / row["textgrid"]).resolve())
            d.utt2spk[utt] = row["speaker"]
            d.text[utt] = row["text"]
    return d


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Build a small VCTK-layout tree from a Kaldi data directory.")
    p.add_argument("--src", required=True, type=Path,
                   help="mini corpus directory (manifest.tsv) or Kaldi data directory (wav.scp, text, utt2spk)")
    p.add_argument("--out", required=True, type=Path, help="output tree root (the --db-root of the recipe)")
    p.add_argument("--layout", choices=("0.92", "0.80"), default="0.92")
    p.add_argument("--speakers", type=int, default=0, help="use the first N source speakers (0: all)")
    p.add_argument("--utts-per-speaker", type=int, default=0, help="at most N utterances each (0: all)")
    p.add_argument("--no-text-speakers", type=int, default=1, help="last N speakers get no transcripts")
    p.add_argument("--textgrids-out", type=Path, default=None, help="copy gold TextGrids here under the new names")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    src = read_source(args.src)
    if not src.text:
        raise UserError(f"{args.src}: no 'text' file; the tree needs transcripts")
    spk2utt = src.spk2utt
    speakers = list(spk2utt)[: args.speakers or None]
    if args.no_text_speakers >= len(speakers):
        raise UserError(f"--no-text-speakers {args.no_text_speakers} leaves no speaker with transcripts")
    sentences = sorted({" ".join(src.text[u].split()) for s in speakers for u in spk2utt[s]})
    number = {t: i + 1 for i, t in enumerate(sentences)}
    audio_dir = args.out / ("wav48_silence_trimmed" if args.layout == "0.92" else "wav48")
    info = ["ID  AGE  GENDER  ACCENTS  REGION" + ("  COMMENTS" if args.layout == "0.92" else "")]
    n_files = 0
    for k, spk in enumerate(speakers):
        new_spk = f"p{FIRST_SPEAKER + k}"
        with_text = k < len(speakers) - args.no_text_speakers
        utts = spk2utt[spk][: args.utts_per_speaker or None]
        for utt in utts:
            text = " ".join(src.text[utt].split())
            new_utt = f"{new_spk}_{number[text]:03d}"
            wav, sr = sf.read(str(src.wav_path(utt)), dtype="float32", always_2d=True)
            wav = wav.mean(axis=1)
            if sr != RATE:
                wav = librosa.resample(wav, orig_sr=sr, target_sr=RATE)
            wav = np.clip(wav, -1.0, 1.0)
            if args.layout == "0.92":
                _write_audio(audio_dir / new_spk / f"{new_utt}_mic1.flac", wav, "FLAC")
                _write_audio(audio_dir / new_spk / f"{new_utt}_mic2.flac", wav * MIC2_GAIN, "FLAC")
            else:
                _write_audio(audio_dir / new_spk / f"{new_utt}.wav", wav, "WAV")
            n_files += 1
            if with_text:
                write_text_atomic(args.out / "txt" / new_spk / f"{new_utt}.txt", text + "\n")
            tg = src.textgrid_path(utt)
            if args.textgrids_out is not None and tg is not None and tg.is_file():
                dest = args.textgrids_out / new_spk / f"{new_utt}.TextGrid"
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(tg, dest)
        ident = new_spk if args.layout == "0.92" else new_spk[1:]
        gender = "F" if k % 2 == 0 else "M"
        info.append(f"{ident}  {20 + k % 15}  {gender}    English    Synthetic{'  (no transcripts)' if not with_text else ''}")
    write_text_atomic(args.out / "speaker-info.txt", "\n".join(info) + "\n")
    print(f"wrote a VCTK {args.layout} tree with {len(speakers)} speakers and {n_files} utterances to {args.out}")
    return 0


if __name__ == "__main__":
    main()
