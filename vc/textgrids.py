"""Praat TextGrids: read MFA-style phone/word tiers, frame-level labels, checks, writer.

Reading uses the ``textgrid`` package (long and short text formats, UTF-8 or UTF-16).
Frame convention: frame ``i`` at ``frame_rate`` Hz covers ``[i / rate, (i + 1) / rate)`` and takes
the label of the interval containing ``(i + offset) / rate`` (``offset=0.5``: the frame centre).
For the centred STFT of :class:`vc.features.LogMel`, ``offset=0`` is the analysis-window centre.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np
import textgrid as _tg

from vc.errors import UserError
from vc.fileio import atomic_path
from vc.phones import KNOWN_PHONES, SILENCE, normalize_phone, unknown_phones

__all__ = [
    "Interval",
    "read_textgrid",
    "read_tier",
    "textgrid_duration",
    "frame_labels",
    "check_textgrid",
    "write_textgrid",
]


@dataclass(frozen=True)
class Interval:
    """One labelled interval of an interval tier (times in seconds)."""

    start: float
    end: float
    label: str


def _encoding(path: Path) -> str:
    head = path.read_bytes()[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    return "utf-8-sig"


def _load(path: str | os.PathLike) -> _tg.TextGrid:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"TextGrid not found: {path}")
    grid = _tg.TextGrid(strict=False)
    try:
        grid.read(str(path), encoding=_encoding(path))
    except Exception as err:  # the package raises assorted errors on malformed input
        raise UserError(f"cannot parse TextGrid {path}: {type(err).__name__}: {err}") from None
    return grid


def _tier_intervals(tier) -> list[Interval]:
    return [Interval(float(iv.minTime), float(iv.maxTime), (iv.mark or "").strip()) for iv in tier]


def read_textgrid(path: str | os.PathLike) -> dict[str, list[Interval]]:
    """Read every interval tier of a TextGrid (labels stripped, not otherwise normalised).

    Args:
        path: a Praat TextGrid (long or short text format).

    Returns:
        ``{tier name as in the file: [Interval, ...]}`` in file order; point tiers are skipped.
    """
    grid = _load(path)
    return {t.name: _tier_intervals(t) for t in grid.tiers if isinstance(t, _tg.IntervalTier)}


def _xmax(grid: _tg.TextGrid) -> float:
    xmax = grid.maxTime
    if xmax is None:
        xmax = max((t.maxTime or 0.0) for t in grid.tiers) if grid.tiers else 0.0
    return float(xmax)


def _find_tier(grid: _tg.TextGrid, tier: str, path: str | os.PathLike) -> list[Interval]:
    names = [t.name for t in grid.tiers if isinstance(t, _tg.IntervalTier)]
    for t in grid.tiers:
        if isinstance(t, _tg.IntervalTier) and t.name.strip().lower() == tier.lower():
            return _tier_intervals(t)
    raise UserError(f"TextGrid {path} has no '{tier}' tier (interval tiers: {', '.join(names) or 'none'})")


def textgrid_duration(path: str | os.PathLike) -> float:
    """Return the TextGrid's ``xmax`` (end time in seconds)."""
    return _xmax(_load(path))


def read_tier(path: str | os.PathLike, tier: str = "phones", normalize: bool | None = None) -> list[Interval]:
    """Read one interval tier, matching its name case-insensitively.

    Args:
        path: a Praat TextGrid.
        tier: tier name (``"phones"``, ``"words"``, ...).
        normalize: apply :func:`vc.phones.normalize_phone` to the labels. ``None`` (default)
            normalises only the ``phones`` tier; other tiers keep their (stripped) labels.

    Returns:
        The tier's intervals in time order.

    Raises:
        UserError: file missing/unparsable, or no tier of that name (the message lists the tiers).
    """
    ivs = _find_tier(_load(path), tier, path)
    if normalize is None:
        normalize = tier.lower() == "phones"
    if normalize:
        ivs = [Interval(iv.start, iv.end, normalize_phone(iv.label)) for iv in ivs]
    return ivs


