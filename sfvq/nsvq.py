"""Noise Substitution in Vector Quantization (NSVQ).

NSVQ replaces the non-differentiable quantization error by a random vector of the same length:
``x̂ = x + ‖x − q‖ · v / (‖v‖ + ε)`` with ``v ~ N(0, I)``. The output depends on ``x`` (identity
path) and on the chosen codeword through ``‖x − q‖``, so both the encoder and the codebook
receive gradients without a codebook or commitment loss.
"""

from __future__ import annotations

import torch

#: ε in the denominator ``‖v‖ + ε``; guards the (practically impossible) all-zero draw.
NSVQ_EPS = 1e-12


def nsvq_substitute(x: torch.Tensor, hard: torch.Tensor, eps: float = NSVQ_EPS) -> torch.Tensor:
    """Noise-substituted quantization of ``x``.

    The error norm uses :func:`torch.linalg.vector_norm`, whose gradient at a zero vector is zero
    (not NaN), so inputs that coincide with their codeword give finite gradients. The noise is
    drawn on ``x``'s device with ``x``'s dtype.

    Args:
        x: (N, D) inputs (differentiable).
        hard: (N, D) hard-quantized points (differentiable w.r.t. the codebook).
        eps: added to ``‖v‖`` in the denominator.

    Returns:
        (N, D) ``x + ‖x − hard‖ · v / (‖v‖ + eps)``.
    """
    error_norm = torch.linalg.vector_norm(x - hard, dim=-1, keepdim=True)  # (N, 1)
    noise = torch.randn_like(x)
    noise_norm = torch.linalg.vector_norm(noise, dim=-1, keepdim=True)
    return x + error_norm * noise / (noise_norm + eps)
