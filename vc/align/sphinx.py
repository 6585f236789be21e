"""Forced alignment of words and phones with pocketsphinx's English acoustic model.

pocketsphinx (PyPI ``pocketsphinx`` >= 5) ships a US-English continuous HMM and CMUdict, and can
align a known word sequence: a first pass (``Decoder.set_align_text``) finds the word path with
optional silences, a second pass (``Decoder.set_alignment``) re-aligns that path at phone level.
Frames are 10 ms; a boundary before frame ``t`` is placed at ``t * 0.01 + time_offset`` seconds,
where the default offset is half the analysis window minus half the shift: the time halfway
between the centres of frames ``t - 1`` and ``t``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from vc.align.lexicon import OOV_SUFFIX, Lexicon, Resolution
from vc.errors import UserError
from vc.phones import SILENCE, normalize_phone
from vc.textgrids import Interval

__all__ = ["SAMPLE_RATE", "AlignmentFailed", "AlignResult", "PocketsphinxAligner"]

SAMPLE_RATE = 16000
FRAME_RATE = 100
#: Half the 25.625 ms analysis window minus half the 10 ms shift (seconds).
DEFAULT_TIME_OFFSET = (0.025625 - 0.01) / 2
#: (beam, wbeam, pbeam) per attempt: equal frame, word-exit and phone beams (unequal ones can break
#: the word path of the alignment grammar), pocketsphinx's default width first, then wider.
DEFAULT_BEAMS = ((1e-48, 1e-48, 1e-48), (1e-80, 1e-80, 1e-80), (1e-120, 1e-120, 1e-120))
SPN_LABEL = "spn"
_VARIANT = re.compile(r"\(\d+\)$")


class AlignmentFailed(Exception):
    """One utterance could not be aligned; the message says why (the batch goes on)."""


@dataclass
class AlignResult:
    """Alignment of one utterance.

    Attributes:
        words: contiguous intervals from 0 to ``duration``; silences have the label ``""``.
        phones: contiguous intervals from 0 to ``duration``; labels normalised by
            :func:`vc.phones.normalize_phone` (silence ``"sil"``, an OOV word's garbage model ``"spn"``).
        duration: audio length in seconds.
        oov: transcript tokens without a pronunciation (aligned as ``spn`` when allowed).
        derived: tokens whose pronunciation was built by rule (numbers, compounds, ``'s``).
    """

    words: list[Interval]
    phones: list[Interval]
    duration: float
    oov: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)


def _contiguous(
    entries: list[tuple[int, int, str]], n_frames: int, duration: float, offset: float, gap: str
) -> list[Interval]:
    """Turn (start_frame, end_frame_exclusive, label) runs into intervals covering [0, duration].

    Gaps get the label ``gap`` (the silence label of the tier); adjacent ``gap`` runs are merged.
    """
    def t(frame: int) -> float:
        return 0.0 if frame <= 0 else duration if frame >= n_frames else min(frame / FRAME_RATE + offset, duration)

    out: list[Interval] = []
    cursor = 0.0
    for start_f, end_f, label in entries:
        start, end = max(t(start_f), cursor), t(end_f)
        if end <= start + 1e-9:
            continue
        if start > cursor + 1e-9:
            out.append(Interval(cursor, start, gap))
        out.append(Interval(start, end, label))
        cursor = end
    if cursor < duration - 1e-9:
        out.append(Interval(cursor, duration, gap))
    merged: list[Interval] = []
    for iv in out:
        if merged and merged[-1].label == iv.label == gap:
            merged[-1] = Interval(merged[-1].start, iv.end, iv.label)
        else:
            merged.append(iv)
    return merged


class PocketsphinxAligner:
    """Align 16 kHz speech to its transcript with pocketsphinx (one decoder, reused).

    Args:
        oov: ``"skip"`` fails utterances with out-of-vocabulary words; ``"spn"`` aligns each OOV
            word to pocketsphinx's speech-noise model and labels it ``spn``.
        beams: (beam, wbeam, pbeam) settings tried in order until an alignment succeeds.
        time_offset: seconds added to every inner boundary (see module docstring).
        hmm, dictionary: acoustic model directory and pronunciation dictionary (default: the
            English model and CMUdict that ship with pocketsphinx).

    Raises:
        UserError: pocketsphinx is not installed, or its model cannot be loaded.
    """

    def __init__(
        self,
        oov: str = "skip",
        beams: tuple[tuple[float, float, float], ...] = DEFAULT_BEAMS,
        time_offset: float = DEFAULT_TIME_OFFSET,
        hmm: str | None = None,
        dictionary: str | None = None,
    ) -> None:
        if oov not in ("skip", "spn"):
            raise UserError(f"unknown OOV policy '{oov}' (choose skip or spn)")
        try:
            import pocketsphinx
        except ImportError:
            raise UserError(
                "the built-in aligner needs pocketsphinx: pip install -c constraints.txt pocketsphinx"
            ) from None
        self._ps = pocketsphinx
        self.oov_policy = oov
        self.beams = tuple(beams)
        self.time_offset = float(time_offset)
        self._model = {
            "hmm": hmm or pocketsphinx.get_model_path("en-us/en-us"),
            "dict": dictionary or pocketsphinx.get_model_path("en-us/cmudict-en-us.dict"),
        }
        self._decoders: dict[int, object] = {}
        self._added: dict[str, str] = {}
        self.lexicon = Lexicon(lambda word: self._decoder(0).lookup_word(word))

    def _decoder(self, attempt: int):
        """The decoder for beam setting ``attempt`` (created on first use, with the added words)."""
        if attempt not in self._decoders:
            beam, wbeam, pbeam = self.beams[attempt]
            try:
                # bestpath off: a lattice-based first pass can give words (or </s>) fewer frames than
                # their HMMs have states, which the phone pass then cannot align (as the CLI's align does).
                dec = self._ps.Decoder(
                    lm=None, samprate=SAMPLE_RATE, loglevel="FATAL", bestpath=False,
                    beam=beam, wbeam=wbeam, pbeam=pbeam, **self._model,
                )
            except (RuntimeError, ValueError) as err:
                raise UserError(f"cannot load the pocketsphinx model {self._model}: {err}") from None
            for i, (word, phones) in enumerate(sorted(self._added.items())):
                dec.add_word(word, phones, i == len(self._added) - 1)
            self._decoders[attempt] = dec
        return self._decoders[attempt]

    def _add_words(self, additions: dict[str, str]) -> None:
        """Add derived pronunciations to every decoder made so far (and to later ones)."""
        new = sorted((w, p) for w, p in additions.items() if w not in self._added)
        self._added.update(new)
        for dec in self._decoders.values():
            for i, (word, phones) in enumerate(new):
                dec.add_word(word, phones, i == len(new) - 1)

    def resolve(self, text: str) -> Resolution:
        """Map a transcript to aligner words, applying the OOV policy.

        Args:
            text: transcript.

        Returns:
            The resolution; with ``oov="spn"`` each OOV token is a word on the speech-noise model.

        Raises:
            AlignmentFailed: OOV words under ``oov="skip"``, or no words at all.
        """
        res = self.lexicon.resolve(text, oov_phones="+SPN+" if self.oov_policy == "spn" else None)
        if res.oov and self.oov_policy == "skip":
            raise AlignmentFailed(f"out-of-vocabulary words: {' '.join(res.oov)}")
        if not res.words:
            raise AlignmentFailed("transcript has no words to align")
        return res

    def align(self, wav: np.ndarray, text: str) -> AlignResult:
        """Align one utterance.

        Args:
            wav: mono float waveform (samples,) at 16 kHz, roughly in [-1, 1].
            text: its transcript (any case and punctuation).

        Returns:
            An :class:`AlignResult` with word and phone tiers covering the whole audio.

        Raises:
            AlignmentFailed: OOV words (policy ``skip``), empty transcript, audio too short,
                or no alignment found with any beam setting.
        """
        res = self.resolve(text)
        wav = np.asarray(wav, dtype=np.float32).reshape(-1)
        if wav.size < SAMPLE_RATE // 10:
            raise AlignmentFailed(f"audio too short to align ({wav.size / SAMPLE_RATE:.3f} s)")
        pcm = (np.clip(wav, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()
        self._add_words(res.additions)
        errors = []
        for attempt in range(len(self.beams)):
            try:
                entries, n_frames = self._run(self._decoder(attempt), pcm, res.words)
                break
            except RuntimeError as err:
                errors.append(str(err) or type(err).__name__)
        else:
            raise AlignmentFailed(f"no alignment found (tried {len(self.beams)} beam settings: {errors[-1]})")
        duration = wav.size / SAMPLE_RATE
        words, phones = [], []
        for name, start, dur, children in entries:
            word = _VARIANT.sub("", name)
            is_sil = word.startswith("<") or word.startswith("[")
            if word.endswith(OOV_SUFFIX):
                word = word[: -len(OOV_SUFFIX)]
            words.append((start, start + dur, "" if is_sil else word))
            for pname, pstart, pdur in children:
                label = SPN_LABEL if pname == "+SPN+" else SILENCE if is_sil else normalize_phone(pname)
                phones.append((pstart, pstart + pdur, label))
        return AlignResult(
            words=_contiguous(words, n_frames, duration, self.time_offset, ""),
            phones=_contiguous(phones, n_frames, duration, self.time_offset, SILENCE),
            duration=duration,
            oov=list(res.oov),
            derived=list(res.derived),
        )

    @staticmethod
    def _run(dec, pcm: bytes, words: list[str]):
        """Two-pass alignment; returns ([(word, start, duration, [(phone, start, duration)])], n_frames).

        The feature front end is reset before each pass: its noise estimate otherwise carries over
        from the previous pass or utterance and changes the features.
        """
        dec.set_align_text(" ".join(words))
        dec.reinit_feat()
        dec.start_utt()
        dec.process_raw(pcm, full_utt=True)
        dec.end_utt()
        if dec.hyp() is None:
            raise RuntimeError("word alignment failed")
        dec.set_alignment()
        dec.reinit_feat()
        dec.start_utt()
        dec.process_raw(pcm, full_utt=True)
        dec.end_utt()
        alignment = dec.get_alignment()
        if alignment is None:
            raise RuntimeError("phone alignment failed")
        entries = [
            (w.name, w.start, w.duration, [(p.name, p.start, p.duration) for p in w]) for w in alignment.words()
        ]
        got = [_VARIANT.sub("", e[0]) for e in entries if e[1] >= 0 and not e[0].startswith(("<", "["))]
        if got != words:
            raise RuntimeError(f"alignment covers {len(got)} of {len(words)} words")
        return entries, dec.n_frames()
