"""Run-time choices shared by the console scripts: which device, how many CPU threads."""

from __future__ import annotations

import os

import torch

from vc.errors import UserError


def pick_device(name: str, local_rank: int = 0) -> torch.device:
    """Resolve ``auto|cpu|cuda`` (``cuda`` uses the local rank's GPU).

    Args:
        name: ``auto`` (CUDA when available), ``cpu`` or ``cuda``.
        local_rank: this process's rank on its node (DDP); picks the GPU.

    Raises:
        UserError: ``cuda`` asked for but not available, or an unknown name.
    """
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda":
        if not torch.cuda.is_available():
            raise UserError("--device cuda: no CUDA device is available (use --device cpu or auto)")
        return torch.device("cuda", local_rank % torch.cuda.device_count())
    raise UserError(f"unknown device {name!r} (valid: auto, cpu, cuda)")


def limit_threads(threads: int = 1) -> None:
    """Use ``threads`` CPU threads in torch (and in OpenMP code started after this call).

    One thread per process is the fast choice when several processes share a few cores.
    """
    if threads < 1:
        raise UserError(f"the number of threads must be >= 1, got {threads}")
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))
    torch.set_num_threads(threads)


def check_jobs(nj: int) -> None:
    """Reject a ``--nj`` below 1 with a one-line message."""
    if nj < 1:
        raise UserError(f"--nj must be >= 1, got {nj}")
