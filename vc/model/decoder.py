"""Decoder: latents (50 Hz) + speaker + F0 -> normalised log-mel (100 Hz)."""

from __future__ import annotations

import torch
from torch import nn

from vc.model.conditioning import F0_CHANNELS


class _ResBlock(nn.Module):
    """Residual dilated conv block with an additive speaker bias: x + conv(relu(conv(x) + s))."""

    def __init__(self, channels: int, speaker_dim: int, kernel: int, dilation: int) -> None:
        super().__init__()
        pad = dilation * (kernel - 1) // 2
        self.conv1 = nn.Conv1d(channels, channels, kernel, padding=pad, dilation=dilation)
        self.spk = nn.Linear(speaker_dim, channels)
        self.conv2 = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor, spk: torch.Tensor) -> torch.Tensor:
        """x: (B, C, T); spk: (B, speaker_dim) -> (B, C, T)."""
        h = torch.relu(self.conv1(x) + self.spk(spk).unsqueeze(-1))
        return x + self.conv2(h)


class Decoder(nn.Module):
    """Upsample x2, condition on speaker and F0, residual conv stack, optional BiGRU, linear to mels.

    Args:
        latent_dim: latent size (input).
        n_mels: output mel bins.
        speaker_dim: speaker embedding size.
        channels: hidden channels.
        layers: residual blocks; dilations cycle through 1, 2, 4, 8.
        kernel: conv kernel size (odd).
        rnn_hidden: hidden size per direction of a 1-layer BiGRU after the convs (0: none).
        use_f0: take the F0 channels of :func:`vc.model.conditioning.f0_features` as input.
    """

    def __init__(self, latent_dim: int, n_mels: int, speaker_dim: int, channels: int, layers: int = 4,
                 kernel: int = 5, rnn_hidden: int = 0, use_f0: bool = True) -> None:
        super().__init__()
        self.use_f0 = use_f0
        c_in = latent_dim + speaker_dim + (F0_CHANNELS if use_f0 else 0)
        self.inp = nn.Conv1d(c_in, channels, kernel, padding=kernel // 2)
        self.blocks = nn.ModuleList(
            _ResBlock(channels, speaker_dim, kernel, 2 ** (i % 4)) for i in range(layers))
        self.rnn = nn.GRU(channels, rnn_hidden, batch_first=True, bidirectional=True) if rnn_hidden else None
        self.out = nn.Linear(2 * rnn_hidden if rnn_hidden else channels, n_mels)

    @property
    def receptive_field(self) -> int:
        """Frames of context each side that the conv part sees (the GRU, if any, sees everything)."""
        k = self.inp.kernel_size[0]
        return k // 2 + sum(b.conv1.dilation[0] * (k - 1) // 2 for b in self.blocks)

    def forward(self, z: torch.Tensor, spk: torch.Tensor, f0: torch.Tensor | None, frames: int) -> torch.Tensor:
        """Decode.

        Args:
            z: (B, T2, latent_dim) quantised latents at 50 Hz.
            spk: (B, speaker_dim) target speaker embeddings.
            f0: (B, frames, 2) F0 features at 100 Hz (ignored if ``use_f0`` is false).
            frames: number of output frames (``2 * T2`` or ``2 * T2 + 1``).

        Returns:
            (B, frames, n_mels) normalised log-mel.
        """
        h = z.repeat_interleave(2, dim=1)
        if h.shape[1] < frames:
            h = torch.cat([h, h[:, -1:].expand(-1, frames - h.shape[1], -1)], dim=1)
        h = h[:, :frames]
        parts = [h, spk.unsqueeze(1).expand(-1, frames, -1)]
        if self.use_f0:
            if f0 is None:
                raise ValueError("decoder was built with use_f0=True but got no F0 features")
            parts.append(f0.to(h.dtype))
        x = self.inp(torch.cat(parts, dim=-1).transpose(1, 2))
        for block in self.blocks:
            x = block(x, spk)
        x = x.transpose(1, 2)
        if self.rnn is not None:
            x, _ = self.rnn(torch.relu(x))
        return self.out(torch.relu(x))
