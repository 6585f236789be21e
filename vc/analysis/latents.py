"""Encoded latent sequences: the in-memory form and the on-disk layout written by ``vc-encode``.

Layout of an encoding directory ``DIR``::

    DIR/latents.scp        utt -> npz path (relative to DIR)
    DIR/latents/UTT.npz    index (T,) int32, position (T,) float32, optionally z (T, D) float32
    DIR/codebook.npy       (K, D) float32 active corners, in curve order
    DIR/latent_info.json   {"name", "quantizer", "n_indices", "frame_rate", "model", "has_z"}

Latent frame ``i`` (50 Hz) covers ``[i / frame_rate, (i + 1) / frame_rate)``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vc.errors import UserError
from vc.fileio import atomic_path, write_text_atomic

SCP = "latents.scp"
INFO = "latent_info.json"
CODEBOOK = "codebook.npy"


@dataclass
class UttLatents:
    """One utterance's latents.

    Attributes:
        index: (T,) int64 corner index per latent frame.
        position: (T,) float32 fractional curve position (== index for a plain VQ).
        z: (T, D) float32 continuous encoder outputs, or None.
    """

    index: np.ndarray
    position: np.ndarray
    z: np.ndarray | None = None


@dataclass
class LatentSet:
    """The latents of a set of utterances under one quantizer.

    Attributes:
        name: display name (e.g. the model directory's name, "+ posthoc" for a post-hoc SFVQ).
        quantizer: "sfvq", "vq" or "posthoc" (an SFVQ fitted on frozen encoder outputs).
        n_indices: K, the number of active corners / codewords.
        codebook: (K, D) corners in index order.
        frame_rate: latent frames per second.
        utts: utt id -> UttLatents, in sorted utt order.
        model: path of the model directory the latents came from ("" if unknown).
    """

    name: str
    quantizer: str
    n_indices: int
    codebook: np.ndarray
    frame_rate: float = 50.0
    utts: dict[str, UttLatents] = field(default_factory=dict)
    model: str = ""

    @property
    def is_curve(self) -> bool:
        """True if the index order is a curve order (SFVQ joint or post-hoc)."""
        return self.quantizer in ("sfvq", "posthoc")

    @property
    def has_z(self) -> bool:
        """True if every utterance carries its continuous encoder outputs."""
        return bool(self.utts) and all(u.z is not None for u in self.utts.values())

    def save(self, out_dir: str | os.PathLike) -> Path:
        """Write the set in the layout above (each file atomically); return the directory."""
        out = Path(out_dir)
        (out / "latents").mkdir(parents=True, exist_ok=True)
        lines = []
        for utt, lat in sorted(self.utts.items()):
            rel = f"latents/{utt}.npz"
            arrays = {"index": lat.index.astype(np.int32), "position": lat.position.astype(np.float32)}
            if lat.z is not None:
                arrays["z"] = lat.z.astype(np.float32)
            with atomic_path(out / rel) as tmp:
                np.savez(tmp, **arrays)
            lines.append(f"{utt} {rel}\n")
        with atomic_path(out / CODEBOOK) as tmp:
            np.save(tmp, self.codebook.astype(np.float32))
        info = {"name": self.name, "quantizer": self.quantizer, "n_indices": int(self.n_indices),
                "frame_rate": float(self.frame_rate), "model": self.model, "has_z": self.has_z}
        write_text_atomic(out / INFO, json.dumps(info, indent=2) + "\n")
        write_text_atomic(out / SCP, "".join(lines))
        return out


def is_latent_dir(path: str | os.PathLike) -> bool:
    """True if ``path`` is an encoding directory (has latents.scp and latent_info.json)."""
    p = Path(path)
    return (p / SCP).is_file() and (p / INFO).is_file()


def load_latent_set(path: str | os.PathLike, utts: set[str] | None = None, load_z: bool = True) -> LatentSet:
    """Read an encoding directory written by :meth:`LatentSet.save`.

    Args:
        path: the directory.
        utts: only these utterances (None: all).
        load_z: read the continuous outputs if present.

    Raises:
        UserError: missing or malformed files (message names the file and line).
    """
    root = Path(path)
    if not is_latent_dir(root):
        raise UserError(f"{root} is not an encoding directory (needs {SCP} and {INFO}; run vc-encode)")
    try:
        info = json.loads((root / INFO).read_text(encoding="utf-8"))
        codebook = np.load(root / CODEBOOK)
    except (OSError, ValueError) as err:
        raise UserError(f"cannot read {root}: {err}") from None
    out = LatentSet(name=str(info.get("name", root.name)), quantizer=str(info["quantizer"]),
                    n_indices=int(info["n_indices"]), codebook=codebook,
                    frame_rate=float(info.get("frame_rate", 50.0)), model=str(info.get("model", "")))
    for lineno, line in enumerate((root / SCP).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2:
            raise UserError(f"{root / SCP}:{lineno}: expected 'utt path', got {line!r}")
        utt, rel = parts
        if utts is not None and utt not in utts:
            continue
        file = Path(rel) if Path(rel).is_absolute() else root / rel
        try:
            with np.load(file) as npz:
                z = npz["z"] if (load_z and "z" in npz.files) else None
                out.utts[utt] = UttLatents(npz["index"].astype(np.int64), npz["position"].astype(np.float32), z)
        except (OSError, KeyError, ValueError) as err:
            raise UserError(f"{root / SCP}:{lineno}: cannot read {file}: {err}") from None
    return out
