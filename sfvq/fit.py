"""Fit a quantizer to an (N, D) tensor with the SFVQ growth schedule.

SFVQ: one stage per corner count (4, 8, …, 2**bits), ``epochs_per_stage`` epochs each, a fresh
Adam per stage, the learning rate multiplied by ``gamma`` at 60 % and 80 % of each stage's steps,
then :meth:`~sfvq.SpaceFillingVQ.grow`. VQ: one stage with the same total epoch budget and
NSVQ-style dead-codeword replacement every ``replace_every`` batches until ``replace_until`` of
training. A held-out split is projected after every epoch; one log record per epoch.
"""

from __future__ import annotations

import dataclasses
import math
import time
from typing import Any, Callable

import torch
from tqdm.auto import tqdm

from sfvq._base import Quantizer
from sfvq.metrics import mse, perplexity_from_counts, usage_counts
from sfvq.spacefilling import SpaceFillingVQ


@dataclasses.dataclass
class FitConfig:
    """Options of :func:`fit` (defaults: the upstream example's schedule)."""

    epochs_per_stage: int = 3
    lr: float = 1e-3
    batch_size: int = 64
    milestones: tuple[float, ...] = (0.6, 0.8)
    gamma: float = 0.5
    holdout: float = 0.1
    seed: int = 0
    init: bool = True
    vq_epochs: int | None = None
    replace_every: int = 200
    replace_until: float = 0.9
    progress: bool = False

    def validate(self) -> None:
        """Raise ValueError naming the first invalid option."""
        if self.epochs_per_stage < 1:
            raise ValueError(f"epochs_per_stage must be >= 1, got {self.epochs_per_stage}")
        if self.vq_epochs is not None and self.vq_epochs < 1:
            raise ValueError(f"vq_epochs must be >= 1, got {self.vq_epochs}")
        if not self.lr > 0:
            raise ValueError(f"lr must be > 0, got {self.lr}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0.0 < self.holdout < 1.0:
            raise ValueError(f"holdout must be in (0, 1), got {self.holdout}")
        if any(not 0.0 <= m <= 1.0 for m in self.milestones):
            raise ValueError(f"milestones must be fractions in [0, 1], got {list(self.milestones)}")
        if not self.gamma > 0:
            raise ValueError(f"gamma must be > 0, got {self.gamma}")
        if self.replace_every < 0:
            raise ValueError(f"replace_every must be >= 0, got {self.replace_every}")


@dataclasses.dataclass
class FitResult:
    """Outcome of :func:`fit`.

    Attributes:
        records: one dict per epoch (see :func:`fit`).
        heldout_mse: final per-element MSE of the projected held-out split.
        train_index: (N_train,) long indices of the training rows in the input.
        heldout_index: (N_heldout,) long indices of the held-out rows.
    """

    records: list[dict[str, Any]]
    heldout_mse: float
    train_index: torch.Tensor
    heldout_index: torch.Tensor


def stage_epochs(quantizer: Quantizer, config: FitConfig) -> list[int]:
    """Epochs of each stage: one stage per corner count for SFVQ, one stage for VQ.

    VQ gets the same total budget as an SFVQ of the same bits (``bits − 1`` stages) unless
    ``config.vq_epochs`` is set.
    """
    if isinstance(quantizer, SpaceFillingVQ):
        stages = 1 + int(round(math.log2(2**quantizer.bits / quantizer.active_corners)))
        return [config.epochs_per_stage] * stages
    return [config.vq_epochs or config.epochs_per_stage * max(1, quantizer.bits - 1)]


def lr_at(step: int, total: int, config: FitConfig) -> float:
    """Learning rate at ``step`` of a stage with ``total`` steps (multi-step decay)."""
    passed = sum(1 for m in config.milestones if step >= m * total)
    return config.lr * config.gamma**passed


def split_holdout(n: int, holdout: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Random train/held-out split of ``n`` rows; returns (train_index, heldout_index)."""
    n_held = max(1, int(round(n * holdout)))
    if n - n_held < 1:
        raise ValueError(f"need at least 2 samples for a held-out split, got {n}")
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return perm[n_held:], perm[:n_held]


@torch.no_grad()
def evaluate(quantizer: Quantizer, data: torch.Tensor) -> dict[str, Any]:
    """Project ``data`` (N, D): per-element MSE, perplexity and usage counts of the indices."""
    proj = quantizer.project(data)
    counts = usage_counts(proj.index, quantizer.active_corners)
    return {
        "mse": float(mse(data, proj.quantized)),
        "perplexity": float(perplexity_from_counts(counts)),
        "usage": [int(c) for c in counts.tolist()],
    }


def fit(
    quantizer: Quantizer,
    data: torch.Tensor,
    config: FitConfig | None = None,
    on_epoch: Callable[[dict[str, Any]], None] | None = None,
) -> FitResult:
    """Train ``quantizer`` on ``data`` with an MSE loss and the growth schedule.

    The global torch RNG is seeded with ``config.seed`` (dither and NSVQ noise); the split and
    the shuffling use private generators. Data is moved to the quantizer's device and dtype.

    Args:
        quantizer: an SFVQ or VQ (in "none" or "nsvq" gradient mode).
        data: (N, D) finite samples.
        config: schedule options (defaults: :class:`FitConfig`).
        on_epoch: called with each record as soon as it exists (e.g. to write a log line).

    Returns:
        :class:`FitResult`. Each record has: stage, epoch (within the stage), global_epoch,
        corners, lr (at the end of the epoch), loss (mean training loss), heldout_mse,
        perplexity and usage (held-out, per index), replaced (VQ codewords replaced in the
        epoch), seconds.
    """
    config = config or FitConfig()
    config.validate()
    if not isinstance(data, torch.Tensor) or data.dim() != 2:
        raise ValueError(f"fit data must be a 2-D (N, D) tensor, got {getattr(data, 'shape', type(data).__name__)}")
    if data.shape[1] != quantizer.dim:
        raise ValueError(f"fit data has dimension {data.shape[1]}, the quantizer expects {quantizer.dim}")
    if data.shape[0] == 0 or not bool(torch.isfinite(data).all()):
        raise ValueError("fit data is empty or contains NaN/inf")
    param = quantizer.weight
    data = data.to(device=param.device, dtype=param.dtype)
    train_idx, held_idx = split_holdout(data.shape[0], config.holdout, config.seed)
    train, held = data[train_idx.to(param.device)], data[held_idx.to(param.device)]
    torch.manual_seed(config.seed)
    if config.init:
        quantizer.init_from(train)
    shuffle = torch.Generator().manual_seed(config.seed + 1)
    plan = stage_epochs(quantizer, config)
    steps_per_epoch = math.ceil(train.shape[0] / config.batch_size)
    all_steps = sum(plan) * steps_per_epoch
    records: list[dict[str, Any]] = []
    done = 0
    quantizer.train()
    for stage, epochs in enumerate(plan):
        optimizer = torch.optim.Adam(quantizer.parameters(), lr=config.lr)
        total = epochs * steps_per_epoch
        bar = tqdm(total=total, disable=not config.progress, leave=False, desc=f"stage {stage} ({quantizer.active_corners} corners)")
        step = 0
        for epoch in range(epochs):
            replaced = 0
            start_time = time.perf_counter()
            loss_sum = torch.zeros((), dtype=torch.float64, device=param.device)
            perm = torch.randperm(train.shape[0], generator=shuffle).to(param.device)
            for begin in range(0, train.shape[0], config.batch_size):
                batch = train[perm[begin : begin + config.batch_size]]
                for group in optimizer.param_groups:
                    group["lr"] = lr_at(step, total, config)
                out = quantizer(batch)
                loss = mse(batch, out.quantized)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                loss_sum += loss.detach() * batch.shape[0]
                step += 1
                done += 1
                if config.replace_every and step % config.replace_every == 0 and done < config.replace_until * all_steps:
                    replaced += quantizer.replace_unused()
                bar.update(1)
            quantizer.eval()
            scores = evaluate(quantizer, held)
            quantizer.train()
            record = {
                "stage": stage,
                "epoch": epoch,
                "global_epoch": len(records),
                "corners": quantizer.active_corners,
                "lr": optimizer.param_groups[0]["lr"],
                "loss": float(loss_sum) / train.shape[0],
                "heldout_mse": scores["mse"],
                "perplexity": scores["perplexity"],
                "usage": scores["usage"],
                "replaced": replaced,
                "seconds": time.perf_counter() - start_time,
            }
            records.append(record)
            bar.set_postfix(loss=f"{record['loss']:.4f}", heldout=f"{record['heldout_mse']:.4f}")
            if on_epoch is not None:
                on_epoch(record)
        bar.close()
        if stage < len(plan) - 1:
            quantizer.grow()
    quantizer.eval()
    final = records[-1]["heldout_mse"] if records else evaluate(quantizer, held)["mse"]
    return FitResult(records, final, train_idx, held_idx)
