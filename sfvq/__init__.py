"""Space-Filling Vector Quantization (SFVQ) and a plain VQ baseline for PyTorch.

>>> from sfvq import build_quantizer
>>> q = build_quantizer("sfvq", bits=6, dim=16, gradient="none")

See :class:`SpaceFillingVQ`, :class:`VectorQuantizer` and :func:`sfvq.fit.fit`.
"""

from __future__ import annotations

from sfvq._base import Projection, Quantizer, QuantizerOutput
from sfvq.spacefilling import SpaceFillingVQ
from sfvq.vq import VectorQuantizer

#: Names accepted by :func:`build_quantizer`.
QUANTIZER_KINDS = {"sfvq": SpaceFillingVQ, "vq": VectorQuantizer}


def build_quantizer(kind: str, bits: int, dim: int, gradient: str = "nsvq") -> Quantizer:
    """Construct a quantizer from a config value, so experiments swap SFVQ and VQ by one string.

    Args:
        kind: "sfvq" or "vq" (case-insensitive).
        bits: log2 of the (final) number of codewords.
        dim: vector dimension.
        gradient: "nsvq" or "none".

    Returns:
        A :class:`SpaceFillingVQ` or :class:`VectorQuantizer`.
    """
    key = str(kind).lower()
    if key not in QUANTIZER_KINDS:
        raise ValueError(f"unknown quantizer kind {kind!r}; choose one of {sorted(QUANTIZER_KINDS)}")
    return QUANTIZER_KINDS[key](bits=bits, dim=dim, gradient=gradient)


__all__ = [
    "Projection",
    "Quantizer",
    "QuantizerOutput",
    "QUANTIZER_KINDS",
    "SpaceFillingVQ",
    "VectorQuantizer",
    "build_quantizer",
]
