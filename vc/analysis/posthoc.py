"""The paper's setting: a standalone SFVQ fitted (MSE mode) on the frozen encoder's continuous outputs.

The fitted quantizer is saved inside the model directory as ``posthoc_sfvq.pt`` (with a JSON-lines log
``posthoc_sfvq.log.jsonl``) and analysed with ``vc-analyze-latents --quantizer posthoc``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict

import numpy as np
import torch

import sfvq
from sfvq.fit import FitConfig, fit
from vc.analysis.encoding import POSTHOC_FILE, POSTHOC_FORMAT, encode_dataset, load_encoder, model_dir_of
from vc.errors import UserError
from vc.fileio import atomic_path

LOG_FILE = "posthoc_sfvq.log.jsonl"


def collect_latents(model: str | os.PathLike, data: str | os.PathLike, nj: int = 1, max_frames: int | None = None,
                    seed: int = 0) -> tuple[np.ndarray, dict[str, str]]:
    """Continuous encoder outputs of every utterance of ``data``, concatenated (and subsampled).

    Args:
        model: experiment directory. data: feature dump or data directory.
        nj: encoding processes.
        max_frames: keep at most this many frames (uniform random subset, seeded).

    Returns:
        ((N, D) float32 latents, utt -> reason for utterances that could not be encoded).
    """
    latents, skipped = encode_dataset(model, data, quantizer=None, keep_z=True, nj=nj)
    z = np.concatenate([u.z for u in latents.utts.values()], axis=0)
    if max_frames is not None and z.shape[0] > max_frames:
        keep = np.sort(np.random.default_rng(seed).choice(z.shape[0], size=max_frames, replace=False))
        z = z[keep]
    return z, skipped


def fit_posthoc(model: str | os.PathLike, data: str | os.PathLike, bits: int = 8, config: FitConfig | None = None,
                nj: int = 1, max_frames: int | None = None, device: str = "cpu") -> dict:
    """Fit and save a post-hoc SFVQ for ``model``.

    Args:
        model: experiment directory (the result goes into it).
        data: training features (feature dump or data directory).
        bits: final corners 2**bits (grown from 4 by the paper's schedule).
        config: :class:`sfvq.fit.FitConfig` (epochs per stage, lr, batch size, held-out share, seed).
        nj: encoding processes. max_frames: subsample the latents to at most this many frames.
        device: where to fit.

    Returns:
        Summary: path, frames, dim, corners, held-out MSE of the post-hoc SFVQ and of the model's own
        quantizer on the same held-out frames, held-out perplexity, skipped utterances.
    """
    config = config or FitConfig()
    if not 1 <= bits <= 16:
        raise UserError(f"--bits must be between 1 and 16, got {bits}")
    z, skipped = collect_latents(model, data, nj=nj, max_frames=max_frames, seed=config.seed)
    if z.shape[0] < 2 ** bits:
        raise UserError(f"only {z.shape[0]} latent frames from {data}; need at least {2 ** bits} for {bits} bits")
    x = torch.from_numpy(z).to(device)
    q = sfvq.SpaceFillingVQ(bits=bits, dim=z.shape[1], gradient="none").to(device)
    out_dir = model_dir_of(model)
    records = []
    with atomic_path(out_dir / LOG_FILE) as tmp, open(tmp, "w", encoding="utf-8") as log:
        def on_epoch(rec: dict) -> None:
            records.append(rec)
            log.write(json.dumps({k: v for k, v in rec.items() if k != "usage"}) + "\n")
            log.flush()

        try:
            result = fit(q, x, config, on_epoch=on_epoch)
        except ValueError as err:
            raise UserError(f"fitting the post-hoc SFVQ: {err}") from None
    held = x[result.heldout_index.to(x.device)]
    joint = load_encoder(model, "joint")
    with torch.no_grad():
        jq = joint.quantizer.project(held.cpu())
        joint_mse = float(torch.mean((jq.quantized - held.cpu()) ** 2))
    payload = {"format": POSTHOC_FORMAT, "bits": bits, "dim": int(z.shape[1]),
               "quantizer": {k: v.detach().cpu() for k, v in q.state_dict().items()},
               "frames": int(z.shape[0]), "heldout_mse": float(result.heldout_mse),
               "joint_heldout_mse": joint_mse, "joint_kind": joint.kind, "data": str(data),
               "model_step": int(joint.loaded.step),
               "fit_config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items()}}
    path = out_dir / POSTHOC_FILE
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)
    return {"path": str(path), "log": str(out_dir / LOG_FILE), "frames": int(z.shape[0]), "dim": int(z.shape[1]),
            "corners": q.active_corners, "heldout_mse": float(result.heldout_mse), "joint_heldout_mse": joint_mse,
            "joint_kind": joint.kind, "heldout_perplexity": records[-1]["perplexity"] if records else None,
            "skipped": skipped}
