"""Fast F0 estimation: a vectorised YIN with an FFT difference function (numpy).

Frame grid: the same as :class:`vc.features.LogMel` (``1 + samples // hop_length`` frames, frame
``i`` centred on sample ``i * hop_length``).

Per frame (all frames at once):
1. difference function ``d(tau) = sum_j (x_j - x_{j+tau})^2`` over an integration window of
   ``W = max(win_length, ceil(sr / f0_min))`` samples, from one FFT cross-correlation and running
   energies;
2. cumulative-mean-normalised difference ``d'(tau) = d(tau) * tau / sum_{k<=tau} d(k)``;
3. the period is the first local minimum of ``d'`` in ``[sr/f0_max, sr/f0_min]`` that lies below
   ``max(PICK_THRESHOLD, global minimum + PICK_SLACK)`` (the first clear dip, which avoids
   sub-harmonic picks), refined by parabolic interpolation.

Voicing rule: a frame is voiced iff (a) ``d'`` at the chosen period is below :data:`YIN_THRESHOLD`,
(b) its RMS is above :data:`ABS_RMS_FLOOR` and no more than :data:`REL_RMS_DB` dB below the
loudest frame of the signal, and (c) it belongs to a run of at least :data:`MIN_VOICED_RUN`
such frames. ``log_f0`` of unvoiced frames is linearly interpolated between the neighbouring
voiced frames (held constant before the first / after the last); all zeros if nothing is voiced.

Thresholds were set on flite voices (slt, rms, awb, kal16) against their phone timings: with
these values about 95 % of mid-vowel frames are voiced and under 1 % of mid-frames of voiceless
fricatives and pauses, with no F0 differing by more than 20 % from ``librosa.pyin``'s where
pyin is confident.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from vc.features import FeatureConfig

__all__ = ["PICK_THRESHOLD", "PICK_SLACK", "YIN_THRESHOLD", "REL_RMS_DB", "ABS_RMS_FLOOR", "MIN_VOICED_RUN", "estimate_f0", "yin"]

PICK_THRESHOLD = 0.1
PICK_SLACK = 0.05
YIN_THRESHOLD = 0.4
REL_RMS_DB = 40.0
ABS_RMS_FLOOR = 1e-4
MIN_VOICED_RUN = 3


def _frames(padded: np.ndarray, n_frames: int, hop: int, length: int) -> np.ndarray:
    """``(n_frames, length)`` strided view of ``padded``: frame i starts at ``i * hop``."""
    return np.lib.stride_tricks.sliding_window_view(padded, length)[: n_frames * hop : hop]


def yin(wav: np.ndarray, cfg: FeatureConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame YIN period search.

    Args:
        wav: ``(samples,)`` float signal at ``cfg.sample_rate``.
        cfg: supplies sample_rate, hop_length, win_length, f0_min, f0_max.

    Returns:
        ``(f0 (frames,) float64 Hz, d' (frames,) at the chosen period, rms (frames,) frame RMS)``.
    """
    sr, hop = cfg.sample_rate, cfg.hop_length
    tau_min = max(2, int(np.floor(sr / cfg.f0_max)))
    tau_max = int(np.ceil(sr / cfg.f0_min))
    width = max(cfg.win_length, tau_max)
    length = width + tau_max + 2
    n_frames = 1 + len(wav) // hop
    left = (width + tau_max) // 2
    padded = np.pad(np.asarray(wav, dtype=np.float32), (left, length + hop))
    x = np.ascontiguousarray(_frames(padded, n_frames, hop, length))
    n_lags = tau_max + 2
    n = min(m for m in (2 ** int(np.ceil(np.log2(length))), 3 * 2 ** int(np.ceil(np.log2(length / 3)))) if m >= length)
    spec = scipy.fft.rfft(x[:, :width], n=n, axis=1)
    np.conjugate(spec, out=spec)
    spec *= scipy.fft.rfft(x, n=n, axis=1)
    corr = scipy.fft.irfft(spec, n=n, axis=1)[:, :n_lags]  # sum_j x_j x_{j+tau}, j < width
    # Moving energy over `width` samples (float64 running sum on the 1-D signal), then per lag.
    cum = np.concatenate([[0.0], np.cumsum(padded.astype(np.float64) ** 2)])
    energy = (cum[width:] - cum[:-width]).astype(np.float32)  # energy[k] = sum x[k:k+width]^2
    e_tau = _frames(energy, n_frames, hop, n_lags)  # energy of x[tau:tau+width] per frame
    e0 = e_tau[:, :1]
    diff = e_tau + e0
    corr *= 2.0
    diff -= corr
    np.maximum(diff, 0.0, out=diff)
    diff[:, 0] = 0.0
    running = np.cumsum(diff[:, 1:], axis=1)
    np.maximum(running, 1e-20, out=running)
    cmnd = np.ones_like(diff)
    np.multiply(diff[:, 1:], np.arange(1, n_lags, dtype=np.float32), out=cmnd[:, 1:])
    cmnd[:, 1:] /= running
    # Search lags tau_min..tau_max; local minima compare with both neighbours.
    band = cmnd[:, tau_min : tau_max + 1]
    left_n = cmnd[:, tau_min - 1 : tau_max]
    right_n = cmnd[:, tau_min + 1 : tau_max + 2]
    gmin = band.min(axis=1, keepdims=True)
    limit = np.maximum(PICK_THRESHOLD, gmin + PICK_SLACK)
    is_min = (band <= left_n) & (band <= right_n) & (band < limit)
    has = is_min.any(axis=1)
    best = np.where(has, np.argmax(is_min, axis=1), np.argmin(band, axis=1)) + tau_min
    rows = np.arange(n_frames)
    a, b, c = cmnd[rows, best - 1], cmnd[rows, best], cmnd[rows, best + 1]
    denom = (a - 2.0 * b + c).astype(np.float64)
    shift = np.where(denom > 1e-9, 0.5 * (a - c) / np.where(denom > 1e-9, denom, 1.0), 0.0)
    period = best + np.clip(shift, -1.0, 1.0)
    centre = left - width // 2  # integration window centred on the frame's sample
    rms = np.sqrt(np.maximum(energy[centre : centre + n_frames * hop : hop], 0.0) / width)
    return sr / period, b.astype(np.float64), rms.astype(np.float64)


