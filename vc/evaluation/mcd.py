"""Mel-cepstral distortion (MCD, dB) between two utterances.

What is computed, exactly:

1. Frames: Hann window of 25 ms, hop 10 ms, centred frames (``1 + samples // hop``), FFT size the
   next power of two >= 2 x window (1024 at 16 kHz). Amplitude spectrum ``|X(w)|`` floored at
   ``1e-5`` (waveforms in [-1, 1]).
2. Mel-cepstrum of order M (default 24): the cosine-series coefficients of the natural-log
   amplitude spectrum along the all-pass-warped frequency axis
   ``beta(w) = w + 2 atan(alpha sin w / (1 - alpha cos w))``, written in minimum-phase form

       log|X(w)| ~= c_0 + sum_{m=1..M} c_m cos(m beta(w)),

   ``c_m = (2 - [m == 0]) / pi * integral_0^pi log|X(w(beta))| cos(m beta) d beta``, evaluated by
   trapezoidal quadrature over all FFT bins with the Jacobian ``d beta / d w``. This is the
   frequency-warped cepstrum of the spectrum (what SPTK's ``freqt`` gives from the full linear
   cepstrum), not SPTK ``mcep``'s iterative UELS envelope estimate. ``alpha`` follows the usual
   table (0.31 at 8 kHz, 0.42 at 16 kHz, 0.455 at 22.05 kHz, 0.466 at 24 kHz, 0.544 at 44.1 kHz,
   0.554 at 48 kHz; linear in between).
3. Frame distortion, c_0 (energy) excluded: ``10 / ln 10 * sqrt(2 * sum_{m=1..M} (c_m - c'_m)^2)``.
   With the cosine-series convention above this equals the RMS difference (in dB) of the two
   order-M smoothed log spectra over the warped axis, excluding their means.
4. Utterance MCD: mean frame distortion over the DTW path (Euclidean cost on c_1..c_M, see
   :mod:`vc.evaluation.dtw`) after trimming leading/trailing silence (30 dB below peak), or,
   with ``use_dtw=False``, over frames paired by index (truncated to the shorter, no trimming).
"""

from __future__ import annotations

from dataclasses import dataclass

import librosa
import numpy as np

from .dtw import dtw_path, euclidean_cost

MCD_CONSTANT = 10.0 / np.log(10.0) * np.sqrt(2.0)
_ALPHA_TABLE = ((8000, 0.31), (16000, 0.42), (22050, 0.455), (24000, 0.466), (44100, 0.544), (48000, 0.554))


def default_alpha(sample_rate: int) -> float:
    """All-pass warping constant approximating the mel scale at ``sample_rate`` (table, linear between)."""
    rates = np.array([r for r, _ in _ALPHA_TABLE], dtype=float)
    alphas = np.array([a for _, a in _ALPHA_TABLE])
    return float(np.interp(sample_rate, rates, alphas))


def warp_frequency(omega: np.ndarray, alpha: float) -> np.ndarray:
    """All-pass (bilinear) frequency warping ``beta(omega)``; ``warp_frequency(., -alpha)`` inverts it.

    Args:
        omega: normalised angular frequencies in [0, pi], any shape.
        alpha: warping constant, |alpha| < 1.

    Returns:
        Warped frequencies, same shape, in [0, pi].
    """
    omega = np.asarray(omega, dtype=np.float64)
    return omega + 2.0 * np.arctan(alpha * np.sin(omega) / (1.0 - alpha * np.cos(omega)))


@dataclass(frozen=True)
class McepConfig:
    """Analysis settings of :func:`mel_cepstrum` (times in seconds)."""

    order: int = 24
    alpha: float | None = None  # None: default_alpha(sample_rate)
    win_seconds: float = 0.025
    hop_seconds: float = 0.010
    amplitude_floor: float = 1e-5


