"""Time-aligned segments produced by the synthesizers, and the transforms applied to them.

Every engine wrapper (``tts_flite``, ``tts_festival``, ``tts_espeak``) returns a
:class:`Synthesis`: the waveform plus the phone and word segments that the engine itself used to
generate it (so the alignment is exact, not estimated).  The functions here turn those native
segments into MFA-style tiers: labels mapped to ARPAbet, silences merged, gaps filled, times
scaled (speed variants) and shifted (silence trimming) together with the audio.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

SIL = "sil"


@dataclass(frozen=True)
class Segment:
    """One labelled interval ``[start, end)`` in seconds."""

    start: float
    end: float
    label: str

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Synthesis:
    """Output of one engine call.

    Attributes:
        wav: (samples,) float32 waveform in [-1, 1].
        sample_rate: sampling rate of ``wav`` in Hz.
        phones: contiguous phone segments with the engine's own labels, covering [0, duration].
        words: word segments (no pauses), labels as the engine spelled them.
    """

    wav: np.ndarray
    sample_rate: int
    phones: list[Segment]
    words: list[Segment] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return len(self.wav) / self.sample_rate


def segments_from_ends(labels: Sequence[str], ends: Sequence[float]) -> list[Segment]:
    """Contiguous segments from end times (festival / flite style); the first starts at 0.

    Args:
        labels: N labels.
        ends: N non-decreasing end times in seconds.
    Returns:
        N segments, segment i spanning [ends[i-1], ends[i]).
    """
    out: list[Segment] = []
    start = 0.0
    for label, end in zip(labels, ends, strict=True):
        out.append(Segment(start, float(end), label))
        start = float(end)
    return out


def segments_from_starts(labels: Sequence[str], starts: Sequence[float], total: float) -> list[Segment]:
    """Contiguous segments from start times (espeak-ng phoneme events); the last ends at ``total``.

    Anything before the first start becomes a silence segment.
    """
    out: list[Segment] = []
    if starts and starts[0] > 0.0:
        out.append(Segment(0.0, float(starts[0]), SIL))
    for i, (label, start) in enumerate(zip(labels, starts, strict=True)):
        end = float(starts[i + 1]) if i + 1 < len(starts) else float(total)
        out.append(Segment(float(start), end, label))
    return out


def map_labels(
    phones: Iterable[Segment], table: Mapping[str, tuple[str, ...]], split_first: float = 0.6
) -> list[Segment]:
    """Map native phone labels to ARPAbet with an explicit table.

    A native phone mapped to two ARPAbet phones (e.g. espeak's rhotic vowel ``A@`` -> ``aa r``) is
    split: the first phone gets ``split_first`` of the duration, the second the rest.  An empty
    tuple drops the label into the neighbouring silence (mapped to ``sil``).

    Raises:
        ValueError: a label missing from the table (names the label).
    """
    out: list[Segment] = []
    for seg in phones:
        if seg.label == SIL:  # silence added by this module (e.g. before espeak's first phoneme)
            out.append(seg)
            continue
        if seg.label not in table:
            raise ValueError(f"no ARPAbet mapping for native phone {seg.label!r}")
        target = table[seg.label] or (SIL,)
        if len(target) == 1:
            out.append(Segment(seg.start, seg.end, target[0]))
        elif len(target) == 2:
            mid = seg.start + split_first * seg.duration
            out.append(Segment(seg.start, mid, target[0]))
            out.append(Segment(mid, seg.end, target[1]))
        else:
            raise ValueError(f"mapping of {seg.label!r} has more than two phones: {target}")
    return out


def tidy(phones: Sequence[Segment], duration: float, min_dur: float = 1e-6) -> list[Segment]:
    """Make a phone tier well formed over [0, duration].

    Clips to the audio, fills gaps (and the tail) with ``sil``, drops zero-length segments and merges
    adjacent ``sil`` segments.  The result is contiguous, starts at 0 and ends exactly at ``duration``.
    """
    out: list[Segment] = []

    def push(start: float, end: float, label: str) -> None:
        if end - start < min_dur:
            return
        if out and label == SIL and out[-1].label == SIL:
            out[-1] = Segment(out[-1].start, end, SIL)
        else:
            out.append(Segment(start, end, label))

    cursor = 0.0
    for seg in phones:
        start, end = max(seg.start, cursor), min(seg.end, duration)
        if start > cursor:
            push(cursor, start, SIL)
        if end > start:
            push(start, end, seg.label)
            cursor = end
        cursor = max(cursor, start)
        if cursor >= duration:
            break
    if cursor < duration:
        push(cursor, duration, SIL)
    if out:
        out[-1] = Segment(out[-1].start, duration, out[-1].label)
    return out


def word_tier(words: Sequence[Segment], duration: float) -> list[Segment]:
    """Contiguous word tier over [0, duration]; pauses between words get the empty label (MFA style)."""
    out: list[Segment] = []
    cursor = 0.0
    for w in words:
        start, end = max(w.start, cursor), min(w.end, duration)
        if start > cursor + 1e-6:
            out.append(Segment(cursor, start, ""))
        if end > start:
            out.append(Segment(start, end, w.label))
            cursor = end
    if cursor < duration - 1e-6:
        out.append(Segment(cursor, duration, ""))
    if out:
        out[-1] = Segment(out[-1].start, duration, out[-1].label)
    return out


def scale(segments: Sequence[Segment], factor: float) -> list[Segment]:
    """Multiply all times by ``factor`` (a speed change by s scales times by 1/s)."""
    return [Segment(s.start * factor, s.end * factor, s.label) for s in segments]


def shift(segments: Sequence[Segment], offset: float) -> list[Segment]:
    """Add ``offset`` seconds to all times."""
    return [Segment(s.start + offset, s.end + offset, s.label) for s in segments]


def speech_span(phones: Sequence[Segment]) -> tuple[float, float]:
    """(start of the first non-silence phone, end of the last one).

    Raises:
        ValueError: the tier contains only silence.
    """
    speech = [p for p in phones if p.label != SIL]
    if not speech:
        raise ValueError("phone tier contains no speech")
    return speech[0].start, speech[-1].end


def normalize_words(text: str) -> list[str]:
    """Lower-case word tokens of a transcript: runs of letters and apostrophes."""
    return re.findall(r"[a-z']+", text.lower())


def join_clitics(words: Sequence[Segment]) -> list[Segment]:
    """Lower-case engine word labels and join ``'s``-style tokens to the word before (it 's -> it's)."""
    out: list[Segment] = []
    for w in words:
        label = w.label.lower()
        if label.startswith("'") and out:
            prev = out[-1]
            out[-1] = Segment(prev.start, max(prev.end, w.end), prev.label + label)
        else:
            out.append(Segment(w.start, w.end, label))
    return out
