"""Feature dumps: per-utterance ``.npz`` files, ``feats.scp``, statistics, and the reader.

Layout of a dump directory::

    feats.scp            utt -> feats/<utt>.npz (relative paths resolve against this directory)
    feats/<utt>.npz      mel (frames, n_mels) float32 log-mel (not normalised),
                         log_f0 (frames,) float32, voiced (frames,) bool
    utt2spk, spk2utt
    mel_stats.npz        mean (n_mels,), std (n_mels,) float32 over all frames of the set
                         (or copied from the training dump)
    f0_stats.json        {spk: {"mean": m, "std": s, "voiced_frames": n}} of log-F0 over voiced frames
    feature_config.yaml  the FeatureConfig used

Standard deviations are floored at :data:`STD_FLOOR` so consumers can divide by them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vc.config import load_config, save_config
from vc.datadir import read_scp, resolve_path
from vc.errors import UserError
from vc.features import FeatureConfig
from vc.fileio import atomic_path, write_text_atomic

__all__ = [
    "STD_FLOOR",
    "FeatureDump",
    "UttStats",
    "save_features",
    "load_features",
    "features_problem",
    "finalize_mel_stats",
    "finalize_f0_stats",
    "write_stats",
    "write_feature_config",
]

STD_FLOOR = 1e-3
FEATURE_KEYS = ("mel", "log_f0", "voiced")


def save_features(path: str | os.PathLike, mel: np.ndarray, log_f0: np.ndarray, voiced: np.ndarray) -> None:
    """Write one utterance's features as an uncompressed ``.npz``, atomically.

    Args:
        path: target ``.npz``.
        mel: ``(frames, n_mels)`` log-mel.
        log_f0: ``(frames,)`` natural-log F0.
        voiced: ``(frames,)`` voiced flags.
    """
    with atomic_path(path) as tmp:
        np.savez(
            tmp,
            mel=np.asarray(mel, dtype=np.float32),
            log_f0=np.asarray(log_f0, dtype=np.float32),
            voiced=np.asarray(voiced, dtype=bool),
        )


def features_problem(arrays: dict[str, np.ndarray], n_mels: int | None = None) -> str | None:
    """Describe what is wrong with a loaded feature dict, or return None if it is valid."""
    missing = [k for k in FEATURE_KEYS if k not in arrays]
    if missing:
        return f"missing arrays {missing}"
    mel, lf0, voiced = (arrays[k] for k in FEATURE_KEYS)
    if mel.ndim != 2 or (n_mels is not None and mel.shape[1] != n_mels):
        return f"mel has shape {mel.shape}, expected (frames, {n_mels})"
    if lf0.shape != (mel.shape[0],) or voiced.shape != (mel.shape[0],):
        return f"frame counts differ: mel {mel.shape}, log_f0 {lf0.shape}, voiced {voiced.shape}"
    if mel.shape[0] == 0:
        return "no frames"
    if not (np.isfinite(mel).all() and np.isfinite(lf0).all()):
        return "non-finite values"
    return None


def load_features(path: str | os.PathLike, n_mels: int | None = None) -> dict[str, np.ndarray]:
    """Load and check one utterance's ``.npz``.

    Returns:
        ``{"mel": (frames, n_mels) float32, "log_f0": (frames,) float32, "voiced": (frames,) bool}``.

    Raises:
        UserError: missing, unreadable, or inconsistent file (the message names it).
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"feature file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except Exception as err:  # zipfile/ValueError/OSError on corrupt files
        raise UserError(f"cannot read feature file {path}: {err}") from None
    problem = features_problem(arrays, n_mels)
    if problem:
        raise UserError(f"bad feature file {path}: {problem}")
    return {k: arrays[k] for k in FEATURE_KEYS}


@dataclass
class UttStats:
    """Sufficient statistics of one utterance (float64 sums)."""

    frames: int = 0
    mel_sum: np.ndarray = field(default_factory=lambda: np.zeros(0))
    mel_sq: np.ndarray = field(default_factory=lambda: np.zeros(0))
    voiced: int = 0
    f0_sum: float = 0.0
    f0_sq: float = 0.0

    @classmethod
    def from_features(cls, arrays: dict[str, np.ndarray]) -> "UttStats":
        """Statistics of one utterance's feature dict."""
        mel = arrays["mel"].astype(np.float64)
        lf0 = arrays["log_f0"].astype(np.float64)[arrays["voiced"]]
        return cls(mel.shape[0], mel.sum(0), (mel * mel).sum(0), int(lf0.size), float(lf0.sum()), float((lf0 * lf0).sum()))


def _mean_std(n: int, s, sq) -> tuple:
    mean = s / n
    var = np.maximum(sq / n - mean * mean, 0.0)
    return mean, np.maximum(np.sqrt(var), STD_FLOOR)


