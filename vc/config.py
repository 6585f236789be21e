"""YAML configuration files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from vc.errors import UserError
from vc.fileio import write_text_atomic

__all__ = ["load_config", "save_config"]


def load_config(path: str | os.PathLike) -> dict[str, Any]:
    """Load a YAML config file whose top level is a mapping.

    Args:
        path: the YAML file.

    Returns:
        The parsed mapping (an empty file gives ``{}``).

    Raises:
        UserError: the file is missing, unreadable, not valid YAML, or not a mapping.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise UserError(f"invalid YAML in {path}: {' '.join(str(err).split())}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read config {path}: {err}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"config {path}: top level must be a mapping, got {type(data).__name__}")
    return data


def save_config(path: str | os.PathLike, data: dict[str, Any]) -> None:
    """Write ``data`` as YAML (keys in insertion order), atomically."""
    write_text_atomic(path, yaml.safe_dump(data, sort_keys=False, default_flow_style=False))
