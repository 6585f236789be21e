"""The VQ-VAE voice converter: encoder -> quantizer (SFVQ or VQ, by name) -> jitter -> decoder."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

import sfvq
from vc.errors import UserError
from vc.model.conditioning import SpeakerConditioning
from vc.model.decoder import Decoder
from vc.model.encoder import Encoder
from vc.model.jitter import Jitter

MODEL_DEFAULTS: dict[str, Any] = {
    "encoder_channels": 768, "encoder_layers_before": 2, "encoder_layers_after": 2, "latent_dim": 64,
    "speaker_dim": 64, "decoder_channels": 256, "decoder_layers": 4, "decoder_kernel": 5,
    "decoder_rnn_hidden": 128, "jitter": 0.5, "use_f0": True,
}
QUANTIZER_DEFAULTS: dict[str, Any] = {"name": "sfvq", "bits": 8, "gradient": "nsvq"}


@dataclass
class ModelOutput:
    """Result of a training/evaluation forward.

    Attributes:
        mel: (B, frames, n_mels) reconstructed normalised log-mel.
        index: (B, frames // 2) long codeword / nearest-corner index.
        perplexity: scalar tensor, codebook perplexity of this batch.
    """

    mel: torch.Tensor
    index: torch.Tensor
    perplexity: torch.Tensor


def _merged(defaults: dict[str, Any], given: dict[str, Any] | None, section: str) -> dict[str, Any]:
    given = dict(given or {})
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise UserError(f"unknown key(s) in config section '{section}': {', '.join(unknown)} "
                        f"(valid: {', '.join(sorted(defaults))})")
    return {**defaults, **given}


class VQVAE(nn.Module):
    """VQ-VAE with a speaker- and F0-conditioned decoder.

    Args:
        n_mels: mel bins.
        n_speakers: number of training speakers (rows of the speaker table).
        model_cfg: the ``model`` config section (keys of :data:`MODEL_DEFAULTS`).
        quantizer_cfg: the ``quantizer`` section; ``name`` is passed to :func:`sfvq.build_quantizer`
            with ``bits``, ``dim = latent_dim`` and ``gradient``; other keys (growth, replacement)
            belong to the trainer and are ignored here.
        f0_center: constant subtracted from log-F0 on the decoder input (mean of speaker means).
    """

    def __init__(self, n_mels: int, n_speakers: int, model_cfg: dict[str, Any] | None = None,
                 quantizer_cfg: dict[str, Any] | None = None, f0_center: float = 5.0) -> None:
        super().__init__()
        m = _merged(MODEL_DEFAULTS, model_cfg, "model")
        q = {**QUANTIZER_DEFAULTS, **(quantizer_cfg or {})}
        self.n_mels = n_mels
        self.n_speakers = n_speakers
        self.encoder = Encoder(n_mels, m["encoder_channels"], m["latent_dim"],
                               m["encoder_layers_before"], m["encoder_layers_after"])
        try:
            self.quantizer = sfvq.build_quantizer(q["name"], bits=int(q["bits"]), dim=m["latent_dim"],
                                                  gradient=q["gradient"])
        except ValueError as err:
            raise UserError(f"quantizer config: {err}") from err
        self.jitter = Jitter(m["jitter"])
        self.speakers = SpeakerConditioning(n_speakers, m["speaker_dim"])
        self.decoder = Decoder(m["latent_dim"], n_mels, m["speaker_dim"], m["decoder_channels"],
                               m["decoder_layers"], m["decoder_kernel"], m["decoder_rnn_hidden"], m["use_f0"])
        self.register_buffer("f0_center", torch.tensor(float(f0_center)))

    @property
    def use_f0(self) -> bool:
        """Whether the decoder takes F0 features."""
        return self.decoder.use_f0

    def encode(self, mel: torch.Tensor) -> torch.Tensor:
        """Args:
            mel: (B, frames, n_mels) normalised log-mel.

        Returns:
            (B, frames // 2, latent_dim) continuous latents (50 Hz).
        """
        return self.encoder(mel)

    def quantize(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Quantise latents: dithered NSVQ forward in training, exact projection in eval.

        Args:
            z: (B, T2, latent_dim).

        Returns:
            quantised (B, T2, latent_dim), index (B, T2) long, perplexity (scalar).
        """
        out = self.quantizer(z)
        return out.quantized, out.index, out.perplexity

    def decode(self, zq: torch.Tensor, speaker: torch.Tensor, f0: torch.Tensor | None, frames: int) -> torch.Tensor:
        """Args:
            zq: (B, T2, latent_dim) quantised latents.
            speaker: (B,) long target-speaker ids.
            f0: (B, frames, 2) F0 features or ``None`` if the model has no F0 input.
            frames: output frames.

        Returns:
            (B, frames, n_mels) normalised log-mel.
        """
        return self.decoder(self.jitter(zq), self.speakers(speaker), f0, frames)

    def forward(self, mel: torch.Tensor, speaker: torch.Tensor, f0: torch.Tensor | None = None) -> ModelOutput:
        """Reconstruct ``mel`` through the bottleneck.

        Args:
            mel: (B, frames, n_mels) normalised log-mel.
            speaker: (B,) long speaker ids.
            f0: (B, frames, 2) F0 features (see :func:`vc.model.conditioning.f0_features`).

        Returns:
            :class:`ModelOutput` with the reconstruction (B, frames, n_mels).
        """
        z = self.encode(mel)
        zq, index, perplexity = self.quantize(z)
        return ModelOutput(self.decode(zq, speaker, f0, mel.shape[1]), index, perplexity)


def reconstruction_loss(pred: torch.Tensor, target: torch.Tensor, kind: str = "l1",
                        mask: torch.Tensor | None = None) -> torch.Tensor:
    """Mean L1 or L2 distance between normalised log-mels.

    Args:
        pred: (B, frames, n_mels).
        target: (B, frames, n_mels).
        kind: ``"l1"`` (mean absolute error) or ``"l2"`` (mean squared error).
        mask: optional (B, frames) bool/float of valid frames.

    Returns:
        Scalar tensor (float32).
    """
    diff = (pred.float() - target.float())
    err = diff.abs() if kind == "l1" else diff.pow(2) if kind == "l2" else None
    if err is None:
        raise UserError(f"training.loss must be 'l1' or 'l2', got {kind!r}")
    if mask is None:
        return err.mean()
    m = mask.float().unsqueeze(-1)
    return (err * m).sum() / (m.sum() * err.shape[-1]).clamp_min(1)


def build_model(config: dict[str, Any], n_speakers: int, n_mels: int, f0_center: float = 5.0) -> VQVAE:
    """Build the model from a full config dict (sections ``model`` and ``quantizer``).

    Args:
        config: parsed YAML config.
        n_speakers: training speakers.
        n_mels: mel bins of the features.
        f0_center: see :class:`VQVAE`.

    Returns:
        A fresh :class:`VQVAE` on the CPU.
    """
    return VQVAE(n_mels, n_speakers, config.get("model"), config.get("quantizer"), f0_center)