def _drop_short_runs(mask: np.ndarray, min_run: int) -> np.ndarray:
    if min_run <= 1 or not mask.any():
        return mask
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    out = mask.copy()
    for s, e in zip(starts, ends):
        if e - s < min_run:
            out[s:e] = False
    return out


def estimate_f0(wav: np.ndarray, cfg: FeatureConfig) -> tuple[np.ndarray, np.ndarray]:
    """Estimate log-F0 and a voiced flag per frame.

    Args:
        wav: ``(samples,)`` float signal at ``cfg.sample_rate``.
        cfg: feature settings (sample_rate, hop_length, win_length, f0_min, f0_max).

    Returns:
        ``(log_f0 (frames,) float32, voiced (frames,) bool)``; ``log_f0`` is the natural log of F0
        in Hz, interpolated through unvoiced frames (see the module docstring).
    """
    wav = np.asarray(wav)
    if wav.ndim != 1:
        raise ValueError(f"estimate_f0 expects a 1-D signal, got shape {wav.shape}")
    f0, dmin, rms = yin(wav, cfg)
    loud = rms.max() if rms.size else 0.0
    voiced = (dmin < YIN_THRESHOLD) & (rms > ABS_RMS_FLOOR) & (rms > loud * 10.0 ** (-REL_RMS_DB / 20.0))
    voiced &= (f0 >= cfg.f0_min * 0.95) & (f0 <= cfg.f0_max * 1.05)
    voiced = _drop_short_runs(voiced, MIN_VOICED_RUN)
    log_f0 = np.zeros(f0.shape, dtype=np.float64)
    idx = np.flatnonzero(voiced)
    if idx.size:
        log_f0 = np.interp(np.arange(f0.size), idx, np.log(f0[idx]))
    return log_f0.astype(np.float32), voiced
