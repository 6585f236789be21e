"""Lloyd's k-means with k-means++ seeding and restarts (a reference for quantizer quality)."""

from __future__ import annotations

from typing import NamedTuple

import torch

from sfvq._distances import nearest_rows, squared_distance_to, work_dtype


class KMeansResult(NamedTuple):
    """Attributes: centroids (K, D); sse: sum of squared errors on the fitted data; iterations."""

    centroids: torch.Tensor
    sse: float
    iterations: int


def kmeans_pp(x: torch.Tensor, k: int, generator: torch.Generator) -> torch.Tensor:
    """k-means++ seeding: each next centre drawn with probability ∝ squared distance.

    Args:
        x: (N, D) data (CPU), N >= k.
        k: number of centres.
        generator: CPU random generator.

    Returns:
        (k, D) initial centres.
    """
    n = x.shape[0]
    chosen = [int(torch.randint(n, (1,), generator=generator))]
    closest = (x - x[chosen[0]]).pow(2).sum(dim=-1)
    for _ in range(1, k):
        total = float(closest.sum())
        if total <= 0:  # every point coincides with a centre: pick uniformly
            nxt = int(torch.randint(n, (1,), generator=generator))
        else:
            nxt = int(torch.multinomial(closest / total, 1, generator=generator))
        chosen.append(nxt)
        closest = torch.minimum(closest, (x - x[nxt]).pow(2).sum(dim=-1))
    return x[chosen].clone()


def lloyd(x: torch.Tensor, centroids: torch.Tensor, max_iter: int = 100, tol: float = 1e-7) -> KMeansResult:
    """Lloyd iterations from ``centroids`` until the SSE improves by less than ``tol`` (relative).

    An emptied cluster is re-seeded at the point farthest from its centroid.

    Args:
        x: (N, D) data.
        centroids: (K, D) start.
        max_iter: iteration cap.
        tol: relative SSE improvement that counts as converged.

    Returns:
        :class:`KMeansResult`.
    """
    k, d = centroids.shape
    c = centroids.clone()
    previous = float("inf")
    sse = previous
    for iteration in range(1, max_iter + 1):
        index = nearest_rows(x, c)
        sqdist = squared_distance_to(x, c, index)
        sse = float(sqdist.sum())
        sums = torch.zeros(k, d, dtype=x.dtype, device=x.device).index_add_(0, index, x)
        counts = torch.zeros(k, dtype=x.dtype, device=x.device).index_add_(0, index, torch.ones_like(sqdist, dtype=x.dtype))
        empty = counts == 0
        c = torch.where(empty.unsqueeze(-1), c, sums / counts.clamp(min=1).unsqueeze(-1))
        for j in torch.nonzero(empty).flatten().tolist():
            far = int(sqdist.argmax())
            c[j] = x[far]
            sqdist[far] = 0
        if previous - sse <= tol * max(sse, 1e-30):
            break
        previous = sse
    sqdist = squared_distance_to(x, c, nearest_rows(x, c))
    return KMeansResult(c, float(sqdist.sum()), iteration)


def kmeans(x: torch.Tensor, k: int, restarts: int = 5, max_iter: int = 100, seed: int = 0) -> KMeansResult:
    """Best of ``restarts`` k-means++ + Lloyd runs (lowest SSE on ``x``).

    Args:
        x: (N, D) data, N >= k.
        k: number of centroids.
        restarts: independent seedings.
        max_iter: Lloyd iteration cap per run.
        seed: seed of the private generator.

    Returns:
        :class:`KMeansResult` of the best run.
    """
    if x.dim() != 2 or x.shape[0] < k or k < 1:
        raise ValueError(f"k-means needs an (N, D) tensor with N >= k = {k}, got shape {tuple(x.shape)}")
    x = x.to(work_dtype(x.dtype))
    generator = torch.Generator().manual_seed(seed)
    best: KMeansResult | None = None
    for _ in range(max(1, restarts)):
        result = lloyd(x, kmeans_pp(x.cpu(), k, generator).to(x.device), max_iter=max_iter)
        if best is None or result.sse < best.sse:
            best = result
    assert best is not None
    return best
