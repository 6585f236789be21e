"""Training-free harmonic-plus-noise vocoder: log-mel + F0 + voicing -> waveform (batched, torch).

Source-filter synthesis:

1. Spectral envelope. A mel band's value is about the envelope at the band centre times the band's
   area, so ``log E(c_m) = log_mel_m - log(sum_f fb[m, f])`` at the centre frequencies ``c_m``
   (optionally smoothed across bands), linearly interpolated in log amplitude to any frequency.
2. Harmonic part (voiced frames). The phase ``phi(t) = 2 pi sum f0 / sr`` runs continuously on the
   per-sample F0 (frames interpolated linearly); harmonic ``k`` has amplitude ``E(k f0) * f0 / (df * S_w)``
   (the STFT magnitude of a harmonic, spread over the harmonic spacing, averages to ``E``; ``df`` is the
   bin spacing and ``S_w`` the magnitude sum of the window's spectrum), is band-limited below Nyquist,
   and fades to noise between ``max_voiced_hz`` and 1.25 times that. Its phase offset is the
   envelope's minimum phase at ``k f0`` (folded real cepstrum; ``phase="zero"`` for cosine phase).
   Synthesis runs in blocks of :data:`SAMPLE_BLOCK` samples with all harmonics at once.
3. Noise part. White noise is shaped in the STFT domain by ``E`` times a mix that is 1 in unvoiced
   frames and, in voiced frames, ``noise_floor`` below ``max_voiced_hz`` rising to 1 above it.
4. Refinement (``refine`` passes): the mel of the sum is compared with the wanted mel; the log ratio,
   smoothed across bands and clamped, is applied as a gain in the STFT domain.

Optional postfilters against a model's over-smoothing act on the log envelope before synthesis:
``contrast`` (across bands) and ``temporal_contrast`` (over frames, per band).

Without F0 input every frame is treated as unvoiced (noise-excited, whisper-like output).
The STFT matches :class:`vc.features.LogMel`; pre-emphasis, if the features used it, is undone.
"""

from __future__ import annotations

from typing import Any

import librosa
import numpy as np
import torch
import torch.nn.functional as F

from vc.features import mel_filterbank
from vc.vocoder.base import Vocoder, register_vocoder
from vc.vocoder.griffin_lim import deemphasis

SAMPLE_BLOCK = 16000
"""Samples synthesised per vectorised step (bounds memory to B x SAMPLE_BLOCK x harmonics)."""


