"""Built-in toy distributions for fitting and figures (seeded, CPU, float32)."""

from __future__ import annotations

import math
from typing import Callable

import torch


def _gaussian(n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
    return torch.randn(n, dim, generator=gen)


def _uniform(n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(n, dim, generator=gen) * 2.0 - 1.0


def _laplace(n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
    u = torch.rand(n, dim, generator=gen).clamp(1e-7, 1 - 1e-7) - 0.5
    return -torch.sign(u) * torch.log1p(-2.0 * u.abs()) / math.sqrt(2.0)  # unit variance


def _need_2d(name: str, dim: int) -> None:
    if dim != 2:
        raise ValueError(f"distribution {name!r} is 2-D only, got dim={dim}")


def _pentagon(n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
    """Uniform inside the regular pentagon with circumradius 1 (a vertex on top)."""
    _need_2d("pentagon", dim)
    angles = math.pi / 2 + 2 * math.pi * torch.arange(6) / 5
    vertices = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)  # (6, 2), last = first
    tri = torch.randint(5, (n,), generator=gen)  # the 5 triangles (centre, v_i, v_{i+1}) have equal area
    u, v = torch.rand(n, generator=gen), torch.rand(n, generator=gen)
    flip = (u + v) > 1  # fold the unit square onto the triangle
    u, v = torch.where(flip, 1 - u, u), torch.where(flip, 1 - v, v)
    return u.unsqueeze(1) * vertices[tri] + v.unsqueeze(1) * vertices[tri + 1]


def _ring(n: int, dim: int, gen: torch.Generator) -> torch.Tensor:
    """Uniform in the annulus 0.5 <= r <= 1."""
    _need_2d("ring", dim)
    r = torch.sqrt(0.25 + 0.75 * torch.rand(n, generator=gen))
    phi = 2 * math.pi * torch.rand(n, generator=gen)
    return torch.stack([r * torch.cos(phi), r * torch.sin(phi)], dim=1)


DISTRIBUTIONS: dict[str, Callable[[int, int, torch.Generator], torch.Tensor]] = {
    "gaussian": _gaussian,
    "uniform": _uniform,
    "laplace": _laplace,
    "pentagon": _pentagon,
    "ring": _ring,
}
"""Name → sampler. gaussian: N(0, I); uniform: [−1, 1]^D; laplace: i.i.d. unit-variance
Laplace; pentagon: uniform in a regular pentagon (2-D); ring: uniform in an annulus (2-D)."""


def sample(name: str, num_samples: int, dim: int = 2, seed: int = 0) -> torch.Tensor:
    """Draw samples from a built-in distribution.

    Args:
        name: a key of :data:`DISTRIBUTIONS`.
        num_samples: N >= 1.
        dim: D >= 1 (2 for the 2-D shapes).
        seed: seed of a private generator (the global RNG is untouched).

    Returns:
        (N, D) float32 tensor on the CPU.
    """
    if name not in DISTRIBUTIONS:
        raise ValueError(f"unknown distribution {name!r}; choose one of {sorted(DISTRIBUTIONS)}")
    if num_samples < 1 or dim < 1:
        raise ValueError(f"num_samples and dim must be positive, got {num_samples} and {dim}")
    gen = torch.Generator().manual_seed(seed)
    return DISTRIBUTIONS[name](num_samples, dim, gen).to(torch.float32)
