"""Dynamic time warping over a precomputed frame-to-frame cost matrix.

The recursion is the symmetric one with unit step weights,

    D[i, j] = cost[i, j] + min(D[i-1, j], D[i, j-1], D[i-1, j-1]),

with D[0, 0] = cost[0, 0]; the path runs from (0, 0) to (N-1, M-1) and is recovered by
backtracking. The accumulation is vectorised over anti-diagonals (cells with equal i + j only
depend on the two previous anti-diagonals), so a 600 x 600 matrix takes a few milliseconds.
"""

from __future__ import annotations

import numpy as np

# Step codes stored per cell for the backtrack.
_DIAG, _UP, _LEFT = 0, 1, 2


def accumulated_cost(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Accumulate ``cost`` with the unit-weight symmetric DTW recursion.

    Args:
        cost: (N, M) non-negative finite local costs.

    Returns:
        ``(acc, step)``: acc (N, M) float64 accumulated cost, step (N, M) int8 with the
        predecessor of each cell (0 diagonal, 1 from (i-1, j), 2 from (i, j-1); -1 at (0, 0)).
    """
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.shape[0] == 0 or cost.shape[1] == 0:
        raise ValueError(f"dtw: cost must be a non-empty 2-D matrix, got shape {cost.shape}")
    if not np.all(np.isfinite(cost)):
        raise ValueError("dtw: cost matrix contains NaN or infinite values")
    n, m = cost.shape
    acc = np.full((n, m), np.inf)
    step = np.full((n, m), -1, dtype=np.int8)
    acc[0, 0] = cost[0, 0]
    for k in range(1, n + m - 1):
        i = np.arange(max(0, k - m + 1), min(n - 1, k) + 1)
        j = k - i
        cand = np.full((3, i.size), np.inf)
        ok = (i > 0) & (j > 0)
        cand[_DIAG, ok] = acc[i[ok] - 1, j[ok] - 1]
        ok = i > 0
        cand[_UP, ok] = acc[i[ok] - 1, j[ok]]
        ok = j > 0
        cand[_LEFT, ok] = acc[i[ok], j[ok] - 1]
        best = np.argmin(cand, axis=0)  # ties prefer the diagonal step
        acc[i, j] = cost[i, j] + cand[best, np.arange(i.size)]
        step[i, j] = best
    return acc, step


def dtw_path(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Optimal monotonic alignment between two sequences given their local costs.

    Args:
        cost: (N, M) local cost between frame i of the first and frame j of the second sequence.

    Returns:
        ``(i_idx, j_idx)``: two int64 arrays of equal length L (max(N, M) <= L <= N + M - 1),
        the aligned frame pairs in increasing order, starting at (0, 0) and ending at
        (N-1, M-1); both are non-decreasing and advance by at most one per step.
    """
    _, step = accumulated_cost(cost)
    i, j = step.shape[0] - 1, step.shape[1] - 1
    rev_i, rev_j = [i], [j]
    while i > 0 or j > 0:
        s = step[i, j]
        if s == _DIAG:
            i, j = i - 1, j - 1
        elif s == _UP:
            i -= 1
        else:
            j -= 1
        rev_i.append(i)
        rev_j.append(j)
    return np.asarray(rev_i[::-1], dtype=np.int64), np.asarray(rev_j[::-1], dtype=np.int64)


def euclidean_cost(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise Euclidean distances between the frames of two feature sequences.

    Args:
        a: (N, D) features.
        b: (M, D) features.

    Returns:
        (N, M) float64 distances.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))
