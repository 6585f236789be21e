"""Encode utterances with a trained model: continuous latents, corner indices, curve positions.

Inputs are read from a feature dump (``feats.scp``, see :class:`vc.dump.FeatureDump`) or from a Kaldi data
directory (``wav.scp``: audio is loaded and the log-mel computed with the model's feature settings). The
model's encoder gives z (T, D) at 50 Hz; a quantizer projects it onto its codebook / curve:

* ``joint``: the quantizer trained inside the model (SFVQ or the VQ baseline);
* ``posthoc``: a standalone SFVQ fitted afterwards on the frozen encoder's outputs (``vc-fit-sfvq``), kept
  in the model directory as ``posthoc_sfvq.pt``.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import torch

import sfvq
from vc.analysis.latents import LatentSet, UttLatents
from vc.checkpoint import LoadedModel, find_model_file, load_model_dir
from vc.errors import UserError

POSTHOC_FILE = "posthoc_sfvq.pt"
POSTHOC_FORMAT = "sfvq-vc/posthoc-1"
QUANTIZER_CHOICES = ("joint", "posthoc")


def model_dir_of(model: str | os.PathLike) -> Path:
    """The directory that holds a model (the path itself, or a checkpoint file's parent)."""
    p = Path(model)
    return p.parent if p.is_file() else p


def load_posthoc(model: str | os.PathLike) -> tuple[sfvq.SpaceFillingVQ, dict]:
    """Load the post-hoc SFVQ saved by ``vc-fit-sfvq`` inside a model directory.

    Returns:
        (quantizer in eval mode on the CPU, the file's metadata without the weights).

    Raises:
        UserError: no post-hoc SFVQ there, or a corrupt file.
    """
    path = model_dir_of(model) / POSTHOC_FILE
    if not path.is_file():
        raise UserError(f"{model_dir_of(model)} has no post-hoc SFVQ ({POSTHOC_FILE}); fit one first with "
                        f"vc-fit-sfvq --model {model} --data DUMP/train")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
        if not isinstance(data, dict) or data.get("format") != POSTHOC_FORMAT:
            raise ValueError("not a post-hoc SFVQ file")
        q = sfvq.SpaceFillingVQ(bits=int(data["bits"]), dim=int(data["dim"]), gradient="none")
        q.load_state_dict(data["quantizer"])
    except (RuntimeError, OSError, EOFError, ValueError, KeyError) as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0]
        raise UserError(f"corrupt post-hoc SFVQ {path}: {first}") from None
    return q.eval(), {k: v for k, v in data.items() if k != "quantizer"}


@dataclass
class Encoder:
    """A loaded model plus the quantizer to analyse.

    Attributes:
        loaded: the model and its statistics.
        quantizer: module with ``.project(z)`` and ``.codebook`` (None: continuous latents only).
        kind: "sfvq", "vq" or "posthoc" (None without quantizer).
        name: display name (model directory name, "+posthoc" for the post-hoc SFVQ).
    """

    loaded: LoadedModel
    quantizer: torch.nn.Module | None
    kind: str | None
    name: str


def load_encoder(model: str | os.PathLike, quantizer: str | None = "joint") -> Encoder:
    """Load a model for encoding.

    Args:
        model: experiment directory or checkpoint file.
        quantizer: "joint", "posthoc", or None (continuous latents only).

    Raises:
        UserError: unknown choice, missing/corrupt model, or no quantizer of the asked kind.
    """
    if quantizer is not None and quantizer not in QUANTIZER_CHOICES:
        raise UserError(f"--quantizer must be one of {', '.join(QUANTIZER_CHOICES)}, got {quantizer!r}")
    loaded = load_model_dir(model, device="cpu")
    name = model_dir_of(find_model_file(model)).name if Path(model).is_file() else Path(model).resolve().name
    if quantizer == "posthoc":
        q, _ = load_posthoc(model)
        return Encoder(loaded, q, "posthoc", f"{name}+posthoc")
    if quantizer is None:
        return Encoder(loaded, None, None, name)
    q = getattr(loaded.model, "quantizer", None)
    if isinstance(q, sfvq.SpaceFillingVQ):
        return Encoder(loaded, q, "sfvq", name)
    if isinstance(q, sfvq.VectorQuantizer):
        return Encoder(loaded, q, "vq", name)
    raise UserError(f"model {model} has no SFVQ or VQ quantizer to analyse (found {type(q).__name__})")


