"""sfvq-vc: a VQ-VAE voice converter whose content codebook is a Space-Filling VQ.

``vc.Converter`` is the one-line entry point::

    from vc import Converter
    converter = Converter.from_pretrained("recipes/mini/exp/sfvq")
    wav, sr = converter.convert(wav, sr, target="flite-slt")

It is imported lazily so that ``import vc`` (and the light console scripts) stay fast.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["Converter", "__version__"]


def __getattr__(name: str):
    if name == "Converter":
        from vc.convert import Converter

        return Converter
    raise AttributeError(f"module 'vc' has no attribute {name!r}")
