"""Content encoder: log-mel frames (100 Hz) -> continuous latents (50 Hz)."""

from __future__ import annotations

import torch
from torch import nn


def _conv_block(c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int | None = None) -> nn.Sequential:
    """Conv1d -> BatchNorm1d -> ReLU (same length for stride 1)."""
    if padding is None:
        padding = kernel // 2
    return nn.Sequential(
        nn.Conv1d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
        nn.BatchNorm1d(c_out),
        nn.ReLU(inplace=True),
    )


class Encoder(nn.Module):
    """Conv1d stack with one stride-2 step and a 1x1 projection to the latent dimension.

    Layout (C = ``channels``): ``layers_before`` 3-tap blocks at 100 Hz, one 4-tap stride-2 block
    (latent frame i sees mel frames 2i-1 .. 2i+2, centred on 2i + 0.5), ``layers_after`` 3-tap blocks
    at 50 Hz, then a 1x1 conv to ``latent_dim``.

    Args:
        n_mels: input mel bins.
        channels: hidden channels (paper: 768).
        latent_dim: output dimension (paper: 64).
        layers_before: 3-tap blocks before the stride-2 block.
        layers_after: 3-tap blocks after it.
    """

    def __init__(self, n_mels: int, channels: int, latent_dim: int, layers_before: int = 2,
                 layers_after: int = 2) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        c = n_mels
        for _ in range(layers_before):
            blocks.append(_conv_block(c, channels, 3))
            c = channels
        blocks.append(_conv_block(c, channels, 4, stride=2, padding=1))
        for _ in range(layers_after):
            blocks.append(_conv_block(channels, channels, 3))
        self.body = nn.Sequential(*blocks)
        self.proj = nn.Conv1d(channels, latent_dim, 1)

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        """Encode normalised log-mel frames.

        Args:
            mel: (B, frames, n_mels) normalised log-mel, frames >= 2.

        Returns:
            (B, frames // 2, latent_dim) continuous latents at 50 Hz.
        """
        if mel.shape[1] < 2:
            raise ValueError(f"encoder needs at least 2 frames, got {mel.shape[1]}")
        h = self.body(mel.transpose(1, 2))
        return self.proj(h).transpose(1, 2)
