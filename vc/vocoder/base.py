"""Vocoder interface and registry: log-mel frames -> waveform."""

from __future__ import annotations

from typing import Any, Callable

import torch
from torch import nn

from vc.errors import UserError


class Vocoder(nn.Module):
    """Base class: turn natural-log mel magnitudes (the :class:`vc.features.LogMel` output) into audio.

    Subclasses implement :meth:`forward`. A trained neural vocoder subclasses this too, loads its
    weights in ``__init__`` (e.g. from a ``checkpoint=`` option) and registers under its own name.

    Attributes:
        cfg: the feature config the mels were computed with.
        sample_rate: output sample rate (Hz).
        hop_length: samples per mel frame.
        n_fft, win_length: STFT geometry of the features.
        uses_f0: ``True`` if :meth:`forward` takes ``log_f0=`` (B, frames) and ``voiced=`` (B, frames)
            keyword inputs (source-filter vocoders); callers that know the output F0 pass them.
    """

    uses_f0: bool = False

    def __init__(self, feature_config: Any) -> None:
        """Keep the feature geometry every vocoder needs.

        Args:
            feature_config: the :class:`vc.features.FeatureConfig` the mels were computed with.
        """
        super().__init__()
        self.cfg = feature_config
        self.sample_rate = int(feature_config.sample_rate)
        self.hop_length = int(feature_config.hop_length)
        self.n_fft = int(feature_config.n_fft)
        self.win_length = int(feature_config.win_length)

    def forward(self, log_mel: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Synthesize.

        Args:
            log_mel: (B, frames, n_mels) log-mel (not normalised).
            lengths: optional (B,) long number of output samples wanted per item; default
                ``(frames - 1) * hop_length``.

        Returns:
            (B, samples) float32 waveform, ``samples = max(lengths)``; items are zero past their length.
        """
        raise NotImplementedError


_REGISTRY: dict[str, Callable[..., Vocoder]] = {}


def register_vocoder(name: str) -> Callable[[Callable[..., Vocoder]], Callable[..., Vocoder]]:
    """Class decorator: make a vocoder constructible by ``name`` via :func:`get_vocoder`.

    The constructor is called as ``cls(feature_config, **opts)``.
    """

    def deco(factory: Callable[..., Vocoder]) -> Callable[..., Vocoder]:
        if name in _REGISTRY:
            raise ValueError(f"vocoder {name!r} registered twice")
        _REGISTRY[name] = factory
        return factory

    return deco


def available_vocoders() -> list[str]:
    """Names accepted by :func:`get_vocoder`."""
    return sorted(_REGISTRY)


def get_vocoder(name: str, feature_config: Any, **opts: Any) -> Vocoder:
    """Build a vocoder by name.

    Args:
        name: registered name (e.g. ``"griffin_lim"``).
        feature_config: the :class:`vc.features.FeatureConfig` the mels were computed with.
        **opts: vocoder-specific options (the config's ``vocoder`` section without ``name``).

    Returns:
        The vocoder module (CPU, eval mode).
    """
    if name not in _REGISTRY:
        raise UserError(f"unknown vocoder {name!r} (available: {', '.join(available_vocoders())})")
    try:
        voc = _REGISTRY[name](feature_config, **opts)
    except TypeError as err:
        raise UserError(f"vocoder {name!r}: bad option(s): {err}") from err
    return voc.eval()
