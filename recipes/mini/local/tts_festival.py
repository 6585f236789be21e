"""festival 2.5 (Debian ``festival`` + voice packages) in batch mode, with the engine's own timings.

One festival process per speaker synthesizes all sentences from a generated Scheme script.  For
each utterance the script saves the waveform (``utt.save.wave``) and writes, by iterating the
``Segment`` and ``Word`` relations, every segment's name and ``end`` and every word's
``word_start`` / ``word_end`` to a text file, which this module parses.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np
import soundfile as sf

from alignment import Segment, Synthesis, segments_from_ends

VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")

_HEADER = """
(define (corpus-dump-times utt path)
  (let ((fd (fopen path "w")))
    (mapcar
     (lambda (s) (format fd "S %s %f\\n" (item.name s) (item.feat s "end")))
     (utt.relation.items utt 'Segment))
    (mapcar
     (lambda (w) (format fd "W %s %f %f\\n" (item.name w) (item.feat w "word_start") (item.feat w "word_end")))
     (utt.relation.items utt 'Word))
    (fclose fd)))
(define (corpus-say text wavpath timepath)
  (let ((utt (SynthText text)))
    (utt.save.wave utt wavpath 'riff)
    (corpus-dump-times utt timepath)))
"""


def _scheme_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _parse_times(path: Path) -> tuple[list[str], list[float], list[Segment]]:
    labels: list[str] = []
    ends: list[float] = []
    words: list[Segment] = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if parts[0] == "S":
            labels.append(parts[1])
            ends.append(float(parts[2]))
        elif parts[0] == "W":
            words.append(Segment(float(parts[2]), float(parts[3]), parts[1]))
    return labels, ends, words


def synthesize_batch(texts: Sequence[str], voice: str, duration_stretch: float = 1.0) -> list[Synthesis]:
    """Synthesize several sentences with one festival voice in one festival process.

    Args:
        texts: sentences.
        voice: one of :data:`VOICES`.
        duration_stretch: festival's ``Duration_Stretch`` parameter (>1 is slower).
    Returns:
        One Synthesis per text: (samples,) float32 audio at the voice's rate (16 kHz diphone,
        32 kHz HTS), phones with radio phone-set labels (``pau``) and words.
    """
    if voice not in VOICES:
        raise ValueError(f"unknown festival voice {voice!r}; choose from {VOICES}")
    with tempfile.TemporaryDirectory(prefix="festival-") as tmp:
        tmpdir = Path(tmp)
        lines = [_HEADER, f"(voice_{voice})", f"(Parameter.set 'Duration_Stretch {float(duration_stretch)!r})"]
        for i, text in enumerate(texts):
            lines.append(
                f"(corpus-say {_scheme_string(text)} {_scheme_string(str(tmpdir / f'{i}.wav'))} "
                f"{_scheme_string(str(tmpdir / f'{i}.txt'))})"
            )
        script = tmpdir / "batch.scm"
        script.write_text("\n".join(lines) + "\n")
        proc = subprocess.run(["festival", "-b", str(script)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"festival failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
        out: list[Synthesis] = []
        for i, text in enumerate(texts):
            wav_path, time_path = tmpdir / f"{i}.wav", tmpdir / f"{i}.txt"
            if not wav_path.exists() or not time_path.exists():
                raise RuntimeError(f"festival produced no output for {text!r}: {proc.stderr.strip()[-500:]}")
            wav, sr = sf.read(wav_path, dtype="float32", always_2d=True)
            labels, ends, words = _parse_times(time_path)
            out.append(
                Synthesis(
                    wav=np.ascontiguousarray(wav[:, 0]),
                    sample_rate=int(sr),
                    phones=segments_from_ends(labels, ends),
                    words=words,
                )
            )
        return out
