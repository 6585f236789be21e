"""Training data: random fixed-length segments from a :class:`vc.dump.FeatureDump`.

All utterances are loaded once into memory (normalised log-mel and the decoder's F0 features),
so sampling a batch is a few tensor gathers driven by an explicit ``torch.Generator`` whose state
a checkpoint can store (exact resume).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np
import torch

from vc.errors import UserError
from vc.model.conditioning import f0_features


@dataclass
class Utterance:
    """One utterance ready for the model.

    Attributes:
        utt: utterance id.
        mel: (frames, n_mels) float32 normalised log-mel.
        f0: (frames, 2) float32 decoder F0 features (source == target speaker).
        speaker: speaker index in the model's speaker list.
    """

    utt: str
    mel: torch.Tensor
    f0: torch.Tensor
    speaker: int


def f0_center_from_stats(f0_stats: dict[str, tuple[float, float]]) -> float:
    """Mean of the speakers' mean log-F0 (the model's ``f0_center``); 5.0 (~148 Hz) if empty."""
    means = [m for m, _ in f0_stats.values() if np.isfinite(m)]
    return float(np.mean(means)) if means else 5.0


def load_utterances(dump, speakers: list[str], mel_stats: tuple[np.ndarray, np.ndarray],
                    f0_stats: dict[str, tuple[float, float]], f0_center: float,
                    min_frames: int = 2) -> tuple[list[Utterance], list[str]]:
    """Load and normalise every utterance of ``dump`` whose speaker is in ``speakers``.

    Args:
        dump: a :class:`vc.dump.FeatureDump`.
        speakers: the model's speaker list (index = speaker id).
        mel_stats: (mean (n_mels,), std (n_mels,)) of the training log-mel.
        f0_stats: {speaker: (mean, std)} of log-F0 (training statistics).
        f0_center: the model's ``f0_center``.
        min_frames: shorter utterances are skipped.

    Returns:
        (utterances, skipped utterance ids with the reason).
    """
    index = {s: i for i, s in enumerate(speakers)}
    mean = np.asarray(mel_stats[0], dtype=np.float32)
    std = np.maximum(np.asarray(mel_stats[1], dtype=np.float32), 1e-5)
    out: list[Utterance] = []
    skipped: list[str] = []
    for utt in dump.utts:
        spk = dump.utt2spk[utt]
        if spk not in index:
            skipped.append(f"{utt} (speaker {spk} not in training set)")
            continue
        feats = dump.load(utt)
        mel = np.asarray(feats["mel"], dtype=np.float32)
        if mel.ndim != 2 or mel.shape[1] != len(mean):
            raise UserError(f"{utt}: mel has shape {mel.shape}, expected (frames, {len(mean)})")
        if mel.shape[0] < min_frames:
            skipped.append(f"{utt} (only {mel.shape[0]} frames)")
            continue
        stats = f0_stats.get(spk, (f0_center, 0.25))
        f0 = f0_features(feats["log_f0"][: len(mel)], feats["voiced"][: len(mel)], stats, stats, f0_center)
        if len(f0) < len(mel):
            f0 = np.concatenate([f0, np.zeros((len(mel) - len(f0), f0.shape[1]), np.float32)])
        out.append(Utterance(utt, torch.from_numpy((mel - mean) / std), torch.from_numpy(f0), index[spk]))
    return out, skipped


class SegmentSampler:
    """Draw batches of random fixed-length segments, uniformly over all valid segment starts.

    Utterances shorter than ``segment_frames`` are not used for training.

    Args:
        utterances: from :func:`load_utterances`.
        segment_frames: frames per segment (even keeps latents aligned; any value >= 2 works).
    """

    def __init__(self, utterances: list[Utterance], segment_frames: int) -> None:
        self.segment_frames = int(segment_frames)
        self.utts = [u for u in utterances if u.mel.shape[0] >= self.segment_frames]
        if not self.utts:
            raise UserError(f"no training utterance has at least {segment_frames} frames "
                            f"(training.segment_frames)")
        starts = torch.tensor([u.mel.shape[0] - self.segment_frames + 1 for u in self.utts])
        self.cum = torch.cumsum(starts, 0)
        self.total_frames = int(sum(u.mel.shape[0] for u in self.utts))

    def sample(self, batch_size: int, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """Draw one batch (CPU tensors).

        Args:
            batch_size: segments per batch.
            generator: CPU generator driving the draw.

        Returns:
            ``mel`` (B, segment_frames, n_mels), ``f0`` (B, segment_frames, 2), ``speaker`` (B,) long.
        """
        pos = torch.randint(0, int(self.cum[-1]), (batch_size,), generator=generator)
        which = torch.searchsorted(self.cum, pos, right=True)
        mels, f0s, spks = [], [], []
        for w, p in zip(which.tolist(), pos.tolist()):
            start = p - (int(self.cum[w - 1]) if w > 0 else 0)
            u = self.utts[w]
            mels.append(u.mel[start:start + self.segment_frames])
            f0s.append(u.f0[start:start + self.segment_frames])
            spks.append(u.speaker)
        return {"mel": torch.stack(mels), "f0": torch.stack(f0s), "speaker": torch.tensor(spks, dtype=torch.long)}


def iter_batches_full(utterances: list[Utterance], max_frames: int = 4000) -> Iterator[dict[str, torch.Tensor]]:
    """Yield whole utterances one at a time (for dev loss), cropped to ``max_frames``.

    Yields:
        ``mel`` (1, frames, n_mels), ``f0`` (1, frames, 2), ``speaker`` (1,).
    """
    for u in utterances:
        yield {"mel": u.mel[None, :max_frames], "f0": u.f0[None, :max_frames],
               "speaker": torch.tensor([u.speaker], dtype=torch.long)}
