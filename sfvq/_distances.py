"""Memory-bounded nearest-neighbour kernels shared by the quantizers.

Squared distances are expanded as ``‖x‖² − 2 x·cᵀ + ‖c‖²`` so the only large temporary is an
``(rows, K)`` matrix; rows are processed in chunks so that matrix never exceeds
:data:`CHUNK_ELEMENTS` entries. No ``(N, K, D)`` tensor is ever formed. Everything here runs
without autograd (the callers gather the winners afterwards, with gradients), with autocast
switched off and in at least float32. Both operands are shifted by the table's mean before the
expansion, which keeps the cancellation error of the expanded form small.
"""

from __future__ import annotations

import contextlib

import torch

#: Upper bound on the number of entries of one (rows, K) temporary.
CHUNK_ELEMENTS = 1 << 19
#: Segments on each side of the expanded-form winner that are re-scored in direct form.
REFINE_WINDOW = 2


def work_dtype(*dtypes: torch.dtype) -> torch.dtype:
    """The dtype distances are computed in: the widest of ``dtypes`` and float32.

    Args:
        dtypes: floating dtypes of the operands (e.g. input and codebook).

    Returns:
        float32 for half/bfloat16/float32 operands, float64 if any operand is float64.
    """
    result = torch.float32
    for dtype in dtypes:
        result = torch.promote_types(result, dtype)
    return result


def chunk_rows(columns: int, budget: int | None = None) -> int:
    """Rows per chunk so that a (rows, columns) temporary holds at most ``budget`` entries."""
    budget = CHUNK_ELEMENTS if budget is None else budget
    return max(1, budget // max(1, columns))


def no_autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """Context that switches autocast off on ``device`` (a no-op where autocast does not exist)."""
    available = getattr(torch.amp, "is_autocast_available", lambda kind: kind in ("cpu", "cuda"))
    if not available(device.type):
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, enabled=False)


@torch.no_grad()
def nearest_rows(x: torch.Tensor, table: torch.Tensor, budget: int | None = None) -> torch.Tensor:
    """Index of the nearest table row for every input row.

    Args:
        x: (N, D) inputs.
        table: (K, D) candidate points, K >= 1.
        budget: maximum entries of one (rows, K) temporary (default :data:`CHUNK_ELEMENTS`).

    Returns:
        (N,) long, argmin over K of the squared distance.
    """
    dtype = work_dtype(x.dtype, table.dtype)
    n, k = x.shape[0], table.shape[0]
    index = torch.empty(n, dtype=torch.long, device=x.device)
    with no_autocast(x.device):
        t = table.to(dtype)
        center = t.mean(dim=0)
        t = t - center
        # argmin_k ‖x − t_k‖² = argmin_k (‖t_k‖² − 2 x·t_k): ‖x‖² is constant per row.
        t_sq = t.pow(2).sum(dim=-1)  # (K,)
        t_T = t.T
        rows = chunk_rows(k, budget)
        for start in range(0, n, rows):
            xs = x[start : start + rows].to(dtype) - center  # (r, D)
            index[start : start + rows] = torch.addmm(t_sq, xs, t_T, beta=1.0, alpha=-2.0).argmin(dim=-1)
    return index


