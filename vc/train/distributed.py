"""Process-group handling for ``torchrun`` (DDP): gloo on CPU, nccl on GPU; single process otherwise."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
from torch import nn

from vc.runtime import pick_device


@dataclass
class DistContext:
    """Where this process runs and who it is.

    Attributes:
        rank: global rank (0 if not distributed).
        world_size: number of processes.
        local_rank: rank on this node.
        device: the torch device this process trains on.
    """

    rank: int
    world_size: int
    local_rank: int
    device: torch.device

    @property
    def distributed(self) -> bool:
        """True under torchrun with more than one process."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes logs, checkpoints and plots."""
        return self.rank == 0

    def barrier(self) -> None:
        """Wait for all ranks (no-op when not distributed)."""
        if self.distributed:
            dist.barrier()

    def gather_objects(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` in rank order (``[obj]`` when not distributed)."""
        if not self.distributed:
            return [obj]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def broadcast_module(self, module: nn.Module) -> None:
        """Copy rank 0's parameters and buffers of ``module`` to all ranks."""
        if not self.distributed:
            return
        with torch.no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.data, src=0)

    def replica_difference(self, module: nn.Module) -> float:
        """Largest difference between ranks of per-tensor checksums of ``module``'s weights (0.0: in sync).

        Covers parameters and persistent buffers except BatchNorm running statistics, which each
        rank updates from its own batch and DDP re-broadcasts from rank 0 at every forward. Two
        checksums per tensor (sum and index-weighted sum), so the collective stays small whatever
        the model size.
        """
        if not self.distributed:
            return 0.0
        sums = []
        state = {k: v for k, v in module.state_dict().items()
                 if not any(s in k for s in ("running_mean", "running_var", "num_batches_tracked"))}
        with torch.no_grad():
            for t in state.values():
                v = t.detach().double().reshape(-1)
                w = torch.arange(1, v.numel() + 1, device=v.device, dtype=torch.float64) / max(v.numel(), 1)
                sums.append(torch.stack([v.sum(), (v * w).sum()]))
            local = torch.cat(sums)
            gathered = [torch.empty_like(local) for _ in range(self.world_size)]
            dist.all_gather(gathered, local)
        return float(max((g - gathered[0]).abs().max() for g in gathered))


def setup(device_name: str) -> DistContext:
    """Initialise the process group if launched by torchrun with WORLD_SIZE > 1.

    Args:
        device_name: ``auto``, ``cpu`` or ``cuda``.

    Returns:
        :class:`DistContext` for this process.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", "0"))
    device = pick_device(device_name, local)
    if world > 1 and not dist.is_initialized():
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return DistContext(rank, world, local, device)


def teardown() -> None:
    """Destroy the process group if one was created."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()
