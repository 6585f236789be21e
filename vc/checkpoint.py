"""Self-contained model files: save, load (``weights_only=True``) and rebuild a trained model.

A checkpoint is a plain dict of tensors, numbers, strings, lists and dicts:
``model`` (state_dict), ``config`` (the full YAML config), ``speakers`` (list[str]),
``mel_stats`` ({"mean", "std"} tensors), ``f0_stats`` ({spk: [mean, std]}), ``feature_config``
(dict), ``step``; training checkpoints add ``optimizer``, ``scheduler``, ``scaler``, ``rng``, ``log_offset``.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vc.errors import UserError
from vc.features import FeatureConfig
from vc.fileio import atomic_path

MODEL_FILE = "model.pt"
CHECKPOINT_DIR = "checkpoints"


@dataclass
class LoadedModel:
    """A trained model and everything needed to use it.

    Attributes:
        model: the :class:`vc.model.VQVAE` in eval mode on the requested device.
        config: the training config (dict).
        speakers: training speakers (index = speaker id).
        mel_stats: (mean (n_mels,), std (n_mels,)) float32 arrays of the training log-mel.
        f0_stats: {speaker: (mean, std)} of training log-F0.
        feature_config: :class:`vc.features.FeatureConfig` of the features.
        path: the file the weights came from.
        step: training step of those weights.
    """

    model: torch.nn.Module
    config: dict[str, Any]
    speakers: list[str]
    mel_stats: tuple[np.ndarray, np.ndarray]
    f0_stats: dict[str, tuple[float, float]]
    feature_config: FeatureConfig
    path: Path
    step: int

    def normalize(self, mel: np.ndarray | torch.Tensor) -> torch.Tensor:
        """(frames, n_mels) or (B, frames, n_mels) log-mel -> normalised float32 tensor (same shape)."""
        mel = torch.as_tensor(np.asarray(mel, dtype=np.float32))
        mean = torch.from_numpy(self.mel_stats[0])
        std = torch.from_numpy(np.maximum(self.mel_stats[1], 1e-5))
        return (mel - mean) / std

    def denormalize(self, mel: torch.Tensor) -> torch.Tensor:
        """Inverse of :meth:`normalize` (tensor of shape (..., n_mels), any device)."""
        mean = torch.from_numpy(self.mel_stats[0]).to(mel.device)
        std = torch.from_numpy(np.maximum(self.mel_stats[1], 1e-5)).to(mel.device)
        return mel * std + mean


def model_payload(model: torch.nn.Module, config: dict[str, Any], speakers: list[str],
                  mel_stats: tuple[np.ndarray, np.ndarray], f0_stats: dict[str, tuple[float, float]],
                  feature_config: FeatureConfig, step: int) -> dict[str, Any]:
    """Everything that makes a model file self-contained (weights on the CPU)."""
    return {
        "format": "sfvq-vc/1",
        "model": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "config": config,
        "speakers": list(speakers),
        "mel_stats": {"mean": torch.as_tensor(np.asarray(mel_stats[0], np.float32)),
                      "std": torch.as_tensor(np.asarray(mel_stats[1], np.float32))},
        "f0_stats": {s: [float(m), float(d)] for s, (m, d) in f0_stats.items()},
        "feature_config": feature_config.to_dict(),
        "step": int(step),
    }


def save_checkpoint(path: str | os.PathLike, payload: dict[str, Any]) -> None:
    """Write ``payload`` with ``torch.save`` atomically."""
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """Load a checkpoint with ``weights_only=True`` on the CPU.

    Raises:
        UserError: missing, unreadable or corrupt file, or not a sfvq-vc checkpoint.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if "weights only load failed" in first.lower() or len(first) > 120:
            first = "not a valid torch checkpoint (truncated, corrupt, or holding arbitrary objects)"
        raise UserError(f"corrupt or unreadable checkpoint {path}: {first}") from None
    if not isinstance(data, dict) or data.get("format") != "sfvq-vc/1" or "model" not in data:
        raise UserError(f"{path} is not a sfvq-vc model checkpoint")
    return data


def list_checkpoints(expdir: str | os.PathLike) -> list[Path]:
    """Training checkpoints of an experiment directory, oldest first."""
    d = Path(expdir) / CHECKPOINT_DIR
    return sorted(d.glob("ckpt_*.pt")) if d.is_dir() else []


def find_model_file(expdir: str | os.PathLike) -> Path:
    """The file to load for ``expdir``: a ``.pt`` path itself, ``expdir/model.pt``, or the newest checkpoint.

    Raises:
        UserError: nothing to load there.
    """
    p = Path(expdir)
    if p.is_file():
        return p
    if not p.is_dir():
        raise UserError(f"model directory not found: {p}")
    if (p / MODEL_FILE).is_file():
        return p / MODEL_FILE
    ckpts = list_checkpoints(p)
    if ckpts:
        return ckpts[-1]
    raise UserError(f"no {MODEL_FILE} or checkpoints/ckpt_*.pt in {p} (is it a trained experiment directory?)")


def model_from_payload(data: dict[str, Any], source: str = "checkpoint") -> torch.nn.Module:
    """Rebuild the :class:`vc.model.VQVAE` of a checkpoint dict and load its weights (CPU, eval mode)."""
    from vc.model import build_model

    try:
        fc = FeatureConfig.from_dict(data["feature_config"])
        model = build_model(data["config"], len(data["speakers"]), fc.n_mels)
        model.load_state_dict(data["model"])
    except (KeyError, RuntimeError, TypeError) as err:
        first = str(err).strip().splitlines()[0]
        raise UserError(f"{source}: does not match the model it describes: {first}") from None
    return model.eval()


def load_model_dir(expdir: str | os.PathLike, device: str | torch.device = "cpu") -> LoadedModel:
    """Load a trained model from an experiment directory (or a checkpoint file).

    Args:
        expdir: ``exp/NAME`` (uses ``model.pt``, else the newest ``checkpoints/ckpt_*.pt``) or a ``.pt`` file.
        device: where to put the model.

    Returns:
        :class:`LoadedModel`.

    Raises:
        UserError: missing or corrupt directory or checkpoint.
    """
    path = find_model_file(expdir)
    data = load_checkpoint(path)
    model = model_from_payload(data, str(path)).to(device)
    stats = data["mel_stats"]
    return LoadedModel(
        model=model,
        config=data["config"],
        speakers=list(data["speakers"]),
        mel_stats=(stats["mean"].numpy().astype(np.float32), stats["std"].numpy().astype(np.float32)),
        f0_stats={s: (float(v[0]), float(v[1])) for s, v in data["f0_stats"].items()},
        feature_config=FeatureConfig.from_dict(data["feature_config"]),
        path=path,
        step=int(data.get("step", 0)),
    )
