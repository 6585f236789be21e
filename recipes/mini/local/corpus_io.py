"""Files of the mini corpus: sentence list, Praat TextGrids (long format), FLAC, TSV tables."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import soundfile as sf

from alignment import Segment


def read_sentences(path: Path) -> list[tuple[str, str]]:
    """Read ``<id> TAB <text>`` lines ('#' comments and blank lines skipped).

    Returns:
        (sentence id, text) pairs in file order.
    Raises:
        ValueError: malformed line or duplicate id (names file and line).
    """
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1].strip():
            raise ValueError(f"{path}:{n}: expected '<id>\\t<text>'")
        if parts[0] in seen:
            raise ValueError(f"{path}:{n}: duplicate sentence id {parts[0]}")
        seen.add(parts[0])
        out.append((parts[0], parts[1].strip()))
    return out


def fmt_time(t: float) -> str:
    """Seconds with at most 7 decimals (exact for 16 kHz sample boundaries), no trailing zeros."""
    s = f"{t:.7f}".rstrip("0").rstrip(".")
    return "0" if s in ("", "-0") else s


def _quote(label: str) -> str:
    return '"' + label.replace('"', '""') + '"'


def textgrid_text(tiers: Mapping[str, Sequence[Segment]], xmax: float) -> str:
    """Praat long-format TextGrid with one IntervalTier per entry of ``tiers`` (in order).

    Indentation is two spaces per level instead of Praat's four (readers ignore it) so that a
    typical file stays under one 4 KiB disk block.  Every tier must be contiguous from 0 to ``xmax``.
    """
    lines = [
        'File type = "ooTextFile"',
        'Object class = "TextGrid"',
        "",
        "xmin = 0",
        f"xmax = {fmt_time(xmax)}",
        "tiers? <exists>",
        f"size = {len(tiers)}",
        "item []:",
    ]
    for i, (name, segs) in enumerate(tiers.items(), 1):
        if not segs or abs(segs[0].start) > 1e-9 or abs(segs[-1].end - xmax) > 1e-9:
            raise ValueError(f"tier {name!r} does not span [0, {xmax}]")
        lines += [
            f"  item [{i}]:",
            '    class = "IntervalTier"',
            f"    name = {_quote(name)}",
            "    xmin = 0",
            f"    xmax = {fmt_time(xmax)}",
            f"    intervals: size = {len(segs)}",
        ]
        for j, seg in enumerate(segs, 1):
            lines += [
                f"    intervals [{j}]:",
                f"      xmin = {fmt_time(seg.start)}",
                f"      xmax = {fmt_time(seg.end)}",
                f"      text = {_quote(seg.label)}",
            ]
    return "\n".join(lines) + "\n"


def write_flac(path: Path, pcm: np.ndarray, sample_rate: int) -> None:
    """Write (samples,) int16 audio as 16-bit mono FLAC at maximum compression, atomically."""
    if pcm.dtype != np.int16 or pcm.ndim != 1:
        raise ValueError("write_flac expects a 1-D int16 array")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp.flac")
    sf.write(tmp, pcm, sample_rate, format="FLAC", subtype="PCM_16", compression_level=1.0)
    tmp.replace(path)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def tsv_text(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Tab-separated table with a header line; values must not contain tabs or newlines."""
    out = ["\t".join(header)]
    for row in rows:
        cells = [str(c) for c in row]
        if len(cells) != len(header) or any("\t" in c or "\n" in c for c in cells):
            raise ValueError(f"bad TSV row {row!r}")
        out.append("\t".join(cells))
    return "\n".join(out) + "\n"


def read_tsv(path: Path) -> list[dict[str, str]]:
    """Rows of a TSV file with a header line, as dicts."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    if not lines:
        raise ValueError(f"{path}: empty table")
    header = lines[0].split("\t")
    rows = []
    for n, line in enumerate(lines[1:], 2):
        cells = line.split("\t")
        if len(cells) != len(header):
            raise ValueError(f"{path}:{n}: {len(cells)} columns, header has {len(header)}")
        rows.append(dict(zip(header, cells)))
    return rows
