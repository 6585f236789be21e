"""Vocoders behind one interface (``mel -> wav``), chosen by name."""

from __future__ import annotations

from vc.vocoder.base import Vocoder, available_vocoders, get_vocoder, register_vocoder
from vc.vocoder import griffin_lim as _griffin_lim  # noqa: F401  (registers "griffin_lim")
from vc.vocoder import harmonic as _harmonic  # noqa: F401  (registers "harmonic")

__all__ = ["Vocoder", "available_vocoders", "get_vocoder", "register_vocoder"]
