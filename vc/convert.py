"""Voice conversion with a trained model: ``Converter.from_pretrained(expdir).convert(wav, sr, target)``.

Pipeline: mono, resample to the model rate, peak-normalise -> log-mel + log-F0 -> encoder -> exact
projection onto the codebook (SFVQ curve or VQ codewords) -> decoder with the target speaker and the
source F0 contour moved into the target's range -> log-mel -> vocoder. Long inputs run in chunks:
the network sees ``context`` extra frames each side of a chunk and only the chunk's centre is kept,
and the vocoder carries its phase across chunk boundaries and cross-fades the overlap.
"""

from __future__ import annotations

import os
from typing import Any

import librosa
import numpy as np
import torch

from vc.audio import PEAK_LEVEL, SILENCE_PEAK
from vc.checkpoint import LoadedModel, load_model_dir
from vc.errors import UserError
from vc.f0 import estimate_f0
from vc.features import LogMel
from vc.model.conditioning import f0_features, utterance_f0_stats
from vc.vocoder import Vocoder, get_vocoder

MIN_SECONDS = 0.1
"""Shortest input accepted (10 frames at 10 ms)."""


class Converter:
    """Convert speech to any training speaker of a trained model.

    Args:
        loaded: a :class:`vc.checkpoint.LoadedModel`.
        vocoder: a :class:`vc.vocoder.Vocoder`; default: the one named in the model's config.
        device: where to run.
        chunk_frames: frames per network/vocoder chunk (long inputs).
        context_frames: extra frames each side for the network and overlap for the vocoder (even).
    """

    def __init__(self, loaded: LoadedModel, vocoder: Vocoder | None = None, device: str | torch.device = "cpu",
                 chunk_frames: int = 3000, context_frames: int = 100) -> None:
        self.loaded = loaded
        self.device = torch.device(device)
        self.model = loaded.model.to(self.device).eval()
        self.cfg = loaded.feature_config
        if vocoder is None:
            vcfg = dict(loaded.config.get("vocoder") or {"name": "griffin_lim"})
            vocoder = get_vocoder(vcfg.pop("name", "griffin_lim"), self.cfg, **vcfg)
        self.vocoder = vocoder.to(self.device)
        self.logmel = LogMel(self.cfg).to(self.device)
        self.chunk_frames = max(int(chunk_frames), 8)
        self.context_frames = max(2, int(context_frames) // 2 * 2)

    @classmethod
    def from_pretrained(cls, expdir: str | os.PathLike, device: str | torch.device = "cpu",
                        vocoder: str | None = None, **kwargs: Any) -> "Converter":
        """Load ``expdir`` (``model.pt`` or newest checkpoint, or a ``.pt`` file).

        Args:
            expdir: experiment directory.
            device: where to run.
            vocoder: vocoder name overriding the config's (options from the config's ``vocoder`` section
                are used only with the config's own vocoder).
            **kwargs: passed to :class:`Converter` (``chunk_frames``, ``context_frames``).
        """
        loaded = load_model_dir(expdir, device)
        voc = None
        if vocoder is not None:
            voc = get_vocoder(vocoder, loaded.feature_config)
        return cls(loaded, voc, device, **kwargs)

    @property
    def speakers(self) -> list[str]:
        """Target speakers the model knows."""
        return list(self.loaded.speakers)

    @property
    def sample_rate(self) -> int:
        """Output sample rate."""
        return int(self.cfg.sample_rate)

    def _prepare(self, wav: np.ndarray, sr: int) -> np.ndarray:
        wav = np.asarray(wav, dtype=np.float32)
        if wav.ndim == 2:  # (samples, channels) as soundfile returns it
            wav = wav.mean(axis=1)
        if wav.ndim != 1 or wav.size == 0:
            raise UserError(f"input audio must be (samples,) or (samples, channels), got shape {wav.shape}")
        if not np.all(np.isfinite(wav)):
            raise UserError("input audio contains NaN or infinite samples")
        if float(np.abs(wav).max()) < SILENCE_PEAK:
            raise UserError("input audio is silent")
        if sr != self.sample_rate:
            wav = librosa.resample(wav, orig_sr=int(sr), target_sr=self.sample_rate, res_type="soxr_hq")
        if wav.size < MIN_SECONDS * self.sample_rate:
            raise UserError(f"input audio is too short: {wav.size / self.sample_rate:.3f} s, "
                            f"need at least {MIN_SECONDS} s")
        return (wav * (PEAK_LEVEL / float(np.abs(wav).max()))).astype(np.float32)

    @torch.no_grad()
    def convert_features(self, mel: np.ndarray, log_f0: np.ndarray, voiced: np.ndarray, target: str,
                         source_f0: tuple[float, float] | None = None) -> torch.Tensor:
        """Convert log-mel features (no vocoder).

        Args:
            mel: (frames, n_mels) log-mel of the source.
            log_f0: (frames,) source log-F0.
            voiced: (frames,) bool.
            target: target speaker.
            source_f0: (mean, std) of the source speaker's log-F0; default: this utterance's voiced
                frames (the target's, i.e. no shift, if fewer than 10 frames are voiced).

        Returns:
            (frames, n_mels) converted log-mel (not normalised) on the converter's device.
        """
        spk = self._speaker_id(target)
        f0 = self.f0_features(log_f0, voiced, target, source_f0)
        x = self.loaded.normalize(mel).to(self.device)
        f0t = torch.from_numpy(f0).to(self.device)
        n = x.shape[0]
        spk_t = torch.tensor([spk], device=self.device)
        out = []
        c = self.context_frames
        for start in range(0, n, self.chunk_frames):
            end = min(n, start + self.chunk_frames)
            lo, hi = max(0, start - c), min(n, end + c)  # lo stays even: latent grid unchanged
            z = self.model.encode(x[None, lo:hi])
            zq, _, _ = self.model.quantize(z)
            y = self.model.decode(zq, spk_t, f0t[None, lo:hi] if self.model.use_f0 else None, hi - lo)
            out.append(y[0, start - lo:end - lo])
        return self.loaded.denormalize(torch.cat(out))

    def f0_features(self, log_f0: np.ndarray, voiced: np.ndarray, target: str,
                    source_f0: tuple[float, float] | None = None) -> np.ndarray:
        """Decoder F0 input: the source contour moved into the target's range.

        Args:
            log_f0: (frames,) source log-F0.
            voiced: (frames,) bool.
            target: target speaker.
            source_f0: see :meth:`convert_features`.

        Returns:
            (frames, 2) float32 (:func:`vc.model.conditioning.f0_features`): shifted log-F0 minus the
            model's ``f0_center`` (0 if nothing is voiced), voiced flag.
        """
        tgt_stats = self.loaded.f0_stats.get(target) or (float(self.model.f0_center), 0.2)
        src_stats = source_f0 or utterance_f0_stats(log_f0, voiced) or tgt_stats
        return f0_features(log_f0, voiced, src_stats, tgt_stats, float(self.model.f0_center))

    def _speaker_id(self, target: str) -> int:
        if target not in self.loaded.speakers:
            raise UserError(f"unknown target speaker '{target}'; known speakers: {', '.join(self.loaded.speakers)}")
        return self.loaded.speakers.index(target)

    @torch.no_grad()
    def vocode(self, log_mel: torch.Tensor, n_samples: int, log_f0: np.ndarray | None = None,
               voiced: np.ndarray | None = None) -> np.ndarray:
        """Log-mel (frames, n_mels) -> waveform (n_samples,).

        A vocoder that takes F0 (``uses_f0``) gets ``log_f0`` (frames,) and ``voiced`` (frames,) and
        runs over the whole input at once (its cost and memory are linear in the length). Otherwise
        the input runs in chunks of ``chunk_frames`` that overlap by ``context_frames``; each chunk
        starts from the previous chunk's final phase on the overlap, and the overlap is cross-faded
        with a raised cosine.
        """
        hop = self.cfg.hop_length
        n = log_mel.shape[0]
        if getattr(self.vocoder, "uses_f0", False) and log_f0 is not None:
            lf0 = torch.as_tensor(np.asarray(log_f0, dtype=np.float32), device=log_mel.device)[None]
            vf = None if voiced is None else torch.as_tensor(np.asarray(voiced, dtype=bool), device=log_mel.device)[None]
            wav = self.vocoder(log_mel[None], torch.tensor([n_samples]), log_f0=lf0, voiced=vf)[0]
            return wav.cpu().numpy().astype(np.float32)
        synth = getattr(self.vocoder, "synthesize", None)
        if n <= self.chunk_frames + self.context_frames or synth is None:
            wav = self.vocoder(log_mel[None], torch.tensor([n_samples]))[0]
            return wav.cpu().numpy().astype(np.float32)
        out = np.zeros(n_samples, dtype=np.float64)
        ov = self.context_frames
        prev_phase = None
        start = 0
        while start < n - 1:
            end = min(n, start + self.chunk_frames + ov)
            init = None
            if prev_phase is not None:
                init = torch.full((1, prev_phase.shape[1], end - start), float("nan"), device=log_mel.device)
                init[0, :, : ov + 1] = prev_phase[0, :, -(ov + 1):]
            wav, phase = synth(log_mel[None, start:end], None, init)
            seg = wav[0].cpu().numpy().astype(np.float64)
            s0 = start * hop
            seg = seg[: max(0, min(len(seg), n_samples - s0))]
            if prev_phase is not None:  # cross-fade the overlap
                k = min(ov * hop, len(seg))
                fade = 0.5 - 0.5 * np.cos(np.pi * (np.arange(k) + 0.5) / k)
                out[s0:s0 + k] = out[s0:s0 + k] * (1 - fade) + seg[:k] * fade
                out[s0 + k:s0 + len(seg)] = seg[k:]
            else:
                out[s0:s0 + len(seg)] = seg
            prev_phase = phase
            if end >= n:
                break
            start = end - ov - 1
        return out.astype(np.float32)

    def convert(self, wav: np.ndarray, sr: int, target: str, source_speaker: str | None = None) -> tuple[np.ndarray, int]:
        """Convert a waveform to ``target``'s voice.

        Args:
            wav: (samples,) or (samples, channels) float audio at rate ``sr``.
            sr: its sample rate.
            target: a name from :attr:`speakers`.
            source_speaker: if the source is a training speaker, use its F0 statistics.

        Returns:
            ``(wav (samples,) float32, sample_rate)`` at the model's rate, as long as the input.

        Raises:
            UserError: unknown target, silent/too-short/invalid audio.
        """
        self._speaker_id(target)
        x = self._prepare(wav, sr)
        mel = self.logmel(torch.from_numpy(x).to(self.device)).cpu().numpy()
        log_f0, voiced = estimate_f0(x, self.cfg)
        src = self.loaded.f0_stats.get(source_speaker) if source_speaker else None
        conv = self.convert_features(mel, log_f0, voiced, target, src)
        f0 = self.f0_features(log_f0, voiced, target, src)
        out_f0 = f0[:, 0] + float(self.model.f0_center)  # the F0 the decoder was asked for
        out = self.vocode(conv, len(x), out_f0, f0[:, 1] > 0.5)
        peak = float(np.abs(out).max())
        if peak > 0:
            out = out * (PEAK_LEVEL / peak)
        return out.astype(np.float32), self.sample_rate