def finalize_mel_stats(stats: list[UttStats]) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std per mel bin over all frames (sum in the given order).

    Returns:
        ``(mean (n_mels,), std (n_mels,))`` float32.
    """
    n = sum(s.frames for s in stats)
    total = np.sum([s.mel_sum for s in stats], axis=0)
    total_sq = np.sum([s.mel_sq for s in stats], axis=0)
    mean, std = _mean_std(n, total, total_sq)
    return mean.astype(np.float32), std.astype(np.float32)


def finalize_f0_stats(per_speaker: dict[str, list[UttStats]]) -> dict[str, dict[str, float]]:
    """Log-F0 mean/std over voiced frames per speaker.

    Raises:
        UserError: a speaker has no voiced frame at all.
    """
    out: dict[str, dict[str, float]] = {}
    for spk in sorted(per_speaker):
        items = per_speaker[spk]
        n = sum(s.voiced for s in items)
        if n == 0:
            raise UserError(f"speaker '{spk}': no voiced frames in {len(items)} utterance(s); cannot compute log-F0 stats")
        mean, std = _mean_std(n, sum(s.f0_sum for s in items), sum(s.f0_sq for s in items))
        out[spk] = {"mean": float(mean), "std": float(std), "voiced_frames": int(n)}
    return out


def write_stats(out: str | os.PathLike, mel_mean: np.ndarray, mel_std: np.ndarray, f0_stats: dict) -> None:
    """Write ``mel_stats.npz`` and ``f0_stats.json`` into ``out`` (each atomically)."""
    out = Path(out)
    with atomic_path(out / "mel_stats.npz") as tmp:
        np.savez(tmp, mean=np.asarray(mel_mean, np.float32), std=np.asarray(mel_std, np.float32))
    write_text_atomic(out / "f0_stats.json", json.dumps(f0_stats, indent=1, sort_keys=True) + "\n")


def write_feature_config(out: str | os.PathLike, cfg: FeatureConfig) -> None:
    """Write ``feature_config.yaml`` into ``out``."""
    save_config(Path(out) / "feature_config.yaml", cfg.to_dict())


class FeatureDump:
    """Read-only view of a finished feature dump directory."""

    def __init__(self, path: str | os.PathLike) -> None:
        """Open ``path``.

        Raises:
            UserError: not a directory, or ``feats.scp``/``utt2spk`` missing (unfinished extraction).
        """
        self.root = Path(path)
        if not self.root.is_dir():
            raise UserError(f"feature dump not found: {self.root}")
        if not (self.root / "feats.scp").is_file():
            raise UserError(f"{self.root} has no feats.scp: not a finished feature dump (run vc-extract-features)")
        self.scp = read_scp(self.root / "feats.scp", 2, None)
        self.utt2spk = read_scp(self.root / "utt2spk", 2, 2)
        missing = sorted(set(self.scp) - set(self.utt2spk))
        if missing:
            raise UserError(f"{self.root / 'utt2spk'}: no speaker for utterance '{missing[0]}'")
        self._mel_stats: tuple[np.ndarray, np.ndarray] | None = None
        self._f0_stats: dict[str, tuple[float, float]] | None = None
        self._config: FeatureConfig | None = None

    @property
    def utts(self) -> list[str]:
        """Sorted utterance ids."""
        return sorted(self.scp)

    @property
    def speakers(self) -> list[str]:
        """Sorted speakers of the dump's utterances."""
        return sorted({self.utt2spk[u] for u in self.scp})

    @property
    def spk2utt(self) -> dict[str, list[str]]:
        """Speaker -> sorted utterances."""
        out: dict[str, list[str]] = {}
        for utt in self.utts:
            out.setdefault(self.utt2spk[utt], []).append(utt)
        return out

    def __len__(self) -> int:
        return len(self.scp)

    def __contains__(self, utt: object) -> bool:
        return utt in self.scp

    def path(self, utt: str) -> Path:
        """Resolved ``.npz`` path of ``utt``."""
        if utt not in self.scp:
            raise UserError(f"utterance '{utt}' is not in {self.root / 'feats.scp'}")
        return resolve_path(self.scp[utt], self.root)

    def load(self, utt: str) -> dict[str, np.ndarray]:
        """Features of ``utt``: ``mel`` (frames, n_mels) float32, ``log_f0`` (frames,), ``voiced`` (frames,)."""
        return load_features(self.path(utt), self.feature_config.n_mels)

    @property
    def mel_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """``(mean (n_mels,), std (n_mels,))`` float32."""
        if self._mel_stats is None:
            f = self.root / "mel_stats.npz"
            try:
                with np.load(f, allow_pickle=False) as npz:
                    self._mel_stats = (npz["mean"].astype(np.float32), npz["std"].astype(np.float32))
            except (OSError, KeyError, ValueError) as err:
                raise UserError(f"cannot read mel statistics {f}: {err}") from None
        return self._mel_stats

    @property
    def f0_stats(self) -> dict[str, tuple[float, float]]:
        """``{speaker: (mean, std)}`` of log-F0 over voiced frames."""
        if self._f0_stats is None:
            f = self.root / "f0_stats.json"
            try:
                raw = json.loads(f.read_text(encoding="utf-8"))
                self._f0_stats = {spk: (float(v["mean"]), float(v["std"])) for spk, v in raw.items()}
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
                raise UserError(f"cannot read F0 statistics {f}: {err}") from None
        return self._f0_stats

    @property
    def feature_config(self) -> FeatureConfig:
        """The :class:`FeatureConfig` the dump was made with."""
        if self._config is None:
            self._config = FeatureConfig.from_dict(load_config(self.root / "feature_config.yaml"))
        return self._config
