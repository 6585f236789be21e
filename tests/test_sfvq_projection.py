"""Exact projection onto the curve, index/position consistency, chunking, memory bound."""

from __future__ import annotations

import pytest
import torch
from torch.utils._python_dispatch import TorchDispatchMode

import sfvq._distances as distances
from sfvq import SpaceFillingVQ, build_quantizer


def grown_sfvq(bits: int, dim: int, corners: int, seed: int = 0, gradient: str = "none") -> SpaceFillingVQ:
    """An SFVQ with ``corners`` active corners at random positions."""
    q = SpaceFillingVQ(bits=bits, dim=dim, gradient=gradient)
    while q.active_corners < corners:
        q.grow()
    with torch.no_grad():
        q.weight.copy_(torch.randn(2**bits, dim, generator=torch.Generator().manual_seed(seed)))
    return q


def exact_min_sqdist(x: torch.Tensor, corners: torch.Tensor) -> torch.Tensor:
    """Reference: float64 closed-form distance to every segment, by broadcasting (small sizes)."""
    x, c = x.double(), corners.double()
    a, d = c[:-1], c[1:] - c[:-1]
    diff = x[:, None, :] - a[None]
    d_sq = (d * d).sum(-1)
    lam = torch.where(d_sq > 0, (diff * d).sum(-1) / d_sq.clamp(min=1e-300), torch.zeros_like(d_sq)).clamp(0, 1)
    return ((diff - lam[..., None] * d) ** 2).sum(-1).min(dim=1).values


@pytest.mark.parametrize("dim", [2, 3, 16])
@pytest.mark.parametrize("corners", [2, 4, 13, 32])
def test_projection_matches_brute_force(dim: int, corners: int) -> None:
    bits = max(1, (corners - 1).bit_length())
    q = SpaceFillingVQ(bits=bits, dim=dim)
    with torch.no_grad():
        q.weight.normal_()
    q._set_active(corners)  # any count works for projection; growth only makes powers of two
    x = torch.randn(300, dim) * 1.5
    p = q.project(x)
    ours = ((x.double() - p.quantized.double()) ** 2).sum(-1)
    exact = exact_min_sqdist(x, q.codebook.detach())
    torch.testing.assert_close(ours, exact, rtol=1e-4, atol=1e-5)
    # Dense sampling of the curve can only be worse than the exact projection.
    lam = torch.linspace(0, 1, 401)
    c = q.codebook.detach()
    dense = (c[:-1, None, :] + lam[None, :, None] * (c[1:] - c[:-1])[:, None, :]).reshape(-1, dim)
    dense_min = torch.cdist(x.double(), dense.double(), compute_mode="donot_use_mm_for_euclid_dist").pow(2).min(dim=1).values
    assert bool((ours <= dense_min + 1e-5).all())


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
def test_index_position_decode_consistent(kind: str) -> None:
    q = build_quantizer(kind, bits=5, dim=4)
    if kind == "sfvq":
        for _ in range(3):
            q.grow()
    with torch.no_grad():
        q.weight.normal_()
    x = torch.randn(2, 50, 4)
    p = q.project(x)
    assert p.quantized.shape == x.shape and p.index.shape == (2, 50) and p.position.shape == (2, 50)
    assert p.index.dtype == torch.long
    assert bool((p.position >= 0).all()) and bool((p.position <= q.active_corners - 1).all())
    torch.testing.assert_close(q.decode(p.position), p.quantized, rtol=1e-5, atol=1e-5)
    assert bool(((p.position - p.index).abs() <= 0.5 + 1e-6).all())
    if kind == "vq":
        assert torch.equal(p.position, p.index.to(p.position.dtype))
        brute = ((x.reshape(-1, 1, 4) - q.codebook.detach()) ** 2).sum(-1).argmin(dim=1)
        assert torch.equal(p.index.reshape(-1), brute)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_decode_project_round_trip(dtype: torch.dtype) -> None:
    q = grown_sfvq(bits=5, dim=8, corners=32).to(dtype)
    positions = torch.rand(500, dtype=dtype) * 31
    back = q.project(q.decode(positions).detach())
    torch.testing.assert_close(back.position, positions, atol=1e-4, rtol=0)
    assert back.position.dtype == dtype


def test_decode_interpolates_and_clamps() -> None:
    q = grown_sfvq(bits=2, dim=3, corners=4)
    c = q.codebook.detach()
    out = q.decode(torch.tensor([0.0, 1.25, 3.0, -2.0, 9.0]))
    torch.testing.assert_close(out[0], c[0])
    torch.testing.assert_close(out[1], 0.75 * c[1] + 0.25 * c[2])
    torch.testing.assert_close(out[2], c[3])
    torch.testing.assert_close(out[3], c[0])
    torch.testing.assert_close(out[4], c[3])


@pytest.mark.parametrize("pattern", ["all_equal", "pairs", "one_duplicate"])
def test_duplicate_corners_never_nan(pattern: str) -> None:
    q = grown_sfvq(bits=3, dim=3, corners=8)
    with torch.no_grad():
        if pattern == "all_equal":
            q.weight[:8] = torch.tensor([0.5, -1.0, 2.0])
        elif pattern == "pairs":
            q.weight[1:8:2] = q.weight[0:8:2]
        else:
            q.weight[4] = q.weight[3]
    x = torch.randn(200, 3)
    p = q.project(x)
    for t in p:
        assert bool(torch.isfinite(t.double()).all())
    torch.testing.assert_close(((x - p.quantized) ** 2).sum(-1).double(), exact_min_sqdist(x, q.codebook.detach()), rtol=1e-4, atol=1e-5)
    q.train()
    out = q(x)
    out.quantized.sum().backward()
    assert bool(torch.isfinite(out.quantized).all()) and bool(torch.isfinite(q.weight.grad).all())


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
def test_chunking_gives_identical_results(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    q = build_quantizer(kind, bits=4, dim=5)
    if kind == "sfvq":
        q.grow()
        q.grow()
    x = torch.randn(257, 5)
    whole = q.project(x)
    monkeypatch.setattr(distances, "CHUNK_ELEMENTS", 37)
    chunked = q.project(x)
    assert torch.equal(whole.index, chunked.index)
    torch.testing.assert_close(whole.position, chunked.position)
    torch.testing.assert_close(whole.quantized, chunked.quantized)


class LargestTensor(TorchDispatchMode):
    """Records the largest number of elements of any tensor an op returns."""

    def __init__(self) -> None:
        super().__init__()
        self.largest = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        for t in out if isinstance(out, (tuple, list)) else (out,):
            if isinstance(t, torch.Tensor):
                self.largest = max(self.largest, t.numel())
        return out


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
@pytest.mark.parametrize("gradient", ["nsvq", "none"])
def test_no_n_by_k_tensor(kind: str, gradient: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a small chunk budget no op output reaches N×K (let alone N×K×D) entries."""
    n, k, d = 1024, 64, 16
    monkeypatch.setattr(distances, "CHUNK_ELEMENTS", 2048)
    q = build_quantizer(kind, bits=6, dim=d, gradient=gradient)
    if kind == "sfvq":
        for _ in range(4):
            q.grow()
    x = torch.randn(n, d, requires_grad=True)
    with LargestTensor() as probe:
        out = q(x)
        out.quantized.pow(2).mean().backward()
        q.project(x.detach())
    assert probe.largest <= n * d < n * k
