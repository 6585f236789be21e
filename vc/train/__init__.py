"""Training of the VQ-VAE voice converter (data sampling, schedules, trainer, DDP)."""

from __future__ import annotations

from vc.train.data import SegmentSampler, load_utterances
from vc.train.trainer import Trainer

__all__ = ["Trainer", "SegmentSampler", "load_utterances"]
