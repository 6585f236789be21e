"""metrics.json and a markdown table of the arrangement measures, one column per latent set."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from vc.analysis.results import MAX_STEP, WIDTHS, Analysis
from vc.fileio import write_text_atomic

#: Group JS distances reported in the paper (TIMIT, SFVQ fitted after training), for comparison.
PAPER_GROUP_JSD: dict[tuple[str, str], float] = {
    ("silence", "vowels"): 0.98,
    ("silence", "diphthongs"): 0.96,
    ("vowels", "diphthongs"): 0.19,
    ("diphthongs", "approximants"): 0.50,
    ("vowels", "approximants"): 0.52,
    ("plosives", "fricatives"): 0.63,
    ("silence", "plosives"): 0.71,
}

DEFINITIONS = f"""\
Definitions (all logarithms base 2; JS = Jensen-Shannon **distance**, the square root of the base-2
divergence, in [0, 1]; "random orders" = the same codebook with its index labels randomly permuted, which
keeps every partition-based number and destroys only the order):

- **adjacent-index JSD**: mean JS distance between p(phone | k) and p(phone | k'), over consecutive pairs of
  the indices used by labelled frames (unused indices skipped, pairs unweighted). Lower = neighbours alike.
  **z-score** = (value - mean) / std over the random orders; ≤ -3 means clearly ordered, within ±2 unordered.
- **MI w**: mutual information between phone and index bin ⌊k / w⌋ (plug-in estimate, bits); **ratio** =
  MI_w / MI_1, the phone information left after merging w neighbouring indices (random-order mean in brackets).
- **topographic error**: share of frames whose nearest and second-nearest corners are not neighbours
  (\\|k1 - k2\\| ≠ 1); a random order gives 1 - 2/K.
- **small steps**: share of frame-to-frame steps within utterances with \\|Δk\\| ≤ {MAX_STEP}, over all steps and over
  steps that change the index (random-order value in brackets).
- **perplexity**: 2^H of the index distribution over all frames; **unused**: indices never chosen.
- **group JS distance**: between broad-group index histograms smoothed with a length-7 Blackman window.
"""


def _fmt(value, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def _group_pair(m: dict, a: str, b: str) -> float | None:
    names = m["group_jsd"]["groups"]
    if a not in names or b not in names:
        return None
    return m["group_jsd"]["matrix"][names.index(a)][names.index(b)]


def metric_rows(ms: list[dict]) -> list[tuple[str, list[str]]]:
    """The table's rows: (label, one formatted cell per latent set)."""
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, fn) -> None:
        rows.append((label, [fn(m) for m in ms]))

    add("quantizer (K)", lambda m: f"{m['quantizer']} ({m['n_indices']})")
    add("frames labelled / total", lambda m: f"{m['frames']['labelled']} / {m['frames']['total']}")
    add("adjacent-index JSD (random orders)", lambda m: f"{_fmt(m['adjacent_jsd']['value'])} "
        f"({_fmt(m['adjacent_jsd']['null_mean'])} ± {_fmt(m['adjacent_jsd']['null_std'])})")
    add(f"adjacent-index JSD z-score ({ms[0]['adjacent_jsd']['n_perm']} orders)",
        lambda m: _fmt(m["adjacent_jsd"]["z"], 2))
    add("MI w=1 (bits)", lambda m: _fmt(m["mutual_information"]["1"]["mi"]))
    for w in WIDTHS[1:]:
        add(f"MI ratio w={w} (random orders)", lambda m, w=w: f"{_fmt(m['mutual_information'][str(w)]['ratio'])} "
            f"({_fmt(m['mutual_information'][str(w)]['null_ratio'])})")
    add("topographic error (random order)", lambda m: f"{_fmt(m['topographic_error'])} "
        f"({_fmt(m['topographic_error_null'])})")
    add(f"steps with \\|Δk\\| ≤ {MAX_STEP}, all", lambda m: _fmt(m["steps"]["share_small"]))
    add(f"steps with \\|Δk\\| ≤ {MAX_STEP}, changes only (random orders)",
        lambda m: f"{_fmt(m['steps']['share_small_changes'])} ({_fmt(m['steps']['share_small_changes_null'])})")
    add("perplexity / unused indices", lambda m: f"{_fmt(m['usage']['perplexity'], 1)} / {m['usage']['unused']}")
    for (a, b), paper in PAPER_GROUP_JSD.items():
        add(f"group JS {a}–{b} (paper {paper:.2f})", lambda m, a=a, b=b: _fmt(_group_pair(m, a, b), 2))
    return rows


def markdown_table(ms: list[dict]) -> str:
    """Render the definitions, the metric table and each set's group JS matrix as markdown."""
    head = "| metric | " + " | ".join(m["name"] for m in ms) + " |\n"
    head += "|---|" + "---|" * len(ms) + "\n"
    body = "".join(f"| {label} | " + " | ".join(cells) + " |\n" for label, cells in metric_rows(ms))
    parts = ["# Latent arrangement\n\n", DEFINITIONS, "\n", head, body]
    for m in ms:
        names = m["group_jsd"]["groups"]
        parts.append(f"\n## Group JS distances: {m['name']}\n\n| | " + " | ".join(names) + " |\n")
        parts.append("|---|" + "---|" * len(names) + "\n")
        for name, row in zip(names, m["group_jsd"]["matrix"]):
            parts.append(f"| {name} | " + " | ".join(f"{v:.2f}" for v in row) + " |\n")
        if m["skipped"] or m["dropped"]:
            parts.append(f"\nSkipped {len(m['skipped'])} utterance(s) without usable phone labels and dropped "
                         f"unknown-phone frames in {len(m['dropped'])} (listed in metrics.json).\n")
    return "".join(parts)


def _clean(obj):
    """JSON-safe copy: NaN/inf -> None, numpy scalars -> Python numbers, tuples -> lists."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, (str, bytes)):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_report(out_dir: str | os.PathLike, analyses: list[Analysis], settings: dict | None = None
                 ) -> tuple[Path, Path]:
    """Write ``metrics.json`` ({"settings", "models": [...]}) and ``metrics.md`` atomically.

    Non-finite numbers are written as ``null``.

    Returns:
        (json path, markdown path).
    """
    out = Path(out_dir)
    ms = [a.metrics for a in analyses]
    payload = _clean({"settings": settings or {}, "models": ms})
    json_path, md_path = out / "metrics.json", out / "metrics.md"
    write_text_atomic(json_path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
    write_text_atomic(md_path, markdown_table(ms))
    return json_path, md_path
