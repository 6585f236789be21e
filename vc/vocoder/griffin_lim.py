"""Fast Griffin-Lim (with momentum) from log-mel, batched, in torch."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from vc.features import mel_filterbank
from vc.vocoder.base import Vocoder, register_vocoder


def mel_to_linear(mel_mag: torch.Tensor, fb: torch.Tensor, fb_pinv: torch.Tensor, iters: int = 10) -> torch.Tensor:
    """Non-negative least-squares estimate of linear magnitudes from mel magnitudes.

    Starts from the clamped pseudo-inverse solution and refines it with multiplicative
    (Lee-Seung) updates, which keep every bin non-negative.

    Args:
        mel_mag: (B, frames, n_mels) mel magnitudes (``exp`` of the log-mel).
        fb: (n_mels, n_freq) mel filterbank.
        fb_pinv: (n_freq, n_mels) its pseudo-inverse.
        iters: multiplicative update steps.

    Returns:
        (B, n_freq, frames) non-negative linear magnitudes.
    """
    m = mel_mag.transpose(1, 2)  # (B, n_mels, T)
    s = torch.clamp(fb_pinv @ m, min=0.0) + 1e-6
    fbt_m = fb.t() @ m
    for _ in range(iters):
        s = s * fbt_m / (fb.t() @ (fb @ s) + 1e-9)
    return s


@register_vocoder("griffin_lim")
class GriffinLim(Vocoder):
    """Fast Griffin-Lim (Perraudin et al. 2013) on the NNLS-inverted mel spectrogram.

    Needs no training. The STFT matches :class:`vc.features.LogMel` (Hann window of ``win_length``
    zero-padded to ``n_fft``, centred frames); pre-emphasis, if the features used it, is undone.

    Args:
        feature_config: :class:`vc.features.FeatureConfig`.
        n_iter: Griffin-Lim iterations.
        momentum: momentum of the fast variant (0 gives plain Griffin-Lim).
        nnls_iters: multiplicative NNLS steps for the mel inversion.
        power: exponent applied to the magnitudes before phase recovery (>1 sharpens harmonics).
        seed: seed of the random initial phase (output is deterministic).
    """

    def __init__(self, feature_config: Any, n_iter: int = 32, momentum: float = 0.99, nnls_iters: int = 10,
                 power: float = 1.0, seed: int = 0) -> None:
        super().__init__(feature_config)
        self.n_iter = int(n_iter)
        self.momentum = float(momentum)
        self.nnls_iters = int(nnls_iters)
        self.power = float(power)
        self.seed = int(seed)
        fb = torch.as_tensor(mel_filterbank(feature_config), dtype=torch.float32)
        self.register_buffer("fb", fb, persistent=False)
        self.register_buffer("fb_pinv", torch.linalg.pinv(fb), persistent=False)
        self.register_buffer("window", torch.hann_window(self.win_length), persistent=False)

    def _stft(self, wav: torch.Tensor) -> torch.Tensor:
        return torch.stft(wav, self.n_fft, self.hop_length, self.win_length, self.window, center=True,
                          pad_mode="reflect", return_complex=True)

    def _istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        return torch.istft(spec, self.n_fft, self.hop_length, self.win_length, self.window, center=True,
                           length=length)

    @torch.no_grad()
    def forward(self, log_mel: torch.Tensor, lengths: torch.Tensor | None = None,
                init_phase: torch.Tensor | None = None) -> torch.Tensor:
        """See :meth:`Vocoder.forward`. ``log_mel``: (B, frames, n_mels) -> (B, samples).

        Args:
            init_phase: optional (B, n_freq, frames) starting phase; NaN entries start random.
                Used to continue the phase of a previous chunk across a chunk boundary.
        """
        wav, _ = self.synthesize(log_mel, lengths, init_phase)
        return wav

    @torch.no_grad()
    def synthesize(self, log_mel: torch.Tensor, lengths: torch.Tensor | None = None,
                   init_phase: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Like :meth:`forward`, also returning the final phase (B, n_freq, frames)."""
        log_mel = log_mel.float()
        frames = log_mel.shape[1]
        n_out = (frames - 1) * self.hop_length if lengths is None else int(lengths.max())
        mag = mel_to_linear(torch.exp(log_mel), self.fb, self.fb_pinv, self.nnls_iters)
        if self.power != 1.0:
            mag = mag.pow(self.power)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        # one random phase pattern shared by the batch: an item's output does not depend on its batch
        phase = (torch.rand((1, *mag.shape[1:]), generator=gen) * (2 * np.pi)).to(mag.device).expand_as(mag)
        if init_phase is not None:
            given = init_phase.to(mag.device, torch.float32)
            phase = torch.where(torch.isnan(given), phase, given)
        spec = torch.polar(mag, phase)
        # istft(..., length=(frames-1)*hop) followed by stft gives exactly `frames` frames
        n_work = (frames - 1) * self.hop_length
        prev = None
        for _ in range(self.n_iter):
            rebuilt = self._stft(self._istft(spec, n_work))
            acc = rebuilt if prev is None else rebuilt + self.momentum * (rebuilt - prev)
            prev = rebuilt
            spec = mag * acc / acc.abs().clamp_min(1e-12)
        final_phase = torch.angle(spec)
        wav = self._istft(spec, max(n_out, 1))
        if lengths is not None:
            t = torch.arange(wav.shape[-1], device=wav.device)
            wav = wav * (t.unsqueeze(0) < lengths.to(wav.device).unsqueeze(1))
        pre = float(getattr(self.cfg, "preemphasis", 0.0) or 0.0)
        if pre > 0:
            wav = deemphasis(wav, pre)
        return wav, final_phase


def deemphasis(wav: torch.Tensor, coef: float) -> torch.Tensor:
    """Undo pre-emphasis ``y[n] = x[n] - coef * x[n-1]``.

    Args:
        wav: (B, samples).
        coef: pre-emphasis coefficient.

    Returns:
        (B, samples) float32.
    """
    from scipy.signal import lfilter

    out = lfilter([1.0], [1.0, -coef], wav.detach().cpu().numpy(), axis=-1)
    return torch.as_tensor(out, dtype=torch.float32, device=wav.device)