def _interp_weights(x: torch.Tensor, xp: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Left index and right weight for linear interpolation at ``x`` on the sorted grid ``xp``.

    Args:
        x: (...) query points.
        xp: (M,) increasing grid.

    Returns:
        ``(i0 (...) long in [0, M-2], w (...) in [0, 1])``; queries outside the grid are clamped.
    """
    i0 = (torch.searchsorted(xp, x.contiguous()) - 1).clamp(0, len(xp) - 2)
    w = ((x - xp[i0]) / (xp[i0 + 1] - xp[i0])).clamp(0.0, 1.0)
    return i0, w


@register_vocoder("harmonic")
class HarmonicNoise(Vocoder):
    """Harmonic-plus-noise source-filter vocoder driven by F0 and a voiced flag (no training).

    Args:
        feature_config: :class:`vc.features.FeatureConfig`.
        max_voiced_hz: harmonics fade into noise between this and 1.25 times this frequency.
        noise_floor: noise amplitude (relative to the envelope) mixed into voiced frames below
            ``max_voiced_hz``.
        smooth_bands: width (mel bands, odd) of the triangular smoothing of the log envelope (1: none).
        refine: mel-matching gain passes after synthesis.
        refine_bands: width (mel bands, odd) of the smoothing of the refinement gain.
        max_gain_db: clamp of the refinement gain.
        phase: harmonic phases: ``"minimum"`` (the minimum phase of the envelope, as an all-pole
            vocal tract would give; less buzzy) or ``"zero"`` (cosine phase: one sharp pulse per period).
        contrast: spectral-contrast postfilter: the log envelope's deviation from its
            ``contrast_bands``-wide smoothing is multiplied by this (1: off; >1 sharpens formants
            that an over-smoothing model blurred).
        contrast_bands: width (mel bands, odd) of that smoothing.
        temporal_contrast: each band's log envelope deviation from its mean over the item's frames
            is multiplied by this (1: off; >1 undoes temporal over-smoothing, like global-variance
            compensation).
        seed: seed of the noise (output is deterministic; the noise is shared by the batch).
    """

    uses_f0 = True

    def __init__(self, feature_config: Any, max_voiced_hz: float = 5000.0, noise_floor: float = 0.05,
                 smooth_bands: int = 3, refine: int = 1, refine_bands: int = 5, max_gain_db: float = 12.0,
                 phase: str = "minimum", contrast: float = 1.0, contrast_bands: int = 9,
                 temporal_contrast: float = 1.0, seed: int = 0) -> None:
        super().__init__(feature_config)
        self.max_voiced_hz = float(max_voiced_hz)
        self.noise_floor = float(noise_floor)
        self.smooth_bands = max(1, int(smooth_bands) // 2 * 2 + 1)
        self.refine = int(refine)
        self.refine_bands = max(1, int(refine_bands) // 2 * 2 + 1)
        self.max_gain = float(max_gain_db) / 20.0 * float(np.log(10.0))
        self.seed = int(seed)
        if phase not in ("zero", "minimum"):
            raise TypeError(f"phase must be 'zero' or 'minimum', got {phase!r}")
        self.phase = phase
        self.contrast = float(contrast)
        self.contrast_bands = max(1, int(contrast_bands) // 2 * 2 + 1)
        self.temporal_contrast = float(temporal_contrast)
        fb = torch.as_tensor(mel_filterbank(feature_config), dtype=torch.float32)  # (M, F)
        centres = librosa.mel_frequencies(n_mels=fb.shape[0] + 2, fmin=feature_config.fmin,
                                          fmax=feature_config.fmax)[1:-1]
        freqs = torch.arange(fb.shape[1], dtype=torch.float32) * self.sample_rate / self.n_fft
        self.register_buffer("fb", fb, persistent=False)
        self.register_buffer("log_area", torch.log(fb.sum(dim=1).clamp_min(1e-12)), persistent=False)
        self.register_buffer("centres", torch.as_tensor(centres, dtype=torch.float32), persistent=False)
        i0, w = _interp_weights(freqs, self.centres)
        lin = torch.zeros(fb.shape[1], fb.shape[0])  # (F, M): log envelope at bin freqs from band centres
        lin[torch.arange(len(freqs)), i0] = 1 - w
        lin[torch.arange(len(freqs)), i0 + 1] += w
        self.register_buffer("to_linear", lin, persistent=False)
        self.register_buffer("freqs", freqs, persistent=False)
        window = torch.hann_window(self.win_length)
        self.register_buffer("window", window, persistent=False)
        padded = F.pad(window, ((self.n_fft - self.win_length) // 2, (self.n_fft - self.win_length + 1) // 2))
        spec_sum = float(torch.fft.fft(padded.double()).abs().sum())
        df = self.sample_rate / self.n_fft
        self.harm_scale = 1.0 / (df * 0.5 * spec_sum)  # amplitude = E * f0 * harm_scale
        self.noise_scale = 1.0 / (float(np.sqrt(np.pi) / 2) * float(window.pow(2).sum().sqrt()))

    def _stft(self, wav: torch.Tensor) -> torch.Tensor:
        return torch.stft(wav, self.n_fft, self.hop_length, self.win_length, self.window, center=True,
                          pad_mode="constant", return_complex=True)

    def _istft(self, spec: torch.Tensor, length: int) -> torch.Tensor:
        return torch.istft(spec, self.n_fft, self.hop_length, self.win_length, self.window, center=True,
                           length=length)

    def _smooth_bands(self, x: torch.Tensor, width: int) -> torch.Tensor:
        """Triangular smoothing along the last axis (replicate edges). x: (B, T, M) -> same."""
        if width <= 1:
            return x
        half = width // 2
        k = torch.cat([torch.arange(1, half + 2), torch.arange(half, 0, -1)]).to(x)
        k = (k / k.sum()).view(1, 1, -1)
        b, t, m = x.shape
        y = F.conv1d(F.pad(x.reshape(b * t, 1, m), (half, half), mode="replicate"), k)
        return y.view(b, t, m)

    def _log_envelope_at(self, log_env: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
        """Log envelope at frequencies ``f``. log_env: (B, T, M); f: (B, T, K) Hz -> (B, T, K)."""
        i0, w = _interp_weights(f, self.centres)
        lo = torch.gather(log_env, 2, i0)
        hi = torch.gather(log_env, 2, i0 + 1)
        return lo + w * (hi - lo)

    def _minimum_phase(self, log_env: torch.Tensor) -> torch.Tensor:
        """Minimum phase of the envelope at the STFT bins (folded real cepstrum).

        Args:
            log_env: (B, T, M) log envelope at the band centres.

        Returns:
            (B, T, n_fft // 2 + 1) phase in radians (continuous, not wrapped).
        """
        log_lin = torch.einsum("fm,btm->btf", self.to_linear, log_env)
        cep = torch.fft.irfft(log_lin, n=self.n_fft, dim=-1)
        half = self.n_fft // 2
        fold = torch.zeros_like(cep)
        fold[..., 0] = cep[..., 0]
        fold[..., 1:half] = 2 * cep[..., 1:half]
        fold[..., half] = cep[..., half]
        return torch.fft.rfft(fold, dim=-1).imag

    def _harmonic_taper(self, f: torch.Tensor) -> torch.Tensor:
        """Harmonic share (0..1) at frequency ``f``: 1 below max_voiced_hz, raised-cosine fade, 0 near Nyquist."""
        lo, hi = self.max_voiced_hz, min(1.25 * self.max_voiced_hz, 0.95 * self.sample_rate / 2)
        x = ((f - lo) / max(hi - lo, 1.0)).clamp(0.0, 1.0)
        taper = 0.5 + 0.5 * torch.cos(np.pi * x)
        return taper * (f < 0.95 * self.sample_rate / 2)

    @torch.no_grad()
    def forward(self, log_mel: torch.Tensor, lengths: torch.Tensor | None = None,
                log_f0: torch.Tensor | None = None, voiced: torch.Tensor | None = None) -> torch.Tensor:
        """Synthesize.

        Args:
            log_mel: (B, frames, n_mels) log-mel (not normalised).
            lengths: optional (B,) long output samples per item; default ``(frames - 1) * hop_length``.
            log_f0: (B, frames) natural-log F0 in Hz, continuous through unvoiced frames (values there
                are used only for the fade in/out). ``None``: everything unvoiced.
            voiced: (B, frames) bool/float voiced flag; default: all frames voiced if ``log_f0`` is given.

        Returns:
            (B, samples) float32 waveform, ``samples = max(lengths)``; items are zero past their length.
        """
        log_mel = log_mel.float()
        b, frames, _ = log_mel.shape
        dev = log_mel.device
        hop, sr = self.hop_length, self.sample_rate
        n_out = (frames - 1) * hop if lengths is None else int(lengths.max())
        n_out = max(n_out, 1)
        n_work = max(n_out, (frames - 1) * hop)
        log_env = self._smooth_bands(log_mel - self.log_area, self.smooth_bands)  # (B, T, M)
        target_mel = log_mel
        if self.temporal_contrast != 1.0:
            n_valid = torch.full((b,), frames, device=dev) if lengths is None else \
                (lengths.to(dev) // hop + 1).clamp(1, frames)
            valid = (torch.arange(frames, device=dev).unsqueeze(0) < n_valid.unsqueeze(1)).float().unsqueeze(-1)
            mean = (log_env * valid).sum(1, keepdim=True) / valid.sum(1, keepdim=True)
            stretched = mean + self.temporal_contrast * (log_env - mean)
            target_mel = target_mel + (stretched - log_env)
            log_env = stretched
        if self.contrast != 1.0:
            wide = self._smooth_bands(log_env, self.contrast_bands)
            sharp = wide + self.contrast * (log_env - wide)
            target_mel = target_mel + (sharp - log_env)  # what the refinement matches
            log_env = sharp
        if log_f0 is None:
            vflag = torch.zeros(b, frames, device=dev)
            f0 = torch.full((b, frames), 100.0, device=dev)
        else:
            f0 = torch.exp(log_f0.float().to(dev)).clamp(20.0, 0.45 * sr)
            vflag = torch.ones(b, frames, device=dev) if voiced is None else voiced.float().to(dev)
        # per-sample positions on the frame grid (frame i centred on sample i * hop)
        pos = torch.arange(n_work, device=dev, dtype=torch.float32) / hop
        i0 = pos.floor().long().clamp(max=frames - 1)
        i1 = (i0 + 1).clamp(max=frames - 1)
        w = (pos - i0.float()).clamp(0.0, 1.0)

        def upsample(x: torch.Tensor, lo: int = 0, hi: int = n_work) -> torch.Tensor:
            """(B, T, ...) frame values -> (B, hi - lo, ...) at samples lo..hi-1."""
            ww = w[lo:hi].view(1, -1, *([1] * (x.dim() - 2)))
            return x[:, i0[lo:hi]] * (1 - ww) + x[:, i1[lo:hi]] * ww

        harm = torch.zeros(b, n_work, device=dev)
        if bool((vflag > 0).any()):
            f0_s = upsample(f0)
            phase = torch.remainder(torch.cumsum(f0_s.double() * (2 * np.pi / sr), dim=1), 2 * np.pi).float()
            k_max = int(np.floor(0.95 * sr / 2 / float(f0[vflag > 0].min())))
            ks = torch.arange(1, k_max + 1, device=dev, dtype=torch.float32)
            fk = f0.unsqueeze(-1) * ks  # (B, T, K) harmonic frequencies per frame
            amp = torch.exp(self._log_envelope_at(log_env, fk)) * self._harmonic_taper(fk)
            amp = amp * (f0 * self.harm_scale * vflag).unsqueeze(-1)
            th = None
            if self.phase == "minimum":
                min_phase = self._minimum_phase(log_env)  # (B, T, F)
                pos_f = (fk * (self.n_fft / sr)).clamp(0, min_phase.shape[-1] - 1.001)
                j0 = pos_f.floor().long()
                wf = pos_f - j0
                th = torch.gather(min_phase, 2, j0) * (1 - wf) + torch.gather(min_phase, 2, j0 + 1) * wf
            for lo in range(0, n_work, SAMPLE_BLOCK):  # bounded memory: B x block x K
                hi = min(n_work, lo + SAMPLE_BLOCK)
                arg = phase[:, lo:hi].unsqueeze(-1) * ks
                if th is not None:
                    arg = arg + upsample(th, lo, hi)
                harm[:, lo:hi] = (upsample(amp, lo, hi) * torch.cos(arg)).sum(-1)
        gen = torch.Generator(device="cpu").manual_seed(self.seed)
        noise = torch.randn((1, n_work), generator=gen).to(dev).expand(b, -1)
        spec = self._stft(noise)  # (B, F, T)
        env_lin = torch.exp(torch.einsum("fm,btm->bft", self.to_linear, log_env))
        vf = vflag.unsqueeze(1)  # (B, 1, T)
        h = self._harmonic_taper(self.freqs).view(1, -1, 1)
        voiced_mix = torch.sqrt((1 - h ** 2).clamp_min(0.0) + self.noise_floor ** 2 * h ** 2)
        mix = vf * voiced_mix + (1 - vf)
        spec = spec * (env_lin * mix * self.noise_scale)
        wav = harm + self._istft(spec, n_work)
        for _ in range(self.refine):
            wav = self._refine(wav, target_mel)
        wav = wav[:, :n_out]
        if lengths is not None:
            t = torch.arange(n_out, device=dev)
            wav = wav * (t.unsqueeze(0) < lengths.to(dev).unsqueeze(1))
        pre = float(getattr(self.cfg, "preemphasis", 0.0) or 0.0)
        if pre > 0:
            wav = deemphasis(wav, pre)
        return wav.float()

    def _refine(self, wav: torch.Tensor, log_mel: torch.Tensor) -> torch.Tensor:
        """One mel-matching gain pass. wav: (B, n); log_mel: (B, T, M) -> (B, n)."""
        spec = self._stft(wav)
        t = min(spec.shape[-1], log_mel.shape[1])
        have = torch.log((self.fb @ spec.abs()).clamp_min(float(getattr(self.cfg, "log_floor", 1e-5))))
        ratio = log_mel[:, :t] - have.transpose(1, 2)[:, :t]
        ratio = self._smooth_bands(ratio, self.refine_bands).clamp(-self.max_gain, self.max_gain)
        gain = torch.exp(torch.einsum("fm,btm->bft", self.to_linear, ratio))
        if t < spec.shape[-1]:
            gain = torch.cat([gain, gain[..., -1:].expand(-1, -1, spec.shape[-1] - t)], dim=-1)
        return self._istft(spec * gain, wav.shape[-1])