class MelSource:
    """Log-mel spectrograms of the utterances of a feature dump or a data directory.

    Attributes:
        path: the directory. kind: "dump" or "data". utts: sorted utterance ids.
    """

    def __init__(self, path: str | os.PathLike, loaded: LoadedModel) -> None:
        self.path = Path(path)
        self._cfg = loaded.feature_config
        if not self.path.is_dir():
            raise UserError(f"data directory not found: {self.path}")
        if (self.path / "feats.scp").is_file():
            from vc.dump import FeatureDump

            self.kind = "dump"
            self._dump = FeatureDump(self.path)
            if self._dump.feature_config.to_dict() != self._cfg.to_dict():
                raise UserError(f"features in {self.path} were made with other settings than model "
                                f"{loaded.path} was trained on ({self.path}/feature_config.yaml)")
            self.utts = sorted(self._dump.utts)
        elif (self.path / "wav.scp").is_file():
            from vc.datadir import read_data_dir

            self.kind = "data"
            self._data = read_data_dir(self.path)
            self.utts = self._data.utts
        else:
            raise UserError(f"{self.path} is neither a feature dump (feats.scp) nor a data directory (wav.scp)")

    def mel(self, utt: str) -> np.ndarray:
        """(frames, n_mels) float32 log-mel of ``utt`` (not normalised)."""
        if self.kind == "dump":
            return np.asarray(self._dump.load(utt)["mel"], dtype=np.float32)
        from vc.audio import load_audio
        from vc.features import log_mel

        wav = load_audio(self._data.wav_path(utt), self._cfg.sample_rate, min_samples=self._cfg.win_length)
        return log_mel(wav, self._cfg)


@torch.no_grad()
def encode_mel(enc: Encoder, mel: np.ndarray, keep_z: bool = False) -> UttLatents:
    """Encode one utterance.

    Args:
        enc: the loaded encoder. mel: (frames, n_mels) log-mel (not normalised).
        keep_z: keep the continuous outputs.

    Returns:
        UttLatents with index (frames // 2,), position (frames // 2,), z (frames // 2, D) or None.
    """
    x = enc.loaded.normalize(mel).unsqueeze(0)
    z = enc.loaded.model.encode(x)[0].float()  # (T, D)
    if enc.quantizer is None:
        return UttLatents(np.zeros(z.shape[0], np.int64), np.zeros(z.shape[0], np.float32), z.numpy())
    p = enc.quantizer.project(z)
    return UttLatents(p.index.numpy().astype(np.int64), p.position.float().numpy(),
                      z.numpy() if keep_z else None)


def _encode_chunk(enc: Encoder, source: MelSource, utts: list[str], keep_z: bool
                  ) -> tuple[dict[str, UttLatents], dict[str, str]]:
    out, skipped = {}, {}
    for utt in utts:
        try:
            mel = source.mel(utt)
            if mel.shape[0] < 2:
                raise UserError(f"{utt}: {mel.shape[0]} mel frame(s), too short for one latent frame")
            out[utt] = encode_mel(enc, mel, keep_z)
        except UserError as err:
            skipped[utt] = str(err)
    return out, skipped


def _work(args: tuple) -> tuple[dict[str, UttLatents], dict[str, str]]:
    model, quantizer, data, utts, keep_z = args
    torch.set_num_threads(1)
    enc = load_encoder(model, quantizer)
    return _encode_chunk(enc, MelSource(data, enc.loaded), utts, keep_z)


def encode_dataset(model: str | os.PathLike, data: str | os.PathLike, quantizer: str | None = "joint",
                   keep_z: bool = False, nj: int = 1, utts: list[str] | None = None
                   ) -> tuple[LatentSet, dict[str, str]]:
    """Encode every utterance of ``data`` (a dump or a data directory) with ``model``.

    Args:
        model: experiment directory. data: feature dump or data directory.
        quantizer: "joint", "posthoc" or None (continuous only; index/position are zeros then).
        keep_z: keep continuous outputs (needed for the topographic error and for fitting).
        nj: worker processes (each loads the model and runs one torch thread).
        utts: a subset of utterances (default all).

    Returns:
        (latents, skipped utt -> reason (unreadable audio, too short)).
    """
    enc = load_encoder(model, quantizer)
    source = MelSource(data, enc.loaded)
    wanted = source.utts if utts is None else [u for u in source.utts if u in set(utts)]
    if not wanted:
        raise UserError(f"no utterances to encode in {data}")
    chunks = [wanted[i::nj] for i in range(max(1, nj))] if nj > 1 else [wanted]
    jobs = [(str(model), quantizer, str(data), chunk, keep_z) for chunk in chunks if chunk]
    if len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=len(jobs), mp_context=get_context("spawn")) as pool:
            results = list(pool.map(_work, jobs))
    else:
        results = [_encode_chunk(enc, source, wanted, keep_z)]
    codebook = (enc.quantizer.codebook.detach().float().numpy() if enc.quantizer is not None
                else np.zeros((0, 0), np.float32))
    latents = LatentSet(name=enc.name, quantizer=enc.kind or "none",
                        n_indices=int(codebook.shape[0]), codebook=codebook,
                        frame_rate=enc.loaded.feature_config.frame_rate / 2.0,
                        model=str(Path(model).resolve()))
    skipped: dict[str, str] = {}
    for out, skip in results:
        latents.utts.update(out)
        skipped.update(skip)
    latents.utts = dict(sorted(latents.utts.items()))
    return latents, dict(sorted(skipped.items()))
