"""Quality measures for quantizers and codebooks (no autograd, device-agnostic).

All functions take plain tensors, so they apply to SFVQ and VQ alike.
"""

from __future__ import annotations

import torch

from sfvq._distances import two_nearest_rows, work_dtype


def mse(x: torch.Tensor, quantized: torch.Tensor) -> torch.Tensor:
    """Mean squared error per element.

    Args:
        x: (..., D) inputs.
        quantized: (..., D) reconstructions.

    Returns:
        Scalar tensor, mean over all elements of (x − quantized)² in at least float32.
    """
    dtype = work_dtype(x.dtype, quantized.dtype)
    return (x.to(dtype) - quantized.to(dtype)).pow(2).mean()


def usage_counts(index: torch.Tensor, num_codewords: int) -> torch.Tensor:
    """How often each codeword occurs (per occurrence, not per batch).

    Uses ``scatter_add_`` with a fixed output size, so it never syncs with the host.

    Args:
        index: (...) long indices in [0, num_codewords).
        num_codewords: K.

    Returns:
        (K,) float32 counts.
    """
    flat = index.reshape(-1)
    counts = torch.zeros(num_codewords, dtype=torch.float32, device=index.device)
    return counts.scatter_add_(0, flat, torch.ones_like(flat, dtype=torch.float32))


def perplexity_from_counts(counts: torch.Tensor) -> torch.Tensor:
    """exp(entropy) of the usage distribution; K for uniform use, 1 for a single codeword.

    Args:
        counts: (K,) non-negative counts.

    Returns:
        Scalar tensor (1.0 if all counts are zero).
    """
    total = counts.sum().clamp(min=1.0)
    p = counts / total
    return torch.exp(-torch.special.xlogy(p, p).sum())


def perplexity(index: torch.Tensor, num_codewords: int) -> torch.Tensor:
    """Perplexity of the indices in ``index`` (scalar tensor); see :func:`perplexity_from_counts`."""
    return perplexity_from_counts(usage_counts(index, num_codewords))


def kl_to_uniform(counts: torch.Tensor) -> torch.Tensor:
    """KL divergence (nats) from the usage distribution to the uniform one: log K − entropy.

    Args:
        counts: (K,) non-negative counts.

    Returns:
        Scalar tensor; 0 for perfectly even use.
    """
    k = counts.numel()
    return torch.log(torch.tensor(float(k), device=counts.device)) - torch.log(perplexity_from_counts(counts))


def curve_length(codebook: torch.Tensor) -> torch.Tensor:
    """Length of the polyline codebook[0] → codebook[1] → … (sum of segment lengths).

    Args:
        codebook: (K, D) corners.

    Returns:
        Scalar tensor.
    """
    c = codebook.detach().to(work_dtype(codebook.dtype))
    return torch.linalg.vector_norm(c[1:] - c[:-1], dim=-1).sum()


def mean_pair_distance(codebook: torch.Tensor) -> torch.Tensor:
    """Mean Euclidean distance over all unordered pairs of distinct rows (K ≥ 2), row-chunked.

    Args:
        codebook: (K, D).

    Returns:
        Scalar tensor.
    """
    c = codebook.detach().to(work_dtype(codebook.dtype))
    k = c.shape[0]
    if k < 2:
        raise ValueError(f"need at least 2 codewords for pair distances, got {k}")
    total = torch.zeros((), dtype=c.dtype, device=c.device)
    rows = max(1, (1 << 20) // k)
    for start in range(0, k, rows):
        total = total + torch.cdist(c[start : start + rows], c).sum()
    return total / (k * (k - 1))


def smoothness(codebook: torch.Tensor) -> torch.Tensor:
    """Mean distance between consecutive codewords over the mean distance of a random pair.

    Small values mean neighbouring indices hold nearby vectors (an ordered, curve-like codebook);
    a codebook in arbitrary order scores about 1.

    Args:
        codebook: (K, D), K ≥ 2.

    Returns:
        Scalar tensor.
    """
    c = codebook.detach().to(work_dtype(codebook.dtype))
    if c.shape[0] < 2:
        raise ValueError(f"need at least 2 codewords for smoothness, got {c.shape[0]}")
    consecutive = torch.linalg.vector_norm(c[1:] - c[:-1], dim=-1).mean()
    return consecutive / mean_pair_distance(c).clamp(min=torch.finfo(c.dtype).tiny)


def topographic_error(x: torch.Tensor, codebook: torch.Tensor) -> torch.Tensor:
    """Share of inputs whose nearest and second-nearest codewords are not index neighbours.

    Args:
        x: (N, D) inputs.
        codebook: (K, D) codewords, K ≥ 2.

    Returns:
        Scalar tensor in [0, 1].
    """
    if codebook.shape[0] < 2:
        raise ValueError(f"need at least 2 codewords for the topographic error, got {codebook.shape[0]}")
    pair = two_nearest_rows(x.reshape(-1, x.shape[-1]), codebook.detach())
    return ((pair[:, 0] - pair[:, 1]).abs() > 1).float().mean()