def _analysis_matrix(n_fft: int, order: int, alpha: float) -> np.ndarray:
    """Quadrature weights mapping a log-amplitude half spectrum to mel-cepstral coefficients.

    Returns:
        (order + 1, n_fft // 2 + 1) matrix W with ``mcep = log_amp @ W.T``.
    """
    omega = np.linspace(0.0, np.pi, n_fft // 2 + 1)
    beta = warp_frequency(omega, alpha)
    jac = (1.0 - alpha**2) / (1.0 - 2.0 * alpha * np.cos(omega) + alpha**2)  # d beta / d omega
    trap = np.full(omega.size, omega[1] - omega[0])
    trap[[0, -1]] *= 0.5
    m = np.arange(order + 1)[:, None]
    scale = np.where(m == 0, 1.0, 2.0) / np.pi
    return scale * np.cos(m * beta[None, :]) * (jac * trap)[None, :]


def mel_cepstrum(wav: np.ndarray, sample_rate: int, cfg: McepConfig = McepConfig()) -> np.ndarray:
    """Frame-wise mel-cepstra of a waveform (definition in the module docstring).

    Args:
        wav: (samples,) mono float waveform.
        sample_rate: its rate in Hz.
        cfg: analysis settings.

    Returns:
        (frames, order + 1) float64 mel-cepstra c_0..c_M; frames = 1 + samples // hop.
    """
    wav = np.asarray(wav, dtype=np.float32)
    if wav.ndim != 1 or wav.size == 0:
        raise ValueError(f"mel_cepstrum: expected a non-empty 1-D waveform, got shape {wav.shape}")
    win = max(16, int(round(cfg.win_seconds * sample_rate)))
    hop = max(1, int(round(cfg.hop_seconds * sample_rate)))
    n_fft = int(2 ** np.ceil(np.log2(2 * win)))
    alpha = default_alpha(sample_rate) if cfg.alpha is None else float(cfg.alpha)
    spec = librosa.stft(y=wav, n_fft=n_fft, hop_length=hop, win_length=win, window="hann", center=True)
    log_amp = np.log(np.maximum(np.abs(spec), cfg.amplitude_floor)).T.astype(np.float64)
    return log_amp @ _analysis_matrix(n_fft, cfg.order, alpha).T


def frame_distortion(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-frame MCD (dB) between paired mel-cepstra, c_0 excluded.

    Args:
        a: (L, M + 1) mel-cepstra.
        b: (L, M + 1) mel-cepstra paired row by row with ``a``.

    Returns:
        (L,) distortions in dB.
    """
    diff = np.asarray(a)[:, 1:] - np.asarray(b)[:, 1:]
    return MCD_CONSTANT * np.sqrt((diff * diff).sum(axis=1))


def mcd_from_cepstra(ref_mc: np.ndarray, hyp_mc: np.ndarray, use_dtw: bool = True
                     ) -> tuple[float, tuple[np.ndarray, np.ndarray]]:
    """MCD (dB) between two mel-cepstrum sequences, and the frame pairing used.

    Args:
        ref_mc: (N, M + 1) reference mel-cepstra.
        hyp_mc: (K, M + 1) hypothesis mel-cepstra.
        use_dtw: align with DTW on c_1..c_M; otherwise pair frames by index up to min(N, K).

    Returns:
        ``(mcd_db, (ref_idx, hyp_idx))`` with the aligned frame indices (L,) each.
    """
    if use_dtw:
        path = dtw_path(euclidean_cost(ref_mc[:, 1:], hyp_mc[:, 1:]))
    else:
        n = min(len(ref_mc), len(hyp_mc))
        path = (np.arange(n), np.arange(n))
    return float(frame_distortion(ref_mc[path[0]], hyp_mc[path[1]]).mean()), path


def trim_silence(wav: np.ndarray, top_db: float = 30.0) -> np.ndarray:
    """Drop leading/trailing parts more than ``top_db`` below the waveform's peak frame energy."""
    trimmed, _ = librosa.effects.trim(y=np.asarray(wav, dtype=np.float32), top_db=top_db)
    return trimmed if trimmed.size else np.asarray(wav, dtype=np.float32)


def mel_cepstral_distortion(ref_wav: np.ndarray, hyp_wav: np.ndarray, sample_rate: int,
                            use_dtw: bool = True, cfg: McepConfig = McepConfig(),
                            trim_db: float | None = 30.0) -> float:
    """Mel-cepstral distortion in dB between a reference and a hypothesis waveform.

    Args:
        ref_wav: (samples,) reference waveform.
        hyp_wav: (samples',) hypothesis waveform, same ``sample_rate``.
        sample_rate: Hz.
        use_dtw: align with DTW (after trimming silence at ``trim_db``; ``None`` keeps it);
            ``False`` pairs frames by index without trimming.
        cfg: mel-cepstral analysis settings.
        trim_db: silence threshold for the DTW case.

    Returns:
        MCD in dB (0 for identical inputs).
    """
    if use_dtw and trim_db is not None:
        ref_wav, hyp_wav = trim_silence(ref_wav, trim_db), trim_silence(hyp_wav, trim_db)
    ref_mc = mel_cepstrum(ref_wav, sample_rate, cfg)
    hyp_mc = mel_cepstrum(hyp_wav, sample_rate, cfg)
    return mcd_from_cepstra(ref_mc, hyp_mc, use_dtw)[0]
