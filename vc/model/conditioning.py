"""Speaker and F0 conditioning for the decoder.

The decoder sees, per mel frame, the log-F0 contour of the *source* utterance moved into the
*target* speaker's range: ``(log_f0 - mean_src) / std_src * std_tgt + mean_tgt`` (in training source
and target are the same speaker, so this is the identity), minus a fixed centre, plus the voiced
flag. Unvoiced frames carry the linearly interpolated contour, so the channel is continuous.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

F0_CHANNELS = 2
"""Channels of :func:`f0_features`: (shifted log-F0 minus centre, voiced flag)."""


def interpolate_log_f0(log_f0: np.ndarray, voiced: np.ndarray) -> np.ndarray:
    """Fill unvoiced frames by linear interpolation between voiced ones (constant at the ends).

    Works whether the extractor left zeros or already interpolated values in unvoiced frames.

    Args:
        log_f0: (frames,) natural-log F0.
        voiced: (frames,) bool.

    Returns:
        (frames,) float32 contour; all zeros if no frame is voiced.
    """
    log_f0 = np.asarray(log_f0, dtype=np.float32)
    voiced = np.asarray(voiced, dtype=bool) & np.isfinite(log_f0) & (log_f0 > 0)
    if not voiced.any():
        return np.zeros_like(log_f0)
    idx = np.arange(len(log_f0))
    return np.interp(idx, idx[voiced], log_f0[voiced]).astype(np.float32)


def utterance_f0_stats(log_f0: np.ndarray, voiced: np.ndarray, min_voiced: int = 10) -> tuple[float, float] | None:
    """Mean and std of log-F0 over the voiced frames of one utterance.

    Args:
        log_f0: (frames,) natural-log F0.
        voiced: (frames,) bool.
        min_voiced: fewer voiced frames than this give ``None``.

    Returns:
        ``(mean, std)`` or ``None`` when there are too few voiced frames.
    """
    v = np.asarray(voiced, dtype=bool) & np.isfinite(log_f0) & (np.asarray(log_f0) > 0)
    if v.sum() < min_voiced:
        return None
    vals = np.asarray(log_f0, dtype=np.float64)[v]
    return float(vals.mean()), float(max(vals.std(), 1e-3))


def f0_features(log_f0: np.ndarray, voiced: np.ndarray, source: tuple[float, float],
                target: tuple[float, float], center: float) -> np.ndarray:
    """Decoder F0 input for one utterance.

    Args:
        log_f0: (frames,) natural-log F0 of the source utterance.
        voiced: (frames,) bool voiced flags.
        source: (mean, std) of log-F0 of the source speaker (or utterance).
        target: (mean, std) of log-F0 of the target speaker.
        center: constant subtracted from the shifted log-F0 (model's ``f0_center``).

    Returns:
        (frames, 2) float32: shifted log-F0 minus ``center`` (0 if nothing is voiced), voiced flag.
    """
    contour = interpolate_log_f0(log_f0, voiced)
    v = np.asarray(voiced, dtype=bool) & (contour > 0)
    if v.any():
        shifted = (contour - source[0]) / max(source[1], 1e-3) * target[1] + target[0] - center
    else:
        shifted = np.zeros_like(contour)
    return np.stack([shifted, v.astype(np.float32)], axis=-1).astype(np.float32)


class SpeakerConditioning(nn.Module):
    """Learned speaker embedding table.

    Args:
        n_speakers: number of training speakers.
        dim: embedding size (paper: 64).
    """

    def __init__(self, n_speakers: int, dim: int) -> None:
        super().__init__()
        self.table = nn.Embedding(n_speakers, dim)
        nn.init.normal_(self.table.weight, std=0.3)

    def forward(self, speaker: torch.Tensor) -> torch.Tensor:
        """Args:
            speaker: (B,) long speaker ids.

        Returns:
            (B, dim) embeddings.
        """
        return self.table(speaker)
