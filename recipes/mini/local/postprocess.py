"""Turn one engine output into a corpus utterance: speed change, resampling, trimming, levels.

All time transforms applied to the audio are applied to the phone and word tiers too:

* ``sox speed S rate -v -L 16000`` (one linear-phase resampling; no dither) plays the audio S times
  faster, raising pitch and formants by S and dividing every time by S.  The same call with S = 1
  only resamples.  Linear phase keeps events in place: a click at t comes out at t / S to within
  0.03 ms (checked with click trains at 16, 22.05 and 32 kHz).
* Trimming cuts or zero-pads whole samples so that exactly ``edge`` seconds lie before the first
  and after the last non-silence phone; the tiers shift by the same number of samples.
"""
from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from alignment import Segment, Synthesis, map_labels, scale, shift, speech_span, tidy, word_tier

SAMPLE_RATE = 16000


@dataclass
class Utterance:
    """A finished utterance.

    Attributes:
        pcm: (samples,) int16 audio at :data:`SAMPLE_RATE`.
        phones: contiguous ARPAbet phone tier over [0, len(pcm) / SAMPLE_RATE].
        words: contiguous word tier over the same span ("" between words).
    """

    pcm: np.ndarray
    phones: list[Segment]
    words: list[Segment]

    @property
    def duration(self) -> float:
        return len(self.pcm) / SAMPLE_RATE


def sox_speed_resample(wav: np.ndarray, sample_rate: int, speed: float) -> np.ndarray:
    """Apply ``sox speed`` and resample to 16 kHz.

    Args:
        wav: (samples,) float32 audio in [-1, 1] (engine output, 16-bit resolution).
        sample_rate: its rate in Hz.
        speed: sox speed factor (1.0 = resample only).
    Returns:
        (samples',) float32 audio at :data:`SAMPLE_RATE`, samples' ~= samples * 16000 / (rate * speed).
    """
    if speed == 1.0 and sample_rate == SAMPLE_RATE:
        return wav.astype(np.float32)
    with tempfile.TemporaryDirectory(prefix="sox-") as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        pcm = np.clip(np.round(wav * 32768.0), -32768, 32767).astype(np.int16)
        sf.write(src, pcm, sample_rate, subtype="PCM_16")
        cmd = ["sox", "-D", "-V1", str(src), "-e", "floating-point", "-b", "32", str(dst)]
        if speed != 1.0:
            cmd += ["speed", repr(float(speed))]
        cmd += ["rate", "-v", "-L", str(SAMPLE_RATE)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"sox failed: {' '.join(cmd)}: {proc.stderr.strip()}")
        out, rate = sf.read(dst, dtype="float32")
    if rate != SAMPLE_RATE:
        raise RuntimeError(f"sox produced {rate} Hz, expected {SAMPLE_RATE}")
    return out


def quantize(wav: np.ndarray, peak: float, bits: int) -> np.ndarray:
    """Peak-normalise to ``peak`` and round to ``bits`` significant bits, stored as int16.

    Args:
        wav: (samples,) float audio.
        peak: target absolute peak (fraction of full scale).
        bits: 2..16 significant bits; the low 16 - bits bits of every sample are zero.
    Returns:
        (samples,) int16.
    """
    if not 2 <= bits <= 16:
        raise ValueError(f"bits must be in 2..16, got {bits}")
    top = float(np.max(np.abs(wav)))
    if top <= 0.0:
        raise ValueError("silent waveform")
    steps = 2 ** (bits - 1)
    q = np.round(wav.astype(np.float64) * (peak / top) * steps)
    q = np.clip(q, -steps, steps - 1).astype(np.int32) * (2 ** (16 - bits))
    return q.astype(np.int16)


def finish(
    syn: Synthesis,
    table: dict[str, tuple[str, ...]],
    speed: float = 1.0,
    edge: float = 0.1,
    peak: float = 0.95,
    bits: int = 16,
) -> Utterance:
    """Engine output -> 16 kHz utterance with ARPAbet phone and word tiers.

    Args:
        syn: engine output with native phone labels and word segments (labels already normalised).
        table: native label -> ARPAbet phones (see ``phonesets``).
        speed: sox speed factor for a variant speaker.
        edge: seconds of silence kept (or zero-padded) before the first and after the last phone.
        peak: peak level after normalisation.
        bits: significant bits kept in the 16-bit samples.
    """
    phones = tidy(map_labels(syn.phones, table), syn.duration)
    wav = sox_speed_resample(syn.wav, syn.sample_rate, speed)
    factor = 1.0 / speed
    duration = len(wav) / SAMPLE_RATE
    phones = tidy(scale(phones, factor), duration)
    words = scale(syn.words, factor)

    first, last = speech_span(phones)
    lead = int(round(edge * SAMPLE_RATE))
    begin = int(round(first * SAMPLE_RATE)) - lead  # < 0: pad with zeros
    end = int(round(last * SAMPLE_RATE)) + lead  # > len: pad with zeros
    body = wav[max(begin, 0) : min(end, len(wav))]
    wav = np.concatenate(
        [np.zeros(max(-begin, 0), np.float32), body, np.zeros(max(end - len(wav), 0), np.float32)]
    )
    offset = -begin / SAMPLE_RATE
    duration = len(wav) / SAMPLE_RATE
    phones = tidy(shift(phones, offset), duration)
    words = word_tier(shift(words, offset), duration)
    return Utterance(pcm=quantize(wav, peak, bits), phones=phones, words=words)
