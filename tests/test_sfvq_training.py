"""Training forward: gradients per mode, NSVQ, growth, state_dict, dtype/autocast, VQ replacement."""

from __future__ import annotations

import io

import pytest
import torch
from torch import nn

from sfvq import SpaceFillingVQ, VectorQuantizer, build_quantizer
from sfvq.nsvq import nsvq_substitute

KINDS = ["sfvq", "vq"]
MODES = ["nsvq", "none"]


def make(kind: str, gradient: str, bits: int = 4, dim: int = 3, grows: int = 1):
    q = build_quantizer(kind, bits=bits, dim=dim, gradient=gradient)
    q.init_from(torch.randn(500, dim))
    if kind == "sfvq":
        for _ in range(grows):
            q.grow()
    return q


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gradient", MODES)
def test_forward_shapes_and_types(kind: str, gradient: str) -> None:
    q = make(kind, gradient)
    x = torch.randn(2, 7, 3)
    out = q(x)
    assert out.quantized.shape == x.shape and out.quantized.dtype == x.dtype
    assert out.index.shape == (2, 7) and out.index.dtype == torch.long
    assert out.perplexity.dim() == 0 and 1.0 <= float(out.perplexity) <= q.active_corners
    assert bool((out.index >= 0).all()) and bool((out.index < q.active_corners).all())


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gradient", MODES)
def test_gradients_reach_the_right_places(kind: str, gradient: str) -> None:
    """NSVQ: encoder and chosen codewords; MSE mode ("none"): codewords only."""
    q = make(kind, gradient)
    encoder = nn.Linear(3, 3)
    z = encoder(torch.randn(64, 3))
    out = q(z)
    out.quantized.pow(2).sum().backward()
    grad = q.weight.grad
    assert grad is not None and bool(torch.isfinite(grad).all())
    active = q.active_corners
    assert float(grad[:active].abs().sum()) > 0
    if active < 2**q.bits:
        assert float(grad[active:].abs().sum()) == 0.0  # inactive corners take no part
    if gradient == "nsvq":
        assert encoder.weight.grad is not None and float(encoder.weight.grad.abs().sum()) > 0
    else:
        assert encoder.weight.grad is None


@pytest.mark.parametrize("kind", KINDS)
def test_nsvq_finite_gradient_at_zero_error(kind: str) -> None:
    q = make(kind, "nsvq")
    with torch.no_grad():
        q.weight[:] = torch.tensor([0.3, -0.2, 0.1])  # every codeword / curve point is this vector
    x = torch.tensor([[0.3, -0.2, 0.1]] * 5, requires_grad=True)
    out = q(x)
    torch.testing.assert_close(out.quantized, x.detach())
    out.quantized.sum().backward()
    assert bool(torch.isfinite(x.grad).all()) and bool(torch.isfinite(q.weight.grad).all())


def test_nsvq_substitute_keeps_error_norm() -> None:
    x = torch.randn(100, 8)
    hard = x + 0.1 * torch.randn(100, 8)
    out = nsvq_substitute(x, hard)
    torch.testing.assert_close(torch.linalg.vector_norm(out - x, dim=-1), torch.linalg.vector_norm(x - hard, dim=-1))
    assert not torch.allclose(out, hard)  # random direction, not the hard point


def test_mse_mode_returns_curve_points_and_eval_is_exact() -> None:
    q = make("sfvq", "none", grows=2)
    x = torch.randn(300, 3)
    train_out = q(x)
    # Training points lie on the curve: projecting them back changes nothing.
    torch.testing.assert_close(q.project(train_out.quantized).quantized, train_out.quantized, atol=1e-5, rtol=1e-5)
    q.eval()
    eval_out = q(x)
    p = q.project(x)
    torch.testing.assert_close(eval_out.quantized, p.quantized)
    assert torch.equal(eval_out.index, p.index)


def test_dither_drawn_per_step() -> None:
    q = make("sfvq", "none", grows=2)
    x = torch.randn(200, 3)
    assert not torch.equal(q(x).quantized, q(x).quantized)


def split_positions(k: int, eps: float = SpaceFillingVQ.SPLIT_EPS) -> torch.Tensor:
    """Where grow() places the 2K new corners on the old curve (reference for the test)."""
    out = []
    for i in range(k):
        out += [i, i + eps] if i < k // 2 else [i - eps, i]
    return torch.tensor(out, dtype=torch.float64)