def squared_distance_to(x: torch.Tensor, table: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """Squared distance of each row of x (N, D) to its table row table[index] (direct form, (N,))."""
    dtype = work_dtype(x.dtype, table.dtype)
    return (x.to(dtype) - table.to(dtype)[index]).pow(2).sum(dim=-1)


@torch.no_grad()
def two_nearest_rows(x: torch.Tensor, table: torch.Tensor, budget: int | None = None) -> torch.Tensor:
    """Indices of the nearest and second-nearest table rows.

    Args:
        x: (N, D) inputs.
        table: (K, D) points, K >= 2.
        budget: maximum entries of one (rows, K) temporary.

    Returns:
        (N, 2) long: column 0 the nearest row, column 1 the runner-up.
    """
    dtype = work_dtype(x.dtype, table.dtype)
    n, k = x.shape[0], table.shape[0]
    out = torch.empty(n, 2, dtype=torch.long, device=x.device)
    with no_autocast(x.device):
        t = table.to(dtype)
        center = t.mean(dim=0)
        t = t - center
        t_sq = t.pow(2).sum(dim=-1)
        rows = chunk_rows(k, budget)
        for start in range(0, n, rows):
            xs = x[start : start + rows].to(dtype) - center
            dist = torch.addmm(t_sq, xs, t.T, beta=1.0, alpha=-2.0)
            out[start : start + rows] = dist.topk(2, dim=-1, largest=False).indices
    return out


@torch.no_grad()
def nearest_on_polyline(
    x: torch.Tensor, corners: torch.Tensor, budget: int | None = None
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Exact nearest point on the polyline corners[0] → corners[1] → … for every input row.

    Every segment is tested. For segment k with start a_k and direction d_k = c_{k+1} − c_k the
    optimal fraction is λ = clamp((x − a_k)·d_k / ‖d_k‖², 0, 1) and the squared distance
    ‖x − a_k‖² − λ (2 (x − a_k)·d_k − λ ‖d_k‖²); both need only the two products x·aᵀ and x·dᵀ.
    A zero-length segment (duplicate corners) gets λ = 0, i.e. it acts as its start corner.
    The expanded form is only a pre-selection: the winner and its REFINE_WINDOW neighbours on
    each side are re-scored in direct form. Residual limit (float32): where several segments
    that are far apart in index pass within ~1e-3·scale of a point, a near-tied one may win;
    its point is then at most that much farther than the exact nearest.

    Args:
        x: (N, D) inputs.
        corners: (K, D) polyline corners, K >= 2.
        budget: maximum entries of one (rows, K − 1) or (rows, 2·REFINE_WINDOW + 1, D) temporary.

    Returns:
        segment: (N,) long in [0, K − 2], the winning segment.
        fraction: (N,) work dtype in [0, 1], λ on that segment (computed in direct form).
        sqdist: (N,) squared distance to the projected point (clamped at 0).
    """
    dtype = work_dtype(x.dtype, corners.dtype)
    n, segments = x.shape[0], corners.shape[0] - 1
    seg_out = torch.empty(n, dtype=torch.long, device=x.device)
    fraction = torch.empty(n, dtype=dtype, device=x.device)
    sqdist = torch.empty(n, dtype=dtype, device=x.device)
    with no_autocast(x.device):
        c = corners.to(dtype)
        center = c.mean(dim=0)
        c = c - center
        start_pts, direction = c[:-1], c[1:] - c[:-1]  # (S, D)
        d_sq = direction.pow(2).sum(dim=-1)  # (S,)
        valid = d_sq > torch.finfo(dtype).tiny
        inv_d_sq = torch.where(valid, 1.0 / torch.where(valid, d_sq, torch.ones_like(d_sq)), torch.zeros_like(d_sq))
        a_dot_d = (start_pts * direction).sum(dim=-1)  # (S,)
        a_sq = start_pts.pow(2).sum(dim=-1)  # (S,)
        offsets = torch.arange(-REFINE_WINDOW, REFINE_WINDOW + 1, device=x.device)  # (W,)
        budget = CHUNK_ELEMENTS if budget is None else budget
        rows = max(1, budget // max(segments, offsets.numel() * x.shape[1]))
        for begin in range(0, n, rows):
            xs = x[begin : begin + rows].to(dtype) - center  # (r, D)
            num = (xs @ direction.T).sub_(a_dot_d)  # (x − a)·d, (r, S)
            lam = (num * inv_d_sq).clamp_(0.0, 1.0)
            dist = torch.addmm(a_sq, xs, start_pts.T, beta=1.0, alpha=-2.0)  # ‖x − a‖² − ‖x‖²
            num.mul_(2.0).sub_(lam * d_sq).mul_(lam)
            dist.sub_(num)
            seg = dist.argmin(dim=-1)
            del num, lam, dist
            # The expanded form loses ~1e-7·‖x‖² to cancellation, enough to pick a wrong but
            # nearly tied segment for points on the curve. Re-score the winner's neighbours in
            # direct form, (r, W, D), and keep the best.
            cand = (seg.unsqueeze(1) + offsets).clamp_(0, segments - 1)  # (r, W)
            dirs = direction[cand]
            diff = xs.unsqueeze(1) - start_pts[cand]
            lam_c = ((diff * dirs).sum(dim=-1) * inv_d_sq[cand]).clamp_(0.0, 1.0)  # (r, W)
            dist_c = diff.sub_(lam_c.unsqueeze(-1) * dirs).pow_(2).sum(dim=-1)
            best = dist_c.argmin(dim=-1, keepdim=True)
            seg_out[begin : begin + rows] = cand.gather(1, best).squeeze(1)
            fraction[begin : begin + rows] = lam_c.gather(1, best).squeeze(1)
            sqdist[begin : begin + rows] = dist_c.gather(1, best).squeeze(1)
    return seg_out, fraction, sqdist
