"""VQ-VAE model parts: shapes, gradients, jitter, F0 conditioning, loss."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vc.errors import UserError
from vc.model import VQVAE, Jitter, build_model, f0_features, interpolate_log_f0, reconstruction_loss
from vc.model.conditioning import utterance_f0_stats

TINY = {"encoder_channels": 16, "latent_dim": 8, "speaker_dim": 4, "decoder_channels": 16, "decoder_layers": 2,
        "decoder_rnn_hidden": 8}


@pytest.mark.parametrize("quantizer", ["sfvq", "vq"])
@pytest.mark.parametrize("frames", [2, 7, 64, 65])
def test_shapes(quantizer: str, frames: int) -> None:
    m = build_model({"model": TINY, "quantizer": {"name": quantizer, "bits": 3}}, n_speakers=3, n_mels=20)
    mel = torch.randn(2, frames, 20)
    f0 = torch.randn(2, frames, 2)
    assert m.encode(mel).shape == (2, frames // 2, 8)
    for train in (True, False):
        m.train(train)
        out = m(mel, torch.tensor([0, 2]), f0)
        assert out.mel.shape == (2, frames, 20)
        assert out.index.shape == (2, frames // 2)
        assert out.index.dtype == torch.long
        assert int(out.index.max()) < m.quantizer.active_corners


@pytest.mark.parametrize("quantizer", ["sfvq", "vq"])
def test_gradients_reach_encoder_codebook_decoder(quantizer: str) -> None:
    m = build_model({"model": TINY, "quantizer": {"name": quantizer, "bits": 2}}, 2, 20).train()
    mel = torch.randn(4, 32, 20)
    out = m(mel, torch.tensor([0, 1, 0, 1]), torch.randn(4, 32, 2))
    reconstruction_loss(out.mel, mel).backward()
    for name, module in [("encoder", m.encoder), ("quantizer", m.quantizer), ("decoder", m.decoder),
                         ("speakers", m.speakers)]:
        grads = [p.grad for p in module.parameters()]
        assert all(g is not None for g in grads), name
        assert sum(float(g.abs().sum()) for g in grads) > 0, name


def test_eval_is_deterministic_and_uses_projection() -> None:
    m = build_model({"model": TINY, "quantizer": {"name": "sfvq", "bits": 3}}, 2, 20).eval()
    mel = torch.randn(1, 40, 20)
    a = m(mel, torch.tensor([1]), torch.zeros(1, 40, 2))
    b = m(mel, torch.tensor([1]), torch.zeros(1, 40, 2))
    assert torch.equal(a.mel, b.mel)
    z = m.encode(mel)
    assert torch.allclose(m.quantize(z)[0], m.quantizer.project(z).quantized, atol=1e-6)


def test_speaker_changes_output() -> None:
    m = build_model({"model": TINY, "quantizer": {"name": "vq", "bits": 2}}, 3, 20).eval()
    mel = torch.randn(1, 30, 20)
    a = m(mel, torch.tensor([0]), torch.zeros(1, 30, 2)).mel
    b = m(mel, torch.tensor([2]), torch.zeros(1, 30, 2)).mel
    assert not torch.allclose(a, b)


def test_jitter_picks_neighbours_only() -> None:
    j = Jitter(0.5)
    x = torch.arange(50, dtype=torch.float32).view(1, 50, 1).repeat(3, 1, 2)
    y = j.train()(x)
    assert ((y - x).abs() <= 1).all()
    assert (y != x).any()
    assert torch.equal(j.eval()(x), x)
    with pytest.raises(ValueError):
        Jitter(1.5)


def test_f0_features_move_source_into_target_range() -> None:
    rng = np.random.default_rng(0)
    lf0 = np.log(120.0) + 0.1 * rng.standard_normal(200).astype(np.float32)
    voiced = np.ones(200, bool)
    voiced[50:70] = False
    src = utterance_f0_stats(lf0, voiced)
    tgt = (np.log(220.0), 0.2)
    feats = f0_features(lf0, voiced, src, tgt, center=5.0)
    assert feats.shape == (200, 2)
    shifted = feats[voiced, 0] + 5.0
    assert shifted.mean() == pytest.approx(tgt[0], abs=1e-3)
    assert shifted.std() == pytest.approx(tgt[1], rel=1e-2)
    assert feats[50:70, 1].sum() == 0 and feats[voiced, 1].min() == 1


def test_interpolation_and_unvoiced_utterance() -> None:
    lf0 = np.array([0, 5.0, 0, 0, 5.3, 0], np.float32)
    voiced = np.array([0, 1, 0, 0, 1, 0], bool)
    np.testing.assert_allclose(interpolate_log_f0(lf0, voiced), [5.0, 5.0, 5.1, 5.2, 5.3, 5.3], atol=1e-6)
    assert utterance_f0_stats(lf0, voiced) is None
    feats = f0_features(lf0, np.zeros(6, bool), (5.0, 0.1), (5.5, 0.1), 5.0)
    assert not feats.any()


def test_loss_kinds_and_mask() -> None:
    a, b = torch.zeros(1, 4, 3), torch.full((1, 4, 3), 2.0)
    assert float(reconstruction_loss(a, b, "l1")) == pytest.approx(2.0)
    assert float(reconstruction_loss(a, b, "l2")) == pytest.approx(4.0)
    b[0, 2:] = 10.0
    mask = torch.tensor([[1, 1, 0, 0]])
    assert float(reconstruction_loss(a, b, "l1", mask)) == pytest.approx(2.0)
    with pytest.raises(UserError):
        reconstruction_loss(a, b, "huber")


def test_bad_config_names_the_key() -> None:
    with pytest.raises(UserError, match="encoder_chanels"):
        build_model({"model": {"encoder_chanels": 3}}, 2, 20)
    with pytest.raises(UserError, match="quantizer"):
        VQVAE(20, 2, TINY, {"name": "kmeans", "bits": 3})
