"""Intelligibility: word and character error rates from an offline English recogniser.

Recogniser: PocketSphinx (the ``pocketsphinx`` PyPI package, which ships the CMU US-English
acoustic model, a 3-gram language model and the CMU pronouncing dictionary), decoding each
utterance whole at 16 kHz with the package's default search settings (batch CMN; feature
state reset per utterance, so results do not depend on the decoding order).

Scoring: both texts are normalised by :func:`normalize_text` (lower case; every character other
than a-z, 0-9 and the apostrophe becomes a space; apostrophes at word edges dropped; whitespace
collapsed). WER counts word substitutions + deletions + insertions (Levenshtein alignment) over
the reference word count; CER does the same over the characters of the normalised text with
single spaces between words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

import librosa
import numpy as np

from .optional import require

ASR_SAMPLE_RATE = 16000
_NON_WORD = re.compile(r"[^a-z0-9']+")


def normalize_text(text: str) -> str:
    """Lower-case ``text`` and keep only words of letters, digits and inner apostrophes."""
    words = (w.strip("'") for w in _NON_WORD.sub(" ", text.lower()).split())
    return " ".join(w for w in words if w)


@dataclass(frozen=True)
class EditCounts:
    """Levenshtein alignment counts between a reference and a hypothesis sequence."""

    substitutions: int
    deletions: int
    insertions: int
    ref_length: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def rate(self) -> float:
        """errors / ref_length (inf if the reference is empty and the hypothesis is not, 0 if both are)."""
        if self.ref_length == 0:
            return 0.0 if self.errors == 0 else float("inf")
        return self.errors / self.ref_length


def edit_counts(ref: Sequence, hyp: Sequence) -> EditCounts:
    """Minimum-edit alignment of ``hyp`` to ``ref`` (unit costs), with its S/D/I breakdown.

    Among alignments with the fewest errors, ties are broken towards fewer substitutions
    (as a lexicographic cost), so the breakdown is deterministic.

    Args:
        ref: reference tokens (words or characters).
        hyp: hypothesis tokens.

    Returns:
        :class:`EditCounts`.
    """
    n, m = len(ref), len(hyp)
    # Each cell holds (errors, substitutions, deletions, insertions); compared lexicographically.
    prev = [(j, 0, 0, j) for j in range(m + 1)]
    for i in range(1, n + 1):
        cur = [(i, 0, i, 0)]
        for j in range(1, m + 1):
            e, s, d, ins = prev[j - 1]
            if ref[i - 1] == hyp[j - 1]:
                diag = (e, s, d, ins)
            else:
                diag = (e + 1, s + 1, d, ins)
            e, s, d, ins = prev[j]
            up = (e + 1, s, d + 1, ins)
            e, s, d, ins = cur[j - 1]
            left = (e + 1, s, d, ins + 1)
            cur.append(min(diag, up, left))
        prev = cur
    _, s, d, ins = prev[m]
    return EditCounts(s, d, ins, n)


def word_errors(ref_text: str, hyp_text: str) -> EditCounts:
    """Word-level edit counts after :func:`normalize_text`."""
    return edit_counts(normalize_text(ref_text).split(), normalize_text(hyp_text).split())


def char_errors(ref_text: str, hyp_text: str) -> EditCounts:
    """Character-level edit counts (spaces included) after :func:`normalize_text`."""
    return edit_counts(list(normalize_text(ref_text)), list(normalize_text(hyp_text)))


class Recognizer:
    """PocketSphinx US-English recogniser, built once and reused.

    Raises:
        MetricUnavailable: pocketsphinx cannot be imported.
    """

    def __init__(self) -> None:
        ps = require("pocketsphinx", "pocketsphinx", "intelligibility (WER/CER)")
        self._decoder = ps.Decoder(samprate=ASR_SAMPLE_RATE, loglevel="FATAL")

    def transcribe(self, wav: np.ndarray, sample_rate: int) -> str:
        """Recognise one utterance.

        Args:
            wav: (samples,) mono float waveform in [-1, 1].
            sample_rate: its rate in Hz (resampled to 16 kHz).

        Returns:
            The recognised words, lower case, space separated ("" if nothing was recognised).
        """
        wav = np.asarray(wav, dtype=np.float32)
        if sample_rate != ASR_SAMPLE_RATE:
            wav = librosa.resample(y=wav, orig_sr=sample_rate, target_sr=ASR_SAMPLE_RATE)
        pcm = (np.clip(wav, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        dec = self._decoder
        dec.reinit_feat()  # no feature state carried over from the previous utterance
        dec.start_utt()
        dec.process_raw(pcm, full_utt=True)
        dec.end_utt()
        hyp = dec.hyp()
        return normalize_text(hyp.hypstr) if hyp is not None else ""
