"""Choosing what to convert: source utterance x target speaker pairs, with parallel targets.

Two utterances are *parallel* when they say the same sentence. The sentence key of an utterance
is its normalised transcript (:func:`vc.evaluation.asr.normalize_text`) when the data directory
has a non-empty ``text`` entry for it, otherwise its utterance id with the first occurrence of
the speaker id removed (``spk1_h0101`` -> ``_h0101``, the usual ``<speaker>_<sentence>`` naming).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from vc.datadir import DataDir
from vc.errors import UserError

from .asr import normalize_text


@dataclass(frozen=True)
class Pair:
    """One conversion to evaluate.

    Attributes:
        source_utt: utterance to convert.
        source_spk: its speaker.
        target_spk: speaker to convert to.
        target_utt: the target speaker's utterance of the same sentence, or None.
    """

    source_utt: str
    source_spk: str
    target_spk: str
    target_utt: str | None

    @property
    def parallel(self) -> bool:
        return self.target_utt is not None


def sentence_key(data: DataDir, utt: str) -> str:
    """The key under which parallel utterances coincide (see module docstring)."""
    text = normalize_text(data.text.get(utt, ""))
    if text:
        return "text:" + text
    spk = data.utt2spk.get(utt, "")
    return "id:" + (utt.replace(spk, "", 1) if spk else utt)


def parallel_index(data: DataDir) -> dict[tuple[str, str], str]:
    """Map (speaker, sentence key) -> utterance (the first in sorted order if a speaker repeats one)."""
    index: dict[tuple[str, str], str] = {}
    for utt in data.utts:
        spk = data.utt2spk.get(utt)
        if spk is not None:
            index.setdefault((spk, sentence_key(data, utt)), utt)
    return index


def select_pairs(data: DataDir, target_speakers: Sequence[str], n_pairs: int | None = None, seed: int = 0,
                 source_utts: Sequence[str] | None = None) -> list[Pair]:
    """All, or ``n_pairs`` seeded-random, (source utterance, other target speaker) pairs.

    Candidates are every source utterance (``source_utts``, default all utterances of ``data``)
    combined with every speaker of ``target_speakers`` that has utterances in ``data`` and is not
    the source's own speaker. When sampling, parallel candidates are drawn first (uniformly,
    without replacement) and non-parallel ones only fill up the rest.

    Args:
        data: evaluation data directory.
        target_speakers: speakers the model(s) can convert to.
        n_pairs: how many pairs (None or >= the candidate count: all).
        seed: random seed of the draw.
        source_utts: restrict the sources.

    Returns:
        Pairs sorted by (source_utt, target_spk).

    Raises:
        UserError: no target speaker of the model occurs in the data, or no candidate pair exists.
    """
    speakers_here = set(data.speakers)
    targets = sorted(set(target_speakers) & speakers_here)
    if not targets:
        raise UserError(f"none of the model's speakers ({', '.join(sorted(target_speakers)) or 'none'}) "
                        f"has utterances in the data directory {data.root}")
    index = parallel_index(data)
    utts = sorted(source_utts) if source_utts is not None else data.utts
    candidates: list[Pair] = []
    for utt in utts:
        spk = data.utt2spk.get(utt)
        if spk is None:
            raise UserError(f"utterance {utt} has no speaker in {data.root}/utt2spk")
        key = sentence_key(data, utt)
        candidates += [Pair(utt, spk, t, index.get((t, key))) for t in targets if t != spk]
    if not candidates:
        raise UserError(f"no source/target pairs: the data in {data.root} has no utterance by a speaker "
                        f"other than the target speakers {', '.join(targets)}")
    if n_pairs is None or n_pairs >= len(candidates):
        return candidates
    if n_pairs <= 0:
        raise UserError(f"--pairs must be positive, got {n_pairs}")
    rng = np.random.default_rng(seed)
    par = [p for p in candidates if p.parallel]
    non = [p for p in candidates if not p.parallel]
    take_par = min(n_pairs, len(par))
    chosen = [par[i] for i in rng.choice(len(par), size=take_par, replace=False)] if take_par else []
    if n_pairs > take_par:
        chosen += [non[i] for i in rng.choice(len(non), size=n_pairs - take_par, replace=False)]
    return sorted(chosen, key=lambda p: (p.source_utt, p.target_spk))


def reference_utts(data: DataDir, speaker: str, exclude_key: str | None, k: int) -> list[str]:
    """Up to ``k`` utterances of ``speaker`` (sorted order) for its speaker embedding.

    Args:
        data: evaluation data directory.
        speaker: whose utterances.
        exclude_key: leave out utterances of this sentence key (the converted sentence), so the
            reference shares no content with the speech it is compared with; if that leaves none,
            they are kept.
        k: maximum count.

    Returns:
        Utterance ids (possibly empty if the speaker has none).
    """
    utts = data.spk2utt.get(speaker, [])
    kept = [u for u in utts if exclude_key is None or sentence_key(data, u) != exclude_key]
    return (kept or list(utts))[:k]
