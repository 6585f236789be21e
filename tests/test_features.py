"""FeatureConfig, mel filterbank and LogMel against librosa."""

from __future__ import annotations

import warnings

import librosa
import numpy as np
import pytest
import scipy.signal
import torch

from vc.errors import UserError
from vc.features import FeatureConfig, LogMel, log_mel, mel_filterbank

CONFIGS = {
    "default": FeatureConfig(),
    "paper": FeatureConfig(n_fft=2048, preemphasis=0.97),
    "other": FeatureConfig(sample_rate=22050, n_fft=1024, win_length=1024, hop_length=256, n_mels=40, fmin=0.0,
                           fmax=11025.0),
}


def test_defaults_match_contract() -> None:
    assert FeatureConfig().to_dict() == dict(
        sample_rate=16000, n_fft=1024, win_length=400, hop_length=160, n_mels=80, fmin=50.0, fmax=8000.0,
        preemphasis=0.0, log_floor=1e-5, f0_min=60.0, f0_max=500.0,
    )
    assert FeatureConfig.from_dict(None) == FeatureConfig()
    assert FeatureConfig().frame_rate == 100.0
    assert FeatureConfig().n_frames(16000) == 101


def test_from_dict_partial_and_types() -> None:
    cfg = FeatureConfig.from_dict({"n_mels": 40, "fmin": 0, "hop_length": 80.0})
    assert cfg.n_mels == 40 and isinstance(cfg.fmin, float) and cfg.hop_length == 80 and isinstance(cfg.hop_length, int)
    assert FeatureConfig.from_dict(cfg.to_dict()) == cfg


@pytest.mark.parametrize(
    "bad, words",
    [
        ({"n_mel": 80}, "unknown option 'n_mel'"),
        ({"n_mels": "80"}, "features.n_mels"),
        ({"hop_length": 160.5}, "integer"),
        ({"n_mels": True}, "features.n_mels"),
        ({"win_length": 2048}, "win_length"),
        ({"fmax": 9000.0}, "fmax"),
        ({"f0_min": 600.0}, "f0_min"),
        ({"preemphasis": 1.0}, "preemphasis"),
        ({"log_floor": 0.0}, "log_floor"),
    ],
)
def test_from_dict_rejects(bad: dict, words: str) -> None:
    with pytest.raises(UserError, match=words):
        FeatureConfig.from_dict(bad)


def test_filterbank_shape() -> None:
    cfg = FeatureConfig()
    fb = mel_filterbank(cfg)
    assert fb.shape == (80, 513) and fb.dtype == torch.float32
    assert torch.all(fb >= 0) and torch.all(fb.sum(1) > 0)


def _librosa_mel(x: np.ndarray, cfg: FeatureConfig) -> np.ndarray:
    if cfg.preemphasis > 0:
        x = scipy.signal.lfilter([1.0, -cfg.preemphasis], [1.0], x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns when n_fft > len(x)
        ref = librosa.feature.melspectrogram(
            y=x, sr=cfg.sample_rate, n_fft=cfg.n_fft, hop_length=cfg.hop_length, win_length=cfg.win_length,
            window="hann", center=True, pad_mode="constant", power=1.0, n_mels=cfg.n_mels, fmin=cfg.fmin,
            fmax=cfg.fmax,
        )
    return ref.T  # (frames, n_mels)


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("n", [1, 150, 16000, 16037])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logmel_matches_librosa(name: str, n: int, dtype) -> None:
    cfg = CONFIGS[name]
    rng = np.random.default_rng(n)
    x = (0.3 * rng.standard_normal(n) + 0.2 * np.sin(np.arange(n) * 0.05)).astype(dtype)
    ours = LogMel(cfg)(torch.from_numpy(x))
    assert ours.shape == (1 + n // cfg.hop_length, cfg.n_mels)
    assert ours.dtype == (torch.float64 if dtype == np.float64 else torch.float32)
    ref = _librosa_mel(x, cfg)
    mel = np.exp(ours.numpy().astype(np.float64))
    above = ref > cfg.log_floor * 10
    assert above.mean() > 0.9
    rel = np.abs(mel[above] - ref[above]) / ref[above]
    assert rel.max() < 1e-4
    np.testing.assert_allclose(ours.numpy(), np.log(np.maximum(ref, cfg.log_floor)), atol=1e-4)


def test_logmel_batched_equals_single() -> None:
    cfg = FeatureConfig()
    x = torch.randn(2, 3, 4000, dtype=torch.float64)
    m = LogMel(cfg)
    out = m(x)
    assert out.shape == (2, 3, 26, 80)
    for i in range(2):
        for j in range(3):
            torch.testing.assert_close(out[i, j], m(x[i, j]))


def test_logmel_floor_and_numpy_wrapper() -> None:
    cfg = FeatureConfig()
    out = log_mel(np.zeros(1600, dtype=np.float32), cfg)
    assert out.shape == (11, 80) and out.dtype == np.float32
    np.testing.assert_allclose(out, np.log(cfg.log_floor), rtol=1e-6)


def test_logmel_device_agnostic_and_not_in_state_dict() -> None:
    m = LogMel(FeatureConfig())
    assert len(m.state_dict()) == 0  # derived buffers are not checkpointed
    meta = m.to("meta")
    assert meta.mel_basis.device.type == "meta"
    assert meta(torch.zeros(2, 1000, device="meta")).shape == (2, 7, 80)
    if torch.cuda.is_available():  # pragma: no cover - CPU-only CI
        cuda = LogMel(FeatureConfig()).to("cuda")
        x = torch.randn(4000)
        torch.testing.assert_close(cuda(x.cuda()).cpu(), LogMel(FeatureConfig())(x), atol=1e-4, rtol=1e-4)
