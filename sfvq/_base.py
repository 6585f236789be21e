"""Shared machinery of the two quantizers: outputs, input checks, the training forward.

Subclasses provide three hooks on flattened (N, D) inputs:

* ``_train_points(x)``: differentiable hard points used in training (dithered curve points for
  SFVQ, nearest codewords for VQ) and their integer indices;
* ``_project_rows(x)``: exact inference projection (quantized, index, position);
* ``_decode_rows(position)``: fractional index → vector.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import nn

from sfvq._distances import no_autocast
from sfvq.metrics import perplexity_from_counts, usage_counts
from sfvq.nsvq import nsvq_substitute

GRADIENT_MODES = ("nsvq", "none")


class QuantizerOutput(NamedTuple):
    """Result of a forward pass.

    Attributes:
        quantized: (..., D) quantized input (NSVQ substitute in training with gradient="nsvq").
        index: (...) long, codeword / nearest-corner index of each input.
        perplexity: scalar tensor, exp(entropy) of the index distribution in this batch.
    """

    quantized: torch.Tensor
    index: torch.Tensor
    perplexity: torch.Tensor


class Projection(NamedTuple):
    """Result of :meth:`Quantizer.project` (no autograd).

    Attributes:
        quantized: (..., D) nearest point on the curve (SFVQ) or nearest codeword (VQ).
        index: (...) long, nearest corner: ``round(position)`` (VQ: the codeword index).
        position: (...) float, fractional index k + λ in [0, K − 1] (VQ: equal to ``index``).
    """

    quantized: torch.Tensor
    index: torch.Tensor
    position: torch.Tensor


def _on_host_without_tracing(x: torch.Tensor) -> bool:
    """True when a value check costs no device sync (CPU tensor, not being compiled)."""
    compiling = getattr(torch.compiler, "is_compiling", lambda: False)()
    return x.device.type == "cpu" and not compiling


def chunk_means(rows: torch.Tensor, key: torch.Tensor, groups: int) -> torch.Tensor:
    """Sort rows by ``key``, cut them into ``groups`` runs of (nearly) equal count, average each.

    Args:
        rows: (N, D) data, N >= groups.
        key: (N,) sort key.
        groups: number of runs G.

    Returns:
        (G, D) run means in at least float32 (run sizes differ by at most one).
    """
    n = rows.shape[0]
    order = torch.argsort(key, stable=True)
    run = (torch.arange(n, device=rows.device) * groups) // n  # run of each sorted row
    dtype = torch.promote_types(rows.dtype, torch.float32)
    sums = torch.zeros(groups, rows.shape[1], dtype=dtype, device=rows.device)
    sums.index_add_(0, run, rows[order].to(dtype))
    counts = torch.zeros(groups, dtype=dtype, device=rows.device)
    counts.index_add_(0, run, torch.ones(n, dtype=dtype, device=rows.device))
    return sums / counts.unsqueeze(-1)


class Quantizer(nn.Module):
    """Base class: a codebook Parameter ``weight`` of shape (2**bits, dim), active prefix in use.

    Args:
        bits: log2 of the maximum number of codewords (>= 1).
        dim: vector dimension D (>= 1).
        gradient: "nsvq" (noise substitution: gradients reach input and codebook) or "none"
            (output = hard points: gradients reach the codebook only; fit with an MSE loss).
    """

    def __init__(self, bits: int, dim: int, gradient: str = "nsvq") -> None:
        super().__init__()
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 24:
            raise ValueError(f"bits must be an integer in 1..24, got {bits!r}")
        if isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
            raise ValueError(f"dim must be a positive integer, got {dim!r}")
        if gradient not in GRADIENT_MODES:
            raise ValueError(f"gradient must be one of {GRADIENT_MODES}, got {gradient!r}")
        self.bits = bits
        self.dim = dim
        self.gradient = gradient
        self.weight = nn.Parameter(torch.randn(2**bits, dim))

    # ----- size bookkeeping (overridden by SFVQ) -------------------------------------------
    @property
    def active_corners(self) -> int:
        """Number of codewords in use (VQ: always 2**bits)."""
        return 2**self.bits

    @property
    def can_grow(self) -> bool:
        """Whether :meth:`grow` may be called."""
        return False

    def grow(self) -> None:
        """Double the active codewords (SFVQ only)."""
        raise ValueError(f"{type(self).__name__} cannot grow: it always uses all 2**{self.bits} codewords")

    @property
    def codebook(self) -> torch.Tensor:
        """(active_corners, dim) view of the codewords in use (shares storage and autograd)."""
        return self.weight[: self.active_corners]

    def replace_unused(self, threshold: float = 0.01) -> int:
        """Replace rarely used codewords; the base (and SFVQ) never replaces: returns 0."""
        return 0

    def extra_repr(self) -> str:
        return f"bits={self.bits}, dim={self.dim}, gradient={self.gradient!r}, active_corners={self.active_corners}"

    # ----- input handling ---------------------------------------------------------------
    def _rows(self, x: torch.Tensor, what: str, check_values: bool = True) -> torch.Tensor:
        """Validate ``x`` (..., dim) and flatten it to (N, dim)."""
        if not isinstance(x, torch.Tensor):
            raise ValueError(f"{what}: expected a torch.Tensor, got {type(x).__name__}")
        if not x.is_floating_point():
            raise ValueError(f"{what}: expected a floating-point tensor, got dtype {x.dtype}")
        if x.dim() == 0 or x.shape[-1] != self.dim:
            raise ValueError(f"{what}: last dimension must be {self.dim}, got shape {tuple(x.shape)}")
        if x.numel() == 0:
            raise ValueError(f"{what}: empty batch (shape {tuple(x.shape)})")
        # One reduction first; the elementwise test only if the sum is not finite (NaN, inf
        # or an overflowing sum of huge values).
        if check_values and not bool(torch.isfinite(x.sum())) and not bool(torch.isfinite(x).all()):
            raise ValueError(f"{what}: input contains NaN or inf")
        return x.reshape(-1, self.dim)

    # ----- hooks ------------------------------------------------------------------------
    def _train_points(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _project_rows(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def _decode_rows(self, position: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def _record_usage(self, index: torch.Tensor) -> None:
        """Called with training-forward indices (N,); VQ counts them."""

    # ----- public API -------------------------------------------------------------------
    def forward(self, x: torch.Tensor) -> QuantizerOutput:
        """Quantize ``x``.

        Training mode: hard points from :meth:`_train_points` (SFVQ: dithered curve points),
        then NSVQ substitution if ``gradient == "nsvq"``. Eval mode: the exact projection, with
        gradients to the codebook only, no noise. No host sync on accelerators (the NaN/inf
        check runs on CPU tensors only).

        Args:
            x: (..., dim) inputs, any floating dtype; autocast is ignored (float32 or wider).

        Returns:
            :class:`QuantizerOutput` with quantized (..., dim) in x's dtype, index (...) long,
            perplexity a scalar tensor.
        """
        flat = self._rows(x, "quantizer input", check_values=_on_host_without_tracing(x))
        with no_autocast(flat.device):
            dtype = torch.promote_types(torch.promote_types(flat.dtype, self.weight.dtype), torch.float32)
            rows = flat.to(dtype)
            if self.training:
                hard, index = self._train_points(rows)
                self._record_usage(index)
                out = nsvq_substitute(rows, hard) if self.gradient == "nsvq" else hard
            else:  # exact projection; decoding the position again gives codebook gradients
                _, index, position = self._project_rows(rows)
                out = self._decode_rows(position)
        perp = perplexity_from_counts(usage_counts(index, self.active_corners))
        return QuantizerOutput(out.to(x.dtype).reshape(x.shape), index.reshape(x.shape[:-1]), perp)

    @torch.no_grad()
    def project(self, x: torch.Tensor) -> Projection:
        """Exact inference projection (no autograd).

        Args:
            x: (..., dim) inputs.

        Returns:
            :class:`Projection` with quantized (..., dim), index (...) long, position (...) float.
        """
        flat = self._rows(x, "project input")
        quantized, index, position = self._project_rows(flat)
        batch = x.shape[:-1]
        return Projection(quantized.to(x.dtype).reshape(x.shape), index.reshape(batch), position.reshape(batch))

    def decode(self, position: torch.Tensor) -> torch.Tensor:
        """Vectors at fractional indices (differentiable w.r.t. the codebook).

        Args:
            position: (...) float (or long) indices; clamped to [0, active_corners − 1].

        Returns:
            (..., dim) tensor in the codebook's dtype.
        """
        if not isinstance(position, torch.Tensor):
            position = torch.as_tensor(position, device=self.weight.device)
        if position.numel() == 0:
            raise ValueError(f"decode: empty position tensor (shape {tuple(position.shape)})")
        pos = position.to(device=self.weight.device)
        if pos.is_floating_point() and not bool(torch.isfinite(pos).all()):
            raise ValueError("decode: position contains NaN or inf")
        return self._decode_rows(pos.reshape(-1)).reshape(*position.shape, self.dim)

    @torch.no_grad()
    def normalize_occurrence(self, samples: torch.Tensor) -> None:
        """Re-place the active codewords so each index is used about equally often.

        Projects ``samples`` (Privacy PORCUPINE), orders them by position along the curve,
        cuts them into ``active_corners`` chunks of equal count and moves codeword k to the
        mean of chunk k. Meant for SFVQ; for VQ the order is by codeword index.

        Args:
            samples: (N, dim) data, N >= active_corners.
        """
        flat = self._rows(samples, "normalize_occurrence samples")
        k = self.active_corners
        if flat.shape[0] < k:
            raise ValueError(f"normalize_occurrence needs at least {k} samples, got {flat.shape[0]}")
        _, _, position = self._project_rows(flat)
        self.weight[:k].copy_(chunk_means(flat, position, k).to(self.weight.dtype))
