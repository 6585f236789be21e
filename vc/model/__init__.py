"""The VQ-VAE voice converter model (encoder, quantizer by name, jitter, conditioned decoder)."""

from __future__ import annotations

from vc.model.conditioning import F0_CHANNELS, f0_features, interpolate_log_f0, utterance_f0_stats
from vc.model.decoder import Decoder
from vc.model.encoder import Encoder
from vc.model.jitter import Jitter
from vc.model.vqvae import VQVAE, ModelOutput, build_model, reconstruction_loss

__all__ = ["VQVAE", "ModelOutput", "build_model", "reconstruction_loss", "Encoder", "Decoder", "Jitter",
           "F0_CHANNELS", "f0_features", "interpolate_log_f0", "utterance_f0_stats"]
