"""Phone-boundary accuracy of an alignment against a reference (gold) alignment.

The two phone sequences may differ (pronunciation variants, an inserted pause), so they are first
matched by edit distance on their labels. A reference boundary (the end of phone ``i``, start of
``i + 1``) is *scored* when phones ``i`` and ``i + 1`` are both paired (matched or substituted) with
consecutive hypothesis phones ``j`` and ``j + 1``; its error is the distance between the two
boundary times. Runs of silence are merged first, and the first and last edges of an utterance
(times 0 and its end) are not boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from vc.phones import SILENCE, normalize_phone
from vc.textgrids import Interval

__all__ = ["BoundaryScore", "boundary_errors", "score_corpus"]

#: Labels treated as the same phone when pairing sequences (reduced vowels and pauses).
_EQUIVALENT = {"ax": "ah", "ix": "ih", "axr": "er", "ux": "uw", "pau": SILENCE, "spn": SILENCE}


def _collapse(intervals: Sequence[Interval]) -> list[Interval]:
    """Normalise labels and merge adjacent silences."""
    out: list[Interval] = []
    for iv in sorted(intervals, key=lambda iv: iv.start):
        lab = normalize_phone(iv.label)
        lab = _EQUIVALENT.get(lab, lab)
        if out and lab == SILENCE and out[-1].label == SILENCE:
            out[-1] = Interval(out[-1].start, iv.end, SILENCE)
        else:
            out.append(Interval(iv.start, iv.end, lab))
    return out


def _pair(ref: list[str], hyp: list[str]) -> list[tuple[int, int]]:
    """Edit-distance alignment of two label sequences; returns paired (ref index, hyp index)."""
    n, m = len(ref), len(hyp)
    cost = np.zeros((n + 1, m + 1), dtype=np.int64)
    cost[:, 0] = np.arange(n + 1)
    cost[0, :] = np.arange(m + 1)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            sub = cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1])
            cost[i, j] = min(sub, cost[i - 1, j] + 1, cost[i, j - 1] + 1)
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i > 0 and j > 0:
        if cost[i, j] == cost[i - 1, j - 1] + (ref[i - 1] != hyp[j - 1]):
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif cost[i, j] == cost[i - 1, j] + 1:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def boundary_errors(ref: Sequence[Interval], hyp: Sequence[Interval]) -> tuple[np.ndarray, int]:
    """Absolute boundary errors of ``hyp`` against ``ref``.

    Args:
        ref: reference phone intervals of one utterance.
        hyp: hypothesis phone intervals of the same utterance.

    Returns:
        ``(errors, n_ref_boundaries)``: errors (k,) in seconds for the scored boundaries, and the
        number of inner boundaries of the reference (so ``k / n_ref_boundaries`` is the coverage).
    """
    r, h = _collapse(ref), _collapse(hyp)
    pairs = dict(_pair([iv.label for iv in r], [iv.label for iv in h]))
    errors = [
        abs(r[i].end - h[pairs[i]].end)
        for i in range(len(r) - 1)
        if i in pairs and i + 1 in pairs and pairs[i + 1] == pairs[i] + 1
    ]
    return np.asarray(errors, dtype=np.float64), max(len(r) - 1, 0)


@dataclass
class BoundaryScore:
    """Corpus-level boundary accuracy.

    Attributes:
        errors: all scored absolute errors (seconds), (k,).
        n_reference: inner reference boundaries in total.
        tolerance: the tolerance of :attr:`within` (seconds).
        per_utt: utt -> mean absolute error (seconds).
    """

    errors: np.ndarray
    n_reference: int
    tolerance: float = 0.02
    per_utt: dict[str, float] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        """Mean absolute boundary error in seconds (nan if nothing was scored)."""
        return float(self.errors.mean()) if self.errors.size else float("nan")

    @property
    def median(self) -> float:
        """Median absolute boundary error in seconds."""
        return float(np.median(self.errors)) if self.errors.size else float("nan")

    @property
    def within(self) -> float:
        """Share of scored boundaries with error <= tolerance."""
        return float((self.errors <= self.tolerance + 1e-9).mean()) if self.errors.size else float("nan")

    @property
    def coverage(self) -> float:
        """Scored boundaries / reference boundaries."""
        return self.errors.size / self.n_reference if self.n_reference else float("nan")


def score_corpus(
    pairs: dict[str, tuple[Sequence[Interval], Sequence[Interval]]], tolerance: float = 0.02
) -> BoundaryScore:
    """Score many utterances.

    Args:
        pairs: utt -> (reference phones, hypothesis phones).
        tolerance: seconds for the "within" share.

    Returns:
        A :class:`BoundaryScore` over all utterances.
    """
    all_errors: list[np.ndarray] = []
    total = 0
    per_utt: dict[str, float] = {}
    for utt, (ref, hyp) in sorted(pairs.items()):
        errs, n = boundary_errors(ref, hyp)
        all_errors.append(errs)
        total += n
        if errs.size:
            per_utt[utt] = float(errs.mean())
    errors = np.concatenate(all_errors) if all_errors else np.zeros(0)
    return BoundaryScore(errors=errors, n_reference=total, tolerance=tolerance, per_utt=per_utt)
