"""Time jitter on latent sequences (ZeroSpeech 2019/2020 VQ-VAE regulariser)."""

from __future__ import annotations

import torch
from torch import nn


class Jitter(nn.Module):
    """In training, replace each frame by its left or right neighbour with probability ``p``.

    Half of the replaced frames copy the previous frame, half the next one (clamped at the
    edges). Identity in eval mode or with ``p == 0``. Noise is drawn on the input's device.

    Args:
        p: probability that a frame is replaced by a neighbour.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"jitter probability must be in [0, 1], got {p}")
        self.p = float(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args:
            x: (B, T, D) latents.

        Returns:
            (B, T, D) latents with jittered frames (same tensor in eval mode).
        """
        if not self.training or self.p == 0.0 or x.shape[1] < 2:
            return x
        b, t, _ = x.shape
        u = torch.rand(b, t, device=x.device)
        shift = torch.zeros(b, t, dtype=torch.long, device=x.device)
        shift[u < self.p / 2] = -1
        shift[(u >= self.p / 2) & (u < self.p)] = 1
        idx = (torch.arange(t, device=x.device).unsqueeze(0) + shift).clamp(0, t - 1)
        return torch.gather(x, 1, idx.unsqueeze(-1).expand_as(x))