def frame_labels(
    intervals: Sequence[Interval], n_frames: int, frame_rate: float, offset: float = 0.5, default: str = SILENCE
) -> list[str]:
    """Label each frame with the interval containing its reference time.

    Args:
        intervals: non-overlapping intervals (any order).
        n_frames: number of frames to label.
        frame_rate: frames per second (100 for 10 ms mel frames, 50 for 20 ms latents).
        offset: reference time of frame ``i`` is ``(i + offset) / frame_rate``.
        default: label for times in a gap or past the last interval.

    Returns:
        ``n_frames`` labels.
    """
    if n_frames <= 0:
        return []
    ivs = sorted(intervals, key=lambda iv: iv.start)
    times = (np.arange(n_frames, dtype=np.float64) + offset) / float(frame_rate)
    if not ivs:
        return [default] * n_frames
    starts = np.array([iv.start for iv in ivs])
    ends = np.array([iv.end for iv in ivs])
    idx = np.searchsorted(starts, times, side="right") - 1
    ok = (idx >= 0) & (times < ends[np.clip(idx, 0, None)])
    return [ivs[j].label if good else default for j, good in zip(idx.tolist(), ok.tolist())]


def check_textgrid(
    path: str | os.PathLike,
    duration: float | None,
    tier: str = "phones",
    tolerance: float = 0.05,
    known: Iterable[str] = KNOWN_PHONES,
) -> list[str]:
    """Check a TextGrid against its audio; return the problems found (empty list if fine).

    Checks: readable, has the tier, intervals ordered and non-overlapping, phone labels known
    after normalisation, and the end time (``xmax``) within ``tolerance`` s of ``duration``.

    Args:
        path: the TextGrid.
        duration: the audio's duration in seconds, or ``None`` to skip the duration check.
        tier: the phone tier's name (case-insensitive).
        tolerance: allowed |TextGrid end - audio duration| in seconds.
        known: accepted normalised phone labels.

    Returns:
        Messages naming the file, e.g. ``"x.TextGrid: ends at 1.200 s but the audio lasts 1.400 s"``.
    """
    try:
        grid = _load(path)
        ivs = _find_tier(grid, tier, path)
        end = _xmax(grid)
    except UserError as err:
        return [str(err)]
    problems: list[str] = []
    if not ivs:
        problems.append(f"{path}: '{tier}' tier has no intervals")
    for a, b in zip(ivs, ivs[1:]):
        if b.start < a.end - 1e-6:
            problems.append(f"{path}: intervals overlap or are out of order at {b.start:.3f} s")
            break
    bad = unknown_phones([iv.label for iv in ivs], frozenset(known))
    if bad:
        listed = ", ".join(f"'{lab}' ({n}x)" for lab, n in bad.items())
        problems.append(f"{path}: unknown phone labels {listed}")
    if duration is not None and abs(end - duration) > tolerance:
        problems.append(
            f"{path}: ends at {end:.3f} s but the audio lasts {duration:.3f} s "
            f"(off by {abs(end - duration) * 1000:.0f} ms > {tolerance * 1000:.0f} ms)"
        )
    return problems


def write_textgrid(
    path: str | os.PathLike, tiers: Mapping[str, Sequence[Interval]], xmax: float, xmin: float = 0.0
) -> None:
    """Write interval tiers as a long-format Praat TextGrid (UTF-8), atomically.

    Gaps between intervals are written as empty intervals, as Praat requires.

    Args:
        path: output file.
        tiers: ``{tier name: intervals}`` in the order they should appear.
        xmax: end time of the grid (seconds); every interval must end by then.
        xmin: start time of the grid.

    Raises:
        UserError: an interval lies outside ``[xmin, xmax]``, has ``end <= start``, or overlaps another.
    """
    grid = _tg.TextGrid(minTime=xmin, maxTime=xmax)
    for name, ivs in tiers.items():
        tier = _tg.IntervalTier(name=name, minTime=xmin, maxTime=xmax)
        prev_end = xmin
        for iv in sorted(ivs, key=lambda iv: iv.start):
            if not (math.isfinite(iv.start) and math.isfinite(iv.end)) or iv.end <= iv.start:
                raise UserError(f"writing {path}: bad interval {iv} in tier '{name}'")
            if iv.start < prev_end - 1e-9 or iv.end > xmax + 1e-9:
                raise UserError(f"writing {path}: interval {iv} in tier '{name}' overlaps or exceeds [{xmin}, {xmax}]")
            tier.addInterval(_tg.Interval(max(iv.start, prev_end), min(iv.end, xmax), iv.label))
            prev_end = iv.end
        grid.append(tier)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as sink:
            grid.write(sink)
