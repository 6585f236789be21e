"""Save and load a quantizer with its constructor arguments (atomic write, weights-only load)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import torch

from sfvq import QUANTIZER_KINDS, Quantizer, build_quantizer

FORMAT = "sfvq-checkpoint-1"


def _default_file_mode() -> int:
    """Mode a plain ``open(path, "w")`` would give: 0o666 minus the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix); rename it onto ``path`` on success.

    Args:
        path: final destination; its parent directory is created if missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, _default_file_mode())  # mkstemp creates 0600 files
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def kind_of(quantizer: Quantizer) -> str:
    """The :func:`sfvq.build_quantizer` kind string of ``quantizer``."""
    for kind, cls in QUANTIZER_KINDS.items():
        if type(quantizer) is cls:
            return kind
    raise ValueError(f"not a built-in quantizer: {type(quantizer).__name__}")


def save_quantizer(path: str | os.PathLike, quantizer: Quantizer, **meta: Any) -> None:
    """Write ``quantizer`` and JSON-like ``meta`` (str/int/float/list/dict values) atomically.

    Args:
        path: destination ``.pt`` file.
        quantizer: the module (its state_dict is moved to the CPU).
        meta: extra information stored under "meta".
    """
    payload = {
        "format": FORMAT,
        "kind": kind_of(quantizer),
        "bits": quantizer.bits,
        "dim": quantizer.dim,
        "gradient": quantizer.gradient,
        "state_dict": {k: v.detach().cpu() for k, v in quantizer.state_dict().items()},
        "meta": meta,
    }
    with atomic_path(path) as tmp:
        torch.save(payload, tmp)


def load_quantizer(path: str | os.PathLike, device: str | torch.device = "cpu") -> tuple[Quantizer, dict[str, Any]]:
    """Rebuild a quantizer written by :func:`save_quantizer` (``weights_only=True``).

    Args:
        path: checkpoint file.
        device: where to put the module.

    Returns:
        (quantizer in eval mode, meta dict).
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: checkpoint not found")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for corrupt files
        raise ValueError(f"{path}: not a readable checkpoint ({type(err).__name__})") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not an sfvq checkpoint (expected format {FORMAT!r})")
    quantizer = build_quantizer(payload["kind"], bits=payload["bits"], dim=payload["dim"], gradient=payload["gradient"])
    try:
        quantizer.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        raise ValueError(f"{path}: state does not fit the stored configuration: {str(err).splitlines()[-1].strip()}") from None
    return quantizer.to(device).eval(), dict(payload.get("meta", {}))
