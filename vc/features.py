"""Feature configuration and the log-mel spectrogram (torch, batched, device-agnostic).

Frame grid (shared with :mod:`vc.f0`): centred STFT frames, zero padding at the edges,
``frames = 1 + samples // hop_length``; frame ``i``'s analysis window is centred on sample
``i * hop_length``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

import librosa
import numpy as np
import torch
from torch import nn

from vc.errors import UserError

__all__ = ["FeatureConfig", "mel_filterbank", "LogMel", "log_mel"]


@dataclass(frozen=True)
class FeatureConfig:
    """Feature extraction settings (the ``features:`` section of a YAML config).

    Attributes:
        sample_rate: audio rate in Hz.
        n_fft: FFT size.
        win_length: Hann window length in samples (``<= n_fft``; centred in the FFT frame).
        hop_length: frame shift in samples.
        n_mels: mel bins.
        fmin, fmax: mel filterbank edges in Hz (Slaney mel scale and area normalisation).
        preemphasis: coefficient ``a`` of ``y[t] = x[t] - a x[t-1]`` before the STFT (0: off).
        log_floor: mel magnitudes are floored here before the natural log.
        f0_min, f0_max: F0 search range in Hz.
    """

    sample_rate: int = 16000
    n_fft: int = 1024
    win_length: int = 400
    hop_length: int = 160
    n_mels: int = 80
    fmin: float = 50.0
    fmax: float = 8000.0
    preemphasis: float = 0.0
    log_floor: float = 1e-5
    f0_min: float = 60.0
    f0_max: float = 500.0

    def __post_init__(self) -> None:
        problems = []
        if self.sample_rate <= 0 or self.hop_length <= 0 or self.n_mels <= 0:
            problems.append("sample_rate, hop_length and n_mels must be positive")
        if not 0 < self.win_length <= self.n_fft:
            problems.append(f"win_length ({self.win_length}) must be in (0, n_fft={self.n_fft}]")
        if not 0 <= self.fmin < self.fmax <= self.sample_rate / 2:
            problems.append(f"need 0 <= fmin < fmax <= sample_rate/2, got fmin={self.fmin}, fmax={self.fmax}")
        if not 0 <= self.preemphasis < 1:
            problems.append(f"preemphasis must be in [0, 1), got {self.preemphasis}")
        if not self.log_floor > 0:
            problems.append(f"log_floor must be > 0, got {self.log_floor}")
        if not 0 < self.f0_min < self.f0_max < self.sample_rate / 2:
            problems.append(f"need 0 < f0_min < f0_max < sample_rate/2, got {self.f0_min}, {self.f0_max}")
        if problems:
            raise UserError("invalid feature config: " + "; ".join(problems))

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "FeatureConfig":
        """Build from a mapping (missing keys take the defaults).

        Raises:
            UserError: unknown key, wrong type, or inconsistent values.
        """
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise UserError(f"features: expected a mapping, got {type(d).__name__}")
        fields = {f.name: f for f in dataclasses.fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, value in d.items():
            if key not in fields:
                raise UserError(f"features: unknown option '{key}' (known: {', '.join(fields)})")
            want = int if fields[key].type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UserError(f"features.{key}: expected a number, got {value!r}")
            if want is int and float(value) != int(value):
                raise UserError(f"features.{key}: expected an integer, got {value!r}")
            kwargs[key] = want(value)
        return cls(**kwargs)

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{name: value}`` (YAML-serialisable)."""
        return dataclasses.asdict(self)

    @property
    def frame_rate(self) -> float:
        """Frames per second."""
        return self.sample_rate / self.hop_length

    def n_frames(self, n_samples: int) -> int:
        """Frames of a signal of ``n_samples`` samples."""
        return 1 + n_samples // self.hop_length


def mel_filterbank(cfg: FeatureConfig) -> torch.Tensor:
    """Mel filterbank from ``librosa.filters.mel`` (Slaney scale and normalisation).

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float32 tensor.
    """
    basis = librosa.filters.mel(sr=cfg.sample_rate, n_fft=cfg.n_fft, n_mels=cfg.n_mels, fmin=cfg.fmin, fmax=cfg.fmax)
    return torch.from_numpy(np.asarray(basis, dtype=np.float32))


class LogMel(nn.Module):
    """Log-mel spectrogram: natural log of the mel-filtered STFT magnitude (power 1), floored.

    Window and filterbank are non-persistent buffers, so ``.to(device)`` moves them and
    checkpoints do not store them. Float64 input is computed in float64, anything else in float32.
    """

    def __init__(self, cfg: FeatureConfig | None = None) -> None:
        super().__init__()
        self.cfg = cfg or FeatureConfig()
        self.register_buffer("window", torch.hann_window(self.cfg.win_length), persistent=False)
        self.register_buffer("mel_basis", mel_filterbank(self.cfg), persistent=False)

    def forward(self, wav: torch.Tensor) -> torch.Tensor:
        """Compute log-mel features.

        Args:
            wav: ``(..., samples)`` waveform, at least one sample.

        Returns:
            ``(..., frames, n_mels)`` with ``frames = 1 + samples // hop_length``.
        """
        cfg = self.cfg
        dtype = torch.float64 if wav.dtype == torch.float64 else torch.float32
        lead = wav.shape[:-1]
        x = wav.reshape(-1, wav.shape[-1]).to(dtype)
        if cfg.preemphasis > 0:
            x = torch.cat([x[:, :1], x[:, 1:] - cfg.preemphasis * x[:, :-1]], dim=1)
        spec = torch.stft(
            x,
            n_fft=cfg.n_fft,
            hop_length=cfg.hop_length,
            win_length=cfg.win_length,
            window=self.window.to(dtype),
            center=True,
            pad_mode="constant",
            return_complex=True,
        )  # (B, n_fft//2+1, frames)
        mel = torch.matmul(self.mel_basis.to(dtype), spec.abs())  # (B, n_mels, frames)
        out = torch.log(mel.clamp_min(cfg.log_floor)).transpose(1, 2)
        return out.reshape(*lead, out.shape[-2], cfg.n_mels)


def log_mel(wav: np.ndarray, cfg: FeatureConfig, module: LogMel | None = None) -> np.ndarray:
    """Numpy convenience wrapper around :class:`LogMel` (CPU, no autograd).

    Args:
        wav: ``(samples,)`` float array.
        cfg: feature settings.
        module: a reusable :class:`LogMel` for ``cfg`` (built if None).

    Returns:
        ``(frames, n_mels)`` float32.
    """
    module = module or LogMel(cfg)
    with torch.no_grad():
        out = module(torch.from_numpy(np.ascontiguousarray(wav, dtype=np.float32)))
    return out.numpy()
