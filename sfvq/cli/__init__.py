"""Helpers shared by the console scripts: one-line errors, data loading.

User errors are ``ValueError`` / ``OSError``; :func:`console_main` turns them into one line
``error: ...`` on stderr and exit status 1, without a traceback.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

import numpy as np
import torch

from sfvq.distributions import DISTRIBUTIONS, sample

Main = Callable[[Sequence[str] | None], int]


def console_main(func: Main) -> Main:
    """Decorate ``main(argv=None) -> int`` so user errors print one line and return 1."""

    @functools.wraps(func)
    def wrapper(argv: Sequence[str] | None = None) -> int:
        try:
            return func(argv)
        except (ValueError, OSError) as err:
            message = str(err).splitlines()[0] if str(err) else type(err).__name__
            print(f"error: {message}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("error: interrupted", file=sys.stderr)
            return 130

    return wrapper


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose usage errors are one line ``error: ...`` and exit status 1."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {self.prog}: {message} (see --help)", file=sys.stderr)
        sys.exit(1)


def load_data(source: str, num_samples: int, dim: int | None, seed: int) -> tuple[torch.Tensor, dict[str, Any]]:
    """Samples from a built-in distribution name or a ``.npy`` file of shape (N, D).

    Args:
        source: a key of :data:`sfvq.distributions.DISTRIBUTIONS` or a path to a ``.npy`` file.
        num_samples: N for built-in distributions (ignored for files).
        dim: D for built-in distributions (default 2); for files, checked if given.
        seed: seed for built-in distributions.

    Returns:
        (N, D) float32 tensor and a dict describing the source (to regenerate it later).
    """
    if source in DISTRIBUTIONS:
        d = 2 if dim is None else dim
        data = sample(source, num_samples, d, seed)
        return data, {"source": source, "num_samples": num_samples, "dim": d, "seed": seed}
    path = Path(source)
    if not path.is_file():
        raise ValueError(f"{source}: no such file, and not a built-in distribution ({', '.join(sorted(DISTRIBUTIONS))})")
    try:
        array = np.load(path, allow_pickle=False)
    except Exception as err:  # numpy raises ValueError/OSError/EOFError/… for bad files
        raise ValueError(f"{path}: cannot read as .npy ({type(err).__name__}: {err})") from None
    if not isinstance(array, np.ndarray) or array.ndim != 2 or 0 in array.shape:
        raise ValueError(f"{path}: expected a non-empty 2-D array (N, D), got shape {getattr(array, 'shape', None)}")
    if not (np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.integer)):
        raise ValueError(f"{path}: expected a numeric array, got dtype {array.dtype}")
    if not np.isfinite(array).all():
        raise ValueError(f"{path}: contains NaN or inf")
    if dim is not None and array.shape[1] != dim:
        raise ValueError(f"{path}: has dimension {array.shape[1]}, but --dim {dim} was given")
    data = torch.from_numpy(np.ascontiguousarray(array, dtype=np.float32))
    return data, {"source": str(path.resolve()), "num_samples": int(array.shape[0]), "dim": int(array.shape[1])}


def regenerate_data(info: dict[str, Any]) -> torch.Tensor:
    """Reload the data described by :func:`load_data`'s info dict (from a checkpoint's meta)."""
    if not info or "source" not in info:
        raise ValueError("the checkpoint does not say which data it was fitted on; pass --data")
    return load_data(str(info["source"]), int(info.get("num_samples", 0)), info.get("dim"), int(info.get("seed", 0)))[0]


def default_progress() -> bool:
    """Show progress bars only on an interactive terminal."""
    return sys.stderr.isatty() and not os.environ.get("SFVQ_NO_PROGRESS")
