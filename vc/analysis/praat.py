"""Praat export: per utterance, a TextGrid with the phone tier and the latent index / curve position tiers.

Tiers (in this order): ``phones`` (the input phone tier, labels normalised; absent for utterances without
usable labels), then for each latent set ``"<name> index"`` (one interval per run of constant index) and
``"<name> position"`` (the fractional curve position rounded to ``decimals``, one interval per run of equal
rounded value). Indices and positions follow the analysis' orientation (reversed curves are reversed
here too, like in the figures; ``metrics.json`` says which were). Open beside the wav in Praat.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vc.analysis.alignment import AlignedLatents
from vc.textgrids import Interval, write_textgrid


def runs(values: np.ndarray) -> list[tuple[int, int, object]]:
    """Split a sequence into runs of equal values.

    Args:
        values: (T,) array.

    Returns:
        [(start frame, end frame (exclusive), value), ...] covering 0..T.
    """
    values = np.asarray(values)
    if values.size == 0:
        return []
    change = np.flatnonzero(values[1:] != values[:-1]) + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [values.size]])
    return [(int(s), int(e), values[s].item()) for s, e in zip(starts, ends)]


def latent_tiers(index: np.ndarray, position: np.ndarray, frame_rate: float, prefix: str = "",
                 decimals: int = 2) -> dict[str, list[Interval]]:
    """Interval tiers of one utterance's latents.

    Args:
        index: (T,) int indices. position: (T,) float positions. frame_rate: frames per second.
        prefix: tier name prefix (``"<name> "``).
        decimals: rounding of the position labels.

    Returns:
        {prefix + "index": [...], prefix + "position": [...]}; frame i spans [i / rate, (i + 1) / rate).
    """
    rounded = np.round(np.asarray(position, dtype=np.float64), decimals)
    return {
        f"{prefix}index": [Interval(s / frame_rate, e / frame_rate, str(int(v))) for s, e, v in runs(index)],
        f"{prefix}position": [Interval(s / frame_rate, e / frame_rate, f"{v:.{decimals}f}")
                              for s, e, v in runs(rounded)],
    }


def export_textgrids(sets: list[AlignedLatents], out_dir: str | os.PathLike, utts: list[str] | None = None,
                     decimals: int = 2) -> list[Path]:
    """Write ``out_dir/UTT.TextGrid`` for each utterance of the first set (atomically).

    Args:
        sets: aligned latent sets over the same utterances (e.g. SFVQ and VQ); tiers of each are added.
        out_dir: output directory.
        utts: utterances to export (default: all of the first set).
        decimals: rounding of position labels.

    Returns:
        The written paths.
    """
    out = Path(out_dir)
    written = []
    names = [s.latents.name for s in sets]
    prefixes = [f"{n} " for n in names] if len(set(names)) == len(names) and len(sets) > 1 else \
        ([""] if len(sets) == 1 else [f"{i + 1}:{n} " for i, n in enumerate(names)])
    for utt in (sets[0].utts if utts is None else utts):
        tiers: dict[str, list[Interval]] = {}
        ends = []
        phones = sets[0].intervals.get(utt)
        if phones:
            tiers["phones"] = [iv for iv in phones if iv.end > iv.start]
            ends.append(max(iv.end for iv in phones))
        for s, prefix in zip(sets, prefixes):
            if utt not in s.utts:
                continue
            sl = s.frames(utt)
            if sl.stop == sl.start:
                continue
            tiers.update(latent_tiers(s.index[sl], s.position[sl], s.latents.frame_rate, prefix, decimals))
            ends.append((sl.stop - sl.start) / s.latents.frame_rate)
        if not ends:
            continue
        path = out / f"{utt}.TextGrid"
        write_textgrid(path, tiers, xmax=max(ends))
        written.append(path)
    return written
