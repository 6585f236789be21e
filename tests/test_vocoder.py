"""Vocoder registry and the fast Griffin-Lim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vc.errors import UserError
from vc.features import FeatureConfig, LogMel, mel_filterbank
from vc.vocoder import Vocoder, available_vocoders, get_vocoder, register_vocoder
from vc.vocoder.griffin_lim import mel_to_linear

CFG = FeatureConfig()


def _voice(seconds: float = 1.0, f0: float = 130.0) -> torch.Tensor:
    sr = CFG.sample_rate
    t = np.arange(int(seconds * sr)) / sr
    ph = 2 * np.pi * np.cumsum(f0 * (1 + 0.1 * np.sin(2 * np.pi * 2 * t))) / sr
    wav = sum(np.sin(k * ph) / k for k in range(1, 30)) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return torch.tensor(0.3 * wav, dtype=torch.float32)


def test_registry() -> None:
    assert "griffin_lim" in available_vocoders()
    with pytest.raises(UserError, match="griffin_lim"):
        get_vocoder("wavernn", CFG)
    with pytest.raises(UserError, match="bad option"):
        get_vocoder("griffin_lim", CFG, iterations=3)

    @register_vocoder("test_silence")
    class Silence(Vocoder):
        def __init__(self, cfg, gain: float = 0.0) -> None:
            super().__init__(cfg)

        def forward(self, log_mel, lengths=None):
            return torch.zeros(log_mel.shape[0], (log_mel.shape[1] - 1) * self.hop_length)

    assert get_vocoder("test_silence", CFG, gain=1.0)(torch.zeros(2, 11, 80)).shape == (2, 1600)


def test_mel_inversion_is_nonnegative_and_consistent() -> None:
    fb = mel_filterbank(CFG)
    spec = torch.rand(1, fb.shape[1], 20) ** 4
    mel = (fb @ spec).transpose(1, 2)
    lin = mel_to_linear(mel, fb, torch.linalg.pinv(fb), iters=30)
    assert (lin >= 0).all()
    rel = (fb @ lin - mel.transpose(1, 2)).norm() / mel.norm()
    assert rel < 0.05


@pytest.mark.parametrize("momentum", [0.0, 0.99])
def test_griffin_lim_reconstructs_the_log_mel(momentum: float) -> None:
    wav = _voice()
    lm = LogMel(CFG)(wav)[None]
    voc = get_vocoder("griffin_lim", CFG, n_iter=32, momentum=momentum)
    out = voc(lm, torch.tensor([len(wav)]))
    assert out.shape == (1, len(wav))
    err = (LogMel(CFG)(out[0]) - lm[0]).abs().mean()
    assert err < 0.15  # mean |log-mel difference| (natural log units)
    assert voc.sample_rate == 16000


def test_momentum_converges_faster() -> None:
    wav = _voice()
    lm = LogMel(CFG)(wav)[None]
    errs = {}
    for mom in (0.0, 0.99):
        out = get_vocoder("griffin_lim", CFG, n_iter=16, momentum=mom)(lm)
        errs[mom] = float((LogMel(CFG)(out[0]) - lm[0, : 1 + out.shape[1] // 160]).abs().mean())
    assert errs[0.99] < errs[0.0]


def test_batched_equals_single_and_lengths() -> None:
    a, b = _voice(0.5, 110.0), _voice(0.5, 200.0)
    lm = LogMel(CFG)(torch.stack([a, b]))
    voc = get_vocoder("griffin_lim", CFG, n_iter=8)
    both = voc(lm, torch.tensor([8000, 6000]))
    assert both.shape == (2, 8000)
    assert (both[1, 6000:] == 0).all()
    single = voc(lm[1:], torch.tensor([6000]))
    torch.testing.assert_close(both[1, :6000], single[0], atol=1e-4, rtol=1e-4)
    assert voc(lm).shape == (2, (lm.shape[1] - 1) * 160)


def test_preemphasis_is_undone() -> None:
    cfg = FeatureConfig(preemphasis=0.97)
    wav = _voice()
    lm = LogMel(cfg)(wav)[None]
    out = get_vocoder("griffin_lim", cfg, n_iter=32)(lm, torch.tensor([len(wav)]))
    assert (LogMel(cfg)(out[0]) - lm[0]).abs().mean() < 0.2
