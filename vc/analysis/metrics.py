"""Arrangement metrics for a quantizer's index sequence (vectorised numpy).

Every measure here works on integer arrays: ``index`` (N,) in [0, K) (the quantizer's corner index per
frame), ``phone`` (N,) in [0, P) or -1 (unlabelled frame), and ``same_utt`` (N-1,) bool that is True where
frames t and t+1 belong to the same utterance. All logarithms are base 2 (bits); Jensen-Shannon values are
**distances** (square root of the base-2 divergence, in [0, 1]), as in ``scipy.spatial.distance.jensenshannon
(base=2)``.

Order-sensitive measures (adjacent-index JSD, binned mutual information, topographic error, small index
steps) tell whether neighbouring indices hold similar content. Each is compared with random re-orderings
of the same codebook: relabelling indices by a random permutation keeps the quantizer's partition and
changes only its order, so a plain VQ (arbitrary order) lands in the middle of that null distribution and a
well-ordered curve far below/above it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import rel_entr

LN2 = float(np.log(2.0))


def counts_matrix(phone: np.ndarray, index: np.ndarray, n_phones: int, n_indices: int) -> np.ndarray:
    """Joint phone × index counts over labelled frames.

    Args:
        phone: (N,) int phone ids in [0, n_phones), -1 for frames to ignore.
        index: (N,) int indices in [0, n_indices).
        n_phones: P. n_indices: K.

    Returns:
        (P, K) int64 counts.
    """
    phone = np.asarray(phone, dtype=np.int64)
    index = np.asarray(index, dtype=np.int64)
    keep = phone >= 0
    flat = phone[keep] * n_indices + index[keep]
    return np.bincount(flat, minlength=n_phones * n_indices).reshape(n_phones, n_indices)


def js_distance(p: np.ndarray, q: np.ndarray, axis: int = -1) -> np.ndarray:
    """Jensen-Shannon distance (base 2, in [0, 1]) between distributions along ``axis``.

    Inputs need not be normalised: each is divided by its sum along ``axis``. Terms with zero probability
    contribute 0 (0·log 0 = 0); negative round-off is clipped to 0. A distribution with zero total
    gives NaN.

    Args:
        p, q: broadcastable non-negative arrays.

    Returns:
        The distances, ``axis`` removed.
    """
    p = np.clip(np.asarray(p, dtype=np.float64), 0.0, None)
    q = np.clip(np.asarray(q, dtype=np.float64), 0.0, None)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = p / p.sum(axis=axis, keepdims=True)
        q = q / q.sum(axis=axis, keepdims=True)
        m = 0.5 * (p + q)
        div = 0.5 * (rel_entr(p, m).sum(axis=axis) + rel_entr(q, m).sum(axis=axis)) / LN2
    return np.sqrt(np.clip(div, 0.0, 1.0))


def _adjacent_mean(dist: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """Mean JS distance between consecutive columns for each order.

    Args:
        dist: (U, P) per-index phone distributions (rows sum to 1).
        orders: (B, U) permutations of range(U).

    Returns:
        (B,) mean over the U-1 consecutive pairs.
    """
    return js_distance(dist[orders[:, :-1]], dist[orders[:, 1:]]).mean(axis=1)


def adjacent_jsd(counts: np.ndarray, n_perm: int = 1000, seed: int = 0, batch: int = 64) -> dict:
    """Adjacent-index Jensen-Shannon distance and its z-score against random codebook orders.

    Definition: take the indices used at least once by labelled frames (U of them), in increasing index
    order (unused indices are skipped, so index k is compared with the next used index). For each used
    index, its phone distribution is p(phone | index). The statistic is the unweighted mean, over the U-1
    consecutive pairs, of the base-2 JS distance between their phone distributions. The null distribution
    draws ``n_perm`` random permutations of the U used indices (= random re-orderings of the same codebook)
    and computes the same mean; ``z = (observed - mean_null) / std_null``. Negative z: neighbouring indices
    are more alike than chance.

    Args:
        counts: (P, K) phone × index counts.
        n_perm: number of random re-orderings (≥ 2).
        seed: RNG seed for the permutations.
        batch: permutations evaluated at once (memory batch × U × P floats).

    Returns:
        dict with ``value``, ``null_mean``, ``null_std``, ``z``, ``p_value`` (one-sided, share of
        re-orderings with a value ≤ the observed one, with +1 smoothing), ``n_perm``, ``used_indices``.
        ``value`` and ``z`` are NaN if fewer than 3 indices are used.
    """
    counts = np.asarray(counts, dtype=np.float64)
    used = np.flatnonzero(counts.sum(axis=0) > 0)
    u = used.size
    result = {"value": float("nan"), "null_mean": float("nan"), "null_std": float("nan"),
              "z": float("nan"), "p_value": float("nan"), "n_perm": int(n_perm), "used_indices": int(u)}
    if u < 3:
        return result
    dist = (counts[:, used] / counts[:, used].sum(axis=0, keepdims=True)).T  # (U, P)
    observed = float(_adjacent_mean(dist, np.arange(u)[None, :])[0])
    rng = np.random.default_rng(seed)
    null = []
    for start in range(0, n_perm, batch):
        b = min(batch, n_perm - start)
        orders = np.argsort(rng.random((b, u)), axis=1)
        null.append(_adjacent_mean(dist, orders))
    null_values = np.concatenate(null)
    mean, std = float(null_values.mean()), float(null_values.std(ddof=1))
    result.update(value=observed, null_mean=mean, null_std=std,
                  z=(observed - mean) / std if std > 0 else float("nan"),
                  p_value=float((1 + np.sum(null_values <= observed)) / (1 + n_perm)))
    return result


def mutual_information(counts: np.ndarray) -> np.ndarray:
    """Plug-in mutual information (bits) of a joint count table.

    Args:
        counts: (..., P, B) joint counts of two discrete variables (batch dims allowed).

    Returns:
        (...) MI in bits; 0 for an empty table.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum(axis=(-2, -1), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        pxy = counts / total
        px = pxy.sum(axis=-1, keepdims=True)
        py = pxy.sum(axis=-2, keepdims=True)
        mi = rel_entr(pxy, px * py).sum(axis=(-2, -1)) / LN2
    return np.nan_to_num(mi, nan=0.0)


def bin_columns(counts: np.ndarray, width: int) -> np.ndarray:
    """Sum index columns into bins of ``width`` consecutive indices (last bin zero-padded).

    Args:
        counts: (..., K) counts.

    Returns:
        (..., ceil(K / width)) counts.
    """
    k = counts.shape[-1]
    pad = (-k) % width
    if pad:
        counts = np.concatenate([counts, np.zeros(counts.shape[:-1] + (pad,), counts.dtype)], axis=-1)
    return counts.reshape(counts.shape[:-1] + (counts.shape[-1] // width, width)).sum(axis=-1)


def binned_mi(counts: np.ndarray, widths: tuple[int, ...] = (1, 4, 8, 16), n_perm: int = 200,
              seed: int = 0) -> dict[str, dict]:
    """Mutual information between phones and index bins of width w, and its ratio to w = 1.

    Bins are ``index // w``; MI(phone; bin) is the plug-in estimate in bits over labelled frames. The ratio
    MI_w / MI_1 is the share of phone information that survives merging w neighbouring indices: near 1 for
    a curve whose neighbours hold the same phones, lower for an arbitrary order. ``null_ratio`` is its mean
    over ``n_perm`` random re-orderings of the codebook (same counts, permuted columns).

    Args:
        counts: (P, K) phone × index counts.
        widths: bin widths.

    Returns:
        {str(w): {"mi": bits, "ratio": MI_w / MI_1, "null_ratio": mean ratio under random orders}}.
    """
    counts = np.asarray(counts, dtype=np.float64)
    mi1 = float(mutual_information(counts))
    rng = np.random.default_rng(seed)
    perms = np.argsort(rng.random((n_perm, counts.shape[1])), axis=1)
    null_sum = {w: 0.0 for w in widths}
    for start in range(0, n_perm, 32):  # bounded memory: 32 × P × K at a time
        permuted = np.moveaxis(counts[:, perms[start:start + 32]], 1, 0)  # (b, P, K)
        for w in widths:
            null_sum[w] += float(mutual_information(bin_columns(permuted, w)).sum())
    out = {}
    for w in widths:
        mi_w = float(mutual_information(bin_columns(counts, w)))
        ok = mi1 > 0 and n_perm > 0
        out[str(w)] = {"mi": mi_w, "ratio": mi_w / mi1 if mi1 > 0 else float("nan"),
                       "null_ratio": null_sum[w] / n_perm / mi1 if ok else float("nan")}
    return out


def topographic_error(latents: np.ndarray, codebook: np.ndarray, chunk: int = 8192) -> float:
    """Share of inputs whose nearest and second-nearest corners are not curve neighbours (|k1-k2| != 1).

    Distances are ‖x‖² − 2x·cᵀ + ‖c‖² in float64 chunks (no N × K × D tensor).

    Args:
        latents: (N, D) continuous encoder outputs.
        codebook: (K, D) corners in curve order, K ≥ 2.

    Returns:
        The error in [0, 1]; NaN for N = 0.
    """
    x = np.asarray(latents, dtype=np.float64)
    c = np.asarray(codebook, dtype=np.float64)
    if x.shape[0] == 0 or c.shape[0] < 2:
        return float("nan")
    c2 = (c * c).sum(axis=1)
    bad = 0
    for start in range(0, x.shape[0], chunk):
        xs = x[start:start + chunk]
        d = c2[None, :] - 2.0 * xs @ c.T
        two = np.argpartition(d, 1, axis=1)[:, :2]
        order = np.take_along_axis(d, two, axis=1).argsort(axis=1)
        two = np.take_along_axis(two, order, axis=1)
        bad += int(np.count_nonzero(np.abs(two[:, 0] - two[:, 1]) != 1))
    return bad / x.shape[0]


def step_stats(index: np.ndarray, same_utt: np.ndarray, max_step: int = 4) -> dict:
    """Frame-to-frame index steps within utterances.

    Args:
        index: (N,) indices. same_utt: (N-1,) True where frames t, t+1 are in one utterance.
        max_step: the step size counted as small.

    Returns:
        ``share_small``: share of all steps with |Δ| ≤ max_step (Δ = 0 included);
        ``share_small_changes``: the same among steps where the index changes (Δ ≠ 0), which is what the
        codebook order decides; ``repeat_share``: share of steps with Δ = 0; ``n_steps``.
    """
    index = np.asarray(index, dtype=np.int64)
    delta = np.abs(np.diff(index))[np.asarray(same_utt, dtype=bool)]
    n = delta.size
    changes = delta[delta > 0]
    nan = float("nan")
    return {
        "share_small": float(np.mean(delta <= max_step)) if n else nan,
        "share_small_changes": float(np.mean(changes <= max_step)) if changes.size else nan,
        "repeat_share": float(np.mean(delta == 0)) if n else nan,
        "n_steps": int(n),
        "max_step": int(max_step),
    }


def step_null(index: np.ndarray, same_utt: np.ndarray, n_indices: int, max_step: int = 4,
              n_perm: int = 20, seed: int = 0) -> float:
    """Mean ``share_small_changes`` under random re-orderings of the codebook (index relabelling).

    Args:
        index: (N,) indices. same_utt: (N-1,) bool. n_indices: K.

    Returns:
        The mean share over ``n_perm`` permutations (NaN if no index changes).
    """
    index = np.asarray(index, dtype=np.int64)
    mask = np.asarray(same_utt, dtype=bool)
    a, b = index[:-1][mask], index[1:][mask]
    change = a != b
    a, b = a[change], b[change]
    if a.size == 0:
        return float("nan")
    rng = np.random.default_rng(seed)
    shares = []
    for _ in range(n_perm):
        perm = rng.permutation(n_indices)
        shares.append(np.mean(np.abs(perm[a] - perm[b]) <= max_step))
    return float(np.mean(shares))


def usage_stats(index: np.ndarray, n_indices: int) -> dict:
    """Codebook use: perplexity 2^H of the index distribution and the number of unused indices.

    Args:
        index: (N,) indices in [0, K). n_indices: K (active corners).

    Returns:
        ``perplexity`` (between 1 and K), ``unused`` (indices never chosen), ``entropy_bits``.
    """
    counts = np.bincount(np.asarray(index, dtype=np.int64), minlength=n_indices).astype(np.float64)
    total = counts.sum()
    if total == 0:
        return {"perplexity": float("nan"), "unused": int(n_indices), "entropy_bits": float("nan")}
    p = counts[counts > 0] / total
    h = float(-(p * np.log2(p)).sum())
    return {"perplexity": float(2.0 ** h), "unused": int(np.sum(counts == 0)), "entropy_bits": h}