def test_growth_keeps_shape_and_doubles() -> None:
    q = make("sfvq", "none", bits=5, grows=0)
    with torch.no_grad():
        q.weight[:4] = torch.randn(4, 3)
    for expected in (8, 16, 32):
        before = SpaceFillingVQ(bits=5, dim=3)
        before.load_state_dict(q.state_dict())
        q.grow()
        new = q.codebook.detach()
        assert q.active_corners == expected and new.shape == (expected, 3) and q.weight.shape == (32, 3)
        positions = split_positions(expected // 2)
        torch.testing.assert_close(new, before.decode(positions).detach(), atol=1e-6, rtol=1e-6)
        # Every new segment lies inside one old segment, so the curve is the same point set.
        assert bool((positions.diff() > 0).all())
        assert bool((positions[1:] <= positions[:-1].floor() + 1).all())
        torch.testing.assert_close(new[0], before.codebook[0].detach())
        torch.testing.assert_close(new[-1], before.codebook[-1].detach())
        if expected == 8:  # dense samples of the old curve lie on the new one, and back
            dense_old = before.decode(torch.linspace(0, 3, 999)).detach()
            dense_new = q.decode(torch.linspace(0, 7, 999)).detach()
            assert float((dense_old - q.project(dense_old).quantized).norm(dim=-1).max()) < 1e-4
            assert float((dense_new - before.project(dense_new).quantized).norm(dim=-1).max()) < 1e-4
    assert not q.can_grow
    with pytest.raises(ValueError, match="cannot grow past"):
        q.grow()


def test_vq_does_not_grow() -> None:
    q = VectorQuantizer(bits=3, dim=2)
    assert q.active_corners == 8 and not q.can_grow and q.codebook.shape == (8, 2)
    with pytest.raises(ValueError, match="cannot grow"):
        q.grow()


def test_state_dict_round_trip_mid_growth() -> None:
    q = make("sfvq", "nsvq", bits=6, grows=2)
    assert q.active_corners == 16 and q.weight.shape == (64, 3)
    buffer = io.BytesIO()
    torch.save(q.state_dict(), buffer)
    buffer.seek(0)
    fresh = SpaceFillingVQ(bits=6, dim=3, gradient="nsvq")
    fresh.load_state_dict(torch.load(buffer, weights_only=True))
    assert fresh.active_corners == 16 and fresh.state_dict()["active_corners"].item() == 16
    x = torch.randn(100, 3)
    assert torch.equal(fresh.project(x).position, q.project(x).position)
    fresh.grow()
    q.grow()
    torch.testing.assert_close(fresh.codebook, q.codebook)


def test_load_rejects_bad_active_count() -> None:
    q = SpaceFillingVQ(bits=4, dim=2)
    state = q.state_dict()
    state["active_corners"] = torch.tensor(6)
    with pytest.raises(RuntimeError, match="power of two"):
        q.load_state_dict(state)
    with pytest.raises(RuntimeError):
        SpaceFillingVQ(bits=5, dim=2).load_state_dict(q.state_dict())


def test_init_from_uses_norm_sorted_quartile_means() -> None:
    q = SpaceFillingVQ(bits=4, dim=2)
    q.grow()
    radii = torch.arange(1, 9, dtype=torch.float32)
    x = torch.stack([radii, torch.zeros(8)], dim=1)[torch.randperm(8)]
    q.init_from(x)
    assert q.active_corners == 4
    torch.testing.assert_close(q.codebook[:, 0], torch.tensor([1.5, 3.5, 5.5, 7.5]))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gradient", MODES)
def test_double_precision_module(kind: str, gradient: str) -> None:
    q = make(kind, gradient).double()
    x = torch.randn(40, 3, dtype=torch.float64, requires_grad=True)
    out = q(x)
    assert out.quantized.dtype == torch.float64
    out.quantized.sum().backward()
    p = q.project(x.detach())
    assert p.quantized.dtype == torch.float64 and p.position.dtype == torch.float64


@pytest.mark.parametrize("kind", KINDS)
def test_autocast_does_not_lower_distance_precision(kind: str) -> None:
    q = make(kind, "none", grows=2).eval()
    x = torch.randn(500, 3)
    reference = q(x)
    with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
        mixed = q(x)
    assert torch.equal(mixed.index, reference.index)
    assert mixed.quantized.dtype == torch.float32
    torch.testing.assert_close(mixed.quantized, reference.quantized)


def test_usage_counted_per_occurrence_in_training_only() -> None:
    q = make("vq", "none")
    q.usage.zero_()
    q(torch.randn(37, 3))
    q(torch.randn(2, 5, 3))
    assert int(q.usage.sum()) == 47
    q.eval()
    q(torch.randn(10, 3))
    assert int(q.usage.sum()) == 47


@pytest.mark.parametrize("gradient", MODES)
def test_vq_replaces_dead_codewords(gradient: str) -> None:
    q = VectorQuantizer(bits=3, dim=2, gradient=gradient)
    data = torch.randn(400, 2)
    with torch.no_grad():
        q.weight[:4] = data[:4]
        q.weight[4:] = 1000.0 + torch.arange(4.0).unsqueeze(1)  # far away: never chosen
    for start in range(0, 400, 100):
        q(data[start : start + 100])
    assert q.replace_unused() == 4
    assert float(q.weight[4:].detach().abs().max()) < 10  # moved next to used codewords
    assert len(torch.unique(q.weight.detach(), dim=0)) == 8  # noise separates the copies
    assert int(q.usage.sum()) == 0
    assert q.replace_unused() == 0  # nothing counted since


def test_sfvq_replace_unused_is_a_no_op() -> None:
    q = make("sfvq", "nsvq")
    q(torch.randn(50, 3))
    before = q.weight.detach().clone()
    assert q.replace_unused() == 0
    assert torch.equal(before, q.weight.detach())


@pytest.mark.parametrize("kind", KINDS)
def test_module_moves_with_to(kind: str) -> None:
    q = make(kind, "nsvq").to(torch.device("cpu"), torch.float64).float()
    out = q(torch.randn(8, 3))
    assert out.quantized.device.type == "cpu" and q.weight.dtype == torch.float32


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("gradient", MODES)
def test_forward_needs_no_host_sync(kind: str, gradient: str) -> None:
    """Meta tensors have no values: any .item()/bool() in forward or backward would raise."""
    q = build_quantizer(kind, bits=4, dim=3, gradient=gradient)
    if kind == "sfvq":
        q.grow()
    q = q.to("meta")
    x = torch.randn(2, 5, 3, device="meta", requires_grad=True)
    out = q(x)
    out.quantized.sum().backward()
    assert out.quantized.shape == (2, 5, 3) and out.index.shape == (2, 5) and out.perplexity.shape == ()
    assert q.weight.grad is not None and q.weight.grad.device.type == "meta"
    q.eval()
    assert q(x).quantized.shape == (2, 5, 3)
