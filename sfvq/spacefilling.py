"""Space-Filling Vector Quantizer: a piecewise-linear curve through 2**bits corner points.

The corners c_0 … c_{K−1} form the polyline c_0 → c_1 → … → c_{K−1}; a point at fraction λ on
segment k has fractional index k + λ. Training quantizes each input to the nearest of K − 1
dithered curve points (one uniform λ per segment per step), so the whole curve, not only the
corners, is fitted. Training starts with 4 corners and :meth:`SpaceFillingVQ.grow` doubles them
by splitting every corner along the curve, up to 2**bits.
"""

from __future__ import annotations

import torch

from sfvq._base import Quantizer, chunk_means
from sfvq._distances import nearest_on_polyline, nearest_rows, work_dtype


class SpaceFillingVQ(Quantizer):
    """Space-filling vector quantizer.

    ``weight`` is a Parameter of shape (2**bits, dim); only the first ``active_corners`` rows
    are in use. ``active_corners`` is stored as a buffer of the same name, so a checkpoint taken
    mid-growth restores exactly.

    Args:
        bits: log2 of the final number of corners (>= 1).
        dim: vector dimension D.
        gradient: "nsvq" (joint training inside a network) or "none" (standalone MSE fitting).
    """

    #: Corners at the start of training (fewer if 2**bits is smaller).
    INITIAL_CORNERS = 4
    #: Distance, in index units, between the two corners a corner is split into by grow().
    SPLIT_EPS = 0.01

    def __init__(self, bits: int, dim: int, gradient: str = "nsvq") -> None:
        super().__init__(bits, dim, gradient)
        start = min(self.INITIAL_CORNERS, 2**bits)
        self._active = start
        # Registered directly so the state_dict key is "active_corners" while the attribute
        # of that name stays a plain int (read in forward without a device sync).
        self._buffers["active_corners"] = torch.tensor(start, dtype=torch.long)

    # ----- growth state -------------------------------------------------------------------
    @property
    def active_corners(self) -> int:
        """Number of corners in use (4, 8, …, 2**bits)."""
        return self._active

    @property
    def can_grow(self) -> bool:
        """True while active_corners < 2**bits."""
        return self._active < 2**self.bits

    def _set_active(self, count: int) -> None:
        self._active = count
        self._buffers["active_corners"].fill_(count)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs):  # type: ignore[override]
        key = prefix + "active_corners"
        if key in state_dict:
            value = int(state_dict[key])
            start = min(self.INITIAL_CORNERS, 2**self.bits)
            if value < start or value > 2**self.bits or value & (value - 1):
                error_msgs.append(f"{key}: {value} is not a power of two in [{start}, {2**self.bits}]")
                return
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)
        self._active = int(self._buffers["active_corners"])

    @torch.no_grad()
    def grow(self) -> None:
        """Double the active corners by the split rule, keeping the curve's shape.

        Corner i of the first half becomes the points at fractional indices i and i + ε, corner
        i of the second half the points at i − ε and i (ε = :attr:`SPLIT_EPS`), both decoded on
        the current curve. The end points stay where they are.

        Raises:
            ValueError: if active_corners == 2**bits already.
        """
        if not self.can_grow:
            raise ValueError(f"cannot grow past 2**bits = {2**self.bits} corners (bits={self.bits})")
        k = self._active
        i = torch.arange(k, dtype=torch.float64, device=self.weight.device)
        first = i < k // 2
        low = torch.where(first, i, i - self.SPLIT_EPS)
        high = torch.where(first, i + self.SPLIT_EPS, i)
        positions = torch.stack([low, high], dim=1).reshape(-1)  # (2K,) increasing
        self.weight[: 2 * k].copy_(self._decode_rows(positions).to(self.weight.dtype))
        self._set_active(2 * k)

    @torch.no_grad()
    def init_from(self, samples: torch.Tensor) -> None:
        """Reset to the initial corners, placed from data.

        The samples are sorted by their norm and cut into ``INITIAL_CORNERS`` groups of equal
        count; corner j is the mean of group j. Growth restarts from the initial count.

        Args:
            samples: (..., dim) data with at least INITIAL_CORNERS vectors.
        """
        flat = self._rows(samples, "init_from samples")
        start = min(self.INITIAL_CORNERS, 2**self.bits)
        if flat.shape[0] < start:
            raise ValueError(f"init_from needs at least {start} samples, got {flat.shape[0]}")
        norms = torch.linalg.vector_norm(flat.to(work_dtype(flat.dtype)), dim=-1)
        self.weight[:start].copy_(chunk_means(flat, norms, start).to(self.weight.dtype))
        self._set_active(start)

    # ----- quantizer hooks ------------------------------------------------------------------
    def _train_points(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Nearest dithered curve point for each row of x (N, D).

        Returns:
            hard: (N, D) chosen points, differentiable w.r.t. the two corners of their segment.
            index: (N,) long, the segment end nearer to the chosen point.
        """
        corners = self.codebook.to(x.dtype)
        lam = torch.rand(corners.shape[0] - 1, 1, dtype=x.dtype, device=x.device)  # one dither per segment
        points = torch.lerp(corners[:-1], corners[1:], lam)  # (K − 1, D)
        segment = nearest_rows(x, points.detach())
        index = segment + (lam[segment, 0] >= 0.5).long()
        return points[segment], index

    def _project_rows(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        corners = self.codebook.detach()
        segment, fraction, _ = nearest_on_polyline(x, corners)
        c = corners.to(fraction.dtype)
        quantized = c.index_select(0, segment)
        quantized.addcmul_(fraction.unsqueeze(-1), (c[1:] - c[:-1]).index_select(0, segment))
        position = segment.to(fraction.dtype) + fraction
        index = segment + (fraction >= 0.5).long()
        return quantized, index, position

    def _decode_rows(self, position: torch.Tensor) -> torch.Tensor:
        """Curve points at fractional indices position (N,) → (N, D), differentiable."""
        corners = self.codebook
        k = corners.shape[0]
        pos = position if position.is_floating_point() else position.to(torch.float64)
        pos = pos.clamp(0, k - 1)
        segment = pos.floor().long().clamp_(max=k - 2)
        dtype = work_dtype(corners.dtype)
        lam = (pos - segment.to(pos.dtype)).to(dtype).unsqueeze(-1)
        c = corners.to(dtype)
        return torch.lerp(c[segment], c[segment + 1], lam)
