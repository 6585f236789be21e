"""F0 metrics between a reference and a hypothesis utterance, after time alignment.

F0 is estimated with the project's own tracker (:func:`vc.f0.estimate_f0`, YIN with a voicing
rule) on the 10 ms centred frame grid that :mod:`vc.evaluation.mcd` uses, so the DTW path found
on mel-cepstra pairs F0 frames too. Over the aligned frame pairs:

- ``f0_rmse_cents``: root-mean-square difference of F0 in **cents**
  (``1200 * log2(f_hyp / f_ref)``) over pairs voiced in both;
- ``f0_corr``: Pearson correlation of log-F0 over pairs voiced in both (NaN if fewer than
  3 such pairs or a constant track);
- ``vuv_error``: share (0..1) of pairs whose voiced/unvoiced decisions differ.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from vc.f0 import estimate_f0
from vc.features import FeatureConfig

CENTS_PER_OCTAVE = 1200.0


@dataclass(frozen=True)
class F0Scores:
    """F0 agreement over aligned frames (see module docstring)."""

    f0_rmse_cents: float
    f0_corr: float
    vuv_error: float
    voiced_pairs: int

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def extract_f0(wav: np.ndarray, sample_rate: int, hop_seconds: float = 0.010,
               f0_min: float = 60.0, f0_max: float = 500.0) -> tuple[np.ndarray, np.ndarray]:
    """F0 track on the evaluation frame grid.

    Args:
        wav: (samples,) mono waveform.
        sample_rate: Hz.
        hop_seconds: frame hop (frames = 1 + samples // hop).
        f0_min: lowest F0 searched, Hz.
        f0_max: highest F0 searched, Hz.

    Returns:
        ``(f0_hz (frames,) float64, voiced (frames,) bool)``; f0_hz is 0 on unvoiced frames.
    """
    hop = max(1, int(round(hop_seconds * sample_rate)))
    win = int(round(0.025 * sample_rate))
    n_fft = int(2 ** np.ceil(np.log2(win)))
    cfg = FeatureConfig(sample_rate=sample_rate, n_fft=n_fft, win_length=win, hop_length=hop,
                        fmin=0.0, fmax=sample_rate / 2, f0_min=f0_min, f0_max=f0_max)
    log_f0, voiced = estimate_f0(np.asarray(wav, dtype=np.float32), cfg)
    f0 = np.where(voiced, np.exp(log_f0.astype(np.float64)), 0.0)
    return f0, voiced.astype(bool)


def f0_metrics(ref_f0: np.ndarray, ref_voiced: np.ndarray, hyp_f0: np.ndarray, hyp_voiced: np.ndarray,
               path: tuple[np.ndarray, np.ndarray] | None = None) -> F0Scores:
    """Compare two F0 tracks along an alignment.

    Args:
        ref_f0: (N,) reference F0 in Hz (values on unvoiced frames are ignored).
        ref_voiced: (N,) reference voicing.
        hyp_f0: (M,) hypothesis F0 in Hz.
        hyp_voiced: (M,) hypothesis voicing.
        path: ``(ref_idx (L,), hyp_idx (L,))`` aligned frame pairs (e.g. the mel-cepstral DTW
            path); None pairs frames by index up to min(N, M).

    Returns:
        :class:`F0Scores`; RMSE and correlation are NaN when no pair is voiced in both.
    """
    ref_f0, hyp_f0 = np.asarray(ref_f0, dtype=np.float64), np.asarray(hyp_f0, dtype=np.float64)
    ref_voiced, hyp_voiced = np.asarray(ref_voiced, dtype=bool), np.asarray(hyp_voiced, dtype=bool)
    if ref_f0.shape != ref_voiced.shape or hyp_f0.shape != hyp_voiced.shape:
        raise ValueError("f0_metrics: each F0 track needs a voicing array of the same shape")
    if path is None:
        n = min(len(ref_f0), len(hyp_f0))
        path = (np.arange(n), np.arange(n))
    ri, hi = np.asarray(path[0]), np.asarray(path[1])
    if ri.size == 0:
        raise ValueError("f0_metrics: empty alignment")
    rv, hv = ref_voiced[ri], hyp_voiced[hi]
    vuv = float(np.mean(rv != hv))
    both = rv & hv & (ref_f0[ri] > 0) & (hyp_f0[hi] > 0)
    n_both = int(both.sum())
    if n_both == 0:
        return F0Scores(float("nan"), float("nan"), vuv, 0)
    lr, lh = np.log2(ref_f0[ri][both]), np.log2(hyp_f0[hi][both])
    rmse = float(CENTS_PER_OCTAVE * np.sqrt(np.mean((lh - lr) ** 2)))
    corr = float("nan")
    if n_both >= 3 and np.std(lr) > 0 and np.std(lh) > 0:
        corr = float(np.corrcoef(lr, lh)[0, 1])
    return F0Scores(rmse, corr, vuv, n_both)
