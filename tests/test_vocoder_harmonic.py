"""The harmonic-plus-noise vocoder: F0 follows the input, level follows the mel, batch = per item."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vc.errors import UserError
from vc.f0 import estimate_f0
from vc.features import FeatureConfig, LogMel
from vc.vocoder import available_vocoders, get_vocoder

CFG = FeatureConfig()
SR, HOP = CFG.sample_rate, CFG.hop_length


def _voice(seconds: float, f0: float, vibrato: float = 0.05) -> tuple[torch.Tensor, np.ndarray]:
    """A vowel-like harmonic signal (1/k amplitudes) and its per-frame F0 in Hz."""
    t = np.arange(int(seconds * SR)) / SR
    f = f0 * (1 + vibrato * np.sin(2 * np.pi * 2 * t))
    ph = 2 * np.pi * np.cumsum(f) / SR
    wav = sum(np.sin(k * ph) / k for k in range(1, int(7000 / f0)))
    frames = 1 + len(t) // HOP
    return torch.tensor(0.2 * wav, dtype=torch.float32), f[np.minimum(np.arange(frames) * HOP, len(t) - 1)]


def _f0_error(wav: np.ndarray, f0_true: np.ndarray) -> tuple[float, float]:
    """(median relative F0 error over frames voiced in the output, voiced share of the output)."""
    log_f0, voiced = estimate_f0(wav, CFG)
    n = min(len(log_f0), len(f0_true))
    v = voiced[:n]
    err = np.abs(np.exp(log_f0[:n][v]) / f0_true[:n][v] - 1)
    return float(np.median(err)) if v.any() else 1.0, float(v.mean())


def test_registered_with_options() -> None:
    assert "harmonic" in available_vocoders()
    voc = get_vocoder("harmonic", CFG, max_voiced_hz=4000, noise_floor=0.1, refine=0)
    assert voc.uses_f0 and voc.sample_rate == SR and voc.hop_length == HOP
    assert not get_vocoder("griffin_lim", CFG).uses_f0
    with pytest.raises(UserError, match="bad option"):
        get_vocoder("harmonic", CFG, n_iter=3)


@pytest.mark.parametrize("f0", [90.0, 150.0, 240.0])
@pytest.mark.parametrize("refine", [0, 1])
def test_output_f0_follows_the_given_contour(f0: float, refine: int) -> None:
    wav, f0_frames = _voice(1.0, f0)
    lm = LogMel(CFG)(wav)[None]
    # ask for a different F0 than the mel's own harmonics: the output follows log_f0, not the mel
    wanted = f0_frames * 1.2
    voc = get_vocoder("harmonic", CFG, refine=refine)
    out = voc(lm, torch.tensor([len(wav)]), log_f0=torch.tensor(np.log(wanted), dtype=torch.float32)[None],
              voiced=torch.ones(1, lm.shape[1], dtype=torch.bool))
    assert out.shape == (1, len(wav)) and out.dtype == torch.float32
    err, share = _f0_error(out[0].numpy(), wanted)
    assert share > 0.9
    assert err < 0.03


def test_mel_envelope_is_reproduced() -> None:
    wav, f0_frames = _voice(1.0, 130.0)
    lm = LogMel(CFG)(wav)[None]
    voc = get_vocoder("harmonic", CFG)
    out = voc(lm, torch.tensor([len(wav)]), log_f0=torch.tensor(np.log(f0_frames), dtype=torch.float32)[None])
    err = (LogMel(CFG)(out[0]) - lm[0]).abs()[2:-2, :60].mean()  # bands below ~4.5 kHz
    assert err < 0.3  # mean |log-mel difference| in natural-log units
    louder = voc(lm + 1.0, torch.tensor([len(wav)]),
                 log_f0=torch.tensor(np.log(f0_frames), dtype=torch.float32)[None])
    ratio = float(louder.std() / out.std())
    assert abs(ratio - np.e) < 0.1 * np.e  # log-mel + 1 -> amplitude x e


def test_unvoiced_frames_are_noise_and_unvoiced_output_without_f0() -> None:
    wav, f0_frames = _voice(1.0, 150.0)
    lm = LogMel(CFG)(wav)[None]
    voc = get_vocoder("harmonic", CFG)
    out = voc(lm, torch.tensor([len(wav)]), log_f0=torch.tensor(np.log(f0_frames), dtype=torch.float32)[None],
              voiced=torch.zeros(1, lm.shape[1], dtype=torch.bool))
    assert _f0_error(out[0].numpy(), f0_frames)[1] < 0.1
    no_f0 = voc(lm, torch.tensor([len(wav)]))
    assert _f0_error(no_f0[0].numpy(), f0_frames)[1] < 0.1
    assert float(no_f0.std()) > 0


def test_batch_equals_per_item_and_lengths() -> None:
    (a, fa), (b, fb) = _voice(0.5, 110.0), _voice(0.4, 210.0)
    lm_a, lm_b = LogMel(CFG)(a), LogMel(CFG)(b)
    lm = torch.stack([lm_a, torch.cat([lm_b, lm_b[-1:].expand(len(lm_a) - len(lm_b), -1)])])
    lf0 = np.log(np.stack([fa, np.concatenate([fb, np.full(len(fa) - len(fb), fb[-1])])]))
    voiced = torch.ones(2, lm.shape[1], dtype=torch.bool)
    voiced[1, len(fb) - 5:] = False
    voc = get_vocoder("harmonic", CFG)
    both = voc(lm, torch.tensor([len(a), len(b)]), log_f0=torch.tensor(lf0, dtype=torch.float32), voiced=voiced)
    assert both.shape == (2, len(a))
    assert float(both[1, len(b):].abs().max()) == 0.0
    for i, n in enumerate((len(a), len(b))):
        single = voc(lm[i:i + 1], torch.tensor([n]), log_f0=torch.tensor(lf0[i:i + 1], dtype=torch.float32),
                     voiced=voiced[i:i + 1])
        torch.testing.assert_close(both[i:i + 1, :n], single, atol=1e-4, rtol=1e-3)
    default_len = voc(lm[:1], log_f0=torch.tensor(lf0[:1], dtype=torch.float32))
    assert default_len.shape == (1, (lm.shape[1] - 1) * HOP)


def test_silence_gives_finite_near_silent_output() -> None:
    lm = torch.full((2, 50, CFG.n_mels), float(np.log(CFG.log_floor)))
    voc = get_vocoder("harmonic", CFG)
    out = voc(lm, log_f0=torch.full((2, 50), float(np.log(120.0))), voiced=torch.ones(2, 50, dtype=torch.bool))
    assert torch.isfinite(out).all()
    assert float(out.abs().max()) < 1e-3
    tiny = voc(lm[:, :3], log_f0=torch.zeros(2, 3), voiced=torch.zeros(2, 3, dtype=torch.bool))
    assert tiny.shape == (2, 2 * HOP) and torch.isfinite(tiny).all()


def test_deterministic() -> None:
    wav, f0_frames = _voice(0.3, 120.0)
    lm = LogMel(CFG)(wav)[None]
    lf0 = torch.tensor(np.log(f0_frames), dtype=torch.float32)[None]
    voc = get_vocoder("harmonic", CFG)
    torch.testing.assert_close(voc(lm, log_f0=lf0), voc(lm, log_f0=lf0), atol=0, rtol=0)


@pytest.mark.parametrize("option", ["contrast", "temporal_contrast"])
def test_contrast_options_sharpen_the_output(option: str) -> None:
    wav, f0_frames = _voice(1.0, 140.0)
    lm = LogMel(CFG)(wav)[None]
    # a formant bump (above the bands that resolve harmonics) that also rises and falls over time
    bands = torch.arange(CFG.n_mels, dtype=torch.float32)
    bump = torch.exp(-0.5 * ((bands - 50) / 3) ** 2)
    ramp = torch.sin(torch.linspace(0, np.pi, lm.shape[1])).unsqueeze(-1)
    lm = lm + 1.5 * bump * ramp
    lf0 = torch.tensor(np.log(f0_frames), dtype=torch.float32)[None]

    def spread(x: torch.Tensor) -> float:  # output log-mel contrast along the axis the option acts on
        m = LogMel(CFG)(x[0])[5:-5, 10:70]
        if option == "contrast":  # bump height over its flanks
            return float((m[:, 40] - 0.5 * (m[:, 34] + m[:, 46])).mean())
        return float(m.std(dim=0).mean())

    plain = get_vocoder("harmonic", CFG)(lm, log_f0=lf0)
    sharp = get_vocoder("harmonic", CFG, **{option: 1.5})(lm, log_f0=lf0)
    assert spread(sharp) > 1.05 * spread(plain)
    assert torch.isfinite(sharp).all()
