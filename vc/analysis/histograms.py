"""Index histograms: Blackman smoothing, peak scaling, broad-group tables, transition counts."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import convolve1d

from vc.analysis.metrics import js_distance


def blackman_smooth(hist: np.ndarray, length: int = 7) -> np.ndarray:
    """Smooth histograms along the last axis with a normalised Blackman window (zero-padded edges).

    Args:
        hist: (..., K) counts or probabilities.
        length: window length (the paper uses 7).

    Returns:
        (..., K) float64, same total mass away from the edges.
    """
    window = np.clip(np.blackman(length), 0.0, None)  # numpy's end points are -1e-17, not 0
    window = window / window.sum()
    out = convolve1d(np.asarray(hist, dtype=np.float64), window, axis=-1, mode="constant", cval=0.0)
    return np.clip(out, 0.0, None)


def peak_scale(hist: np.ndarray) -> np.ndarray:
    """Scale each histogram (last axis) to a peak of 1; all-zero rows stay zero."""
    hist = np.asarray(hist, dtype=np.float64)
    peak = hist.max(axis=-1, keepdims=True)
    return np.divide(hist, peak, out=np.zeros_like(hist), where=peak > 0)


def group_counts(counts: np.ndarray, phones: list[str], groups: dict[str, tuple[str, ...]]
                 ) -> tuple[list[str], np.ndarray]:
    """Sum phone rows into broad-group rows; groups without any frame are dropped.

    Args:
        counts: (P, K). phones: the P phone names. groups: ordered group -> member phones.

    Returns:
        (group names kept, (G, K) counts).
    """
    row = {p: i for i, p in enumerate(phones)}
    names, rows = [], []
    for name, members in groups.items():
        ids = [row[p] for p in members if p in row]
        total = counts[ids].sum(axis=0) if ids else np.zeros(counts.shape[1], counts.dtype)
        if total.sum() > 0:
            names.append(name)
            rows.append(total)
    return names, (np.stack(rows) if rows else np.zeros((0, counts.shape[1]), counts.dtype))


def pairwise_js(hists: np.ndarray) -> np.ndarray:
    """Symmetric matrix of JS distances between the rows of ``hists`` (G, K) -> (G, G)."""
    return js_distance(hists[:, None, :], hists[None, :, :])


def transition_counts(index: np.ndarray, same_utt: np.ndarray, n_indices: int) -> np.ndarray:
    """Counts of index transitions t -> t+1 within utterances.

    Returns:
        (K, K) int64, rows = index at t, columns = index at t+1.
    """
    index = np.asarray(index, dtype=np.int64)
    mask = np.asarray(same_utt, dtype=bool)
    flat = index[:-1][mask] * n_indices + index[1:][mask]
    return np.bincount(flat, minlength=n_indices * n_indices).reshape(n_indices, n_indices)
