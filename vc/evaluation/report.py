"""Evaluation outputs: ``results.csv`` (one row per pair and model), ``summary.json``,
``summary.md`` and plots (metric distributions per model, per-target-speaker bars).

Summary statistics per model and metric: the mean over pairs where the metric is defined
(NaN values left out) with a 95 % Student-t interval ``mean +- t(0.975, n-1) * sd / sqrt(n)``;
for ``closer_to_target`` (a share) a 95 % Wilson score interval. Corpus-level WER/CER are the
summed errors over the summed reference lengths.
"""

from __future__ import annotations

import csv
import json
import math
import os
from pathlib import Path
from typing import Sequence

import numpy as np
from scipy import stats

from vc.fileio import atomic_path, write_text_atomic

# (column, label, higher_is_better) in display order; absent columns are left out.
METRICS: tuple[tuple[str, str, bool], ...] = (
    ("mcd_conv_target", "MCD converted vs target (dB)", False),
    ("mcd_source_target", "MCD source vs target (dB)", False),
    ("f0_rmse_cents_conv_target", "log-F0 RMSE converted vs target (cents)", False),
    ("f0_rmse_cents_source_target", "log-F0 RMSE source vs target (cents)", False),
    ("f0_corr_conv_target", "log-F0 correlation converted vs target", True),
    ("f0_corr_source_target", "log-F0 correlation source vs target", True),
    ("vuv_error_conv_target", "V/UV error converted vs target", False),
    ("vuv_error_source_target", "V/UV error source vs target", False),
    ("spk_sim_conv_target", "speaker cosine converted-target", True),
    ("spk_sim_conv_source", "speaker cosine converted-source", False),
    ("spk_sim_source_target", "speaker cosine source speech-target", False),
    ("closer_to_target", "share closer to target than source", True),
    ("wer_conv", "WER converted (per pair)", False),
    ("wer_source", "WER source (per pair)", False),
    ("cer_conv", "CER converted (per pair)", False),
    ("cer_source", "CER source (per pair)", False),
    ("dnsmos_ovrl_conv", "DNSMOS OVRL converted", True),
    ("dnsmos_ovrl_source", "DNSMOS OVRL source", True),
    ("dnsmos_ovrl_target", "DNSMOS OVRL target", True),
    ("dnsmos_sig_conv", "DNSMOS SIG converted", True),
    ("dnsmos_bak_conv", "DNSMOS BAK converted", True),
    ("dnsmos_p808_conv", "DNSMOS P.808 converted", True),
)
PROPORTIONS = {"closer_to_target"}
CORPUS_RATES = (("wer_conv", "word_errors_conv", "ref_words"), ("wer_source", "word_errors_source", "ref_words"),
                ("cer_conv", "char_errors_conv", "ref_chars"), ("cer_source", "char_errors_source", "ref_chars"))


def _values(rows: Sequence[dict], column: str) -> np.ndarray:
    vals = [r.get(column) for r in rows]
    out = np.array([float(v) for v in vals if v is not None and v != ""], dtype=np.float64)
    return out[np.isfinite(out)]


def mean_interval(values: np.ndarray, proportion: bool = False) -> dict[str, object]:
    """Mean with a 95 % interval.

    Args:
        values: (n,) finite values.
        proportion: values are 0/1: use the Wilson score interval instead of Student t.

    Returns:
        ``{"mean", "ci95": [low, high], "n"}`` (None entries when n == 0; the interval is the
        mean itself when n == 1).
    """
    n = int(values.size)
    if n == 0:
        return {"mean": None, "ci95": [None, None], "n": 0}
    mean = float(values.mean())
    if proportion:
        z = float(stats.norm.ppf(0.975))
        centre = (mean + z * z / (2 * n)) / (1 + z * z / n)
        half = z / (1 + z * z / n) * math.sqrt(mean * (1 - mean) / n + z * z / (4 * n * n))
        lo, hi = round(max(0.0, centre - half), 12), round(min(1.0, centre + half), 12)
        return {"mean": mean, "ci95": [lo, hi], "n": n}
    if n == 1:
        return {"mean": mean, "ci95": [mean, mean], "n": 1}
    half = float(stats.t.ppf(0.975, n - 1) * values.std(ddof=1) / math.sqrt(n))
    return {"mean": mean, "ci95": [mean - half, mean + half], "n": n}


def summarize(rows: Sequence[dict], skipped: dict[str, str] | None = None,
              timings: dict[str, float] | None = None) -> dict[str, object]:
    """Summary of all models' rows (models in order of first appearance).

    Returns:
        ``{"models": {name: {"pairs": n, "metrics": {column: mean_interval},
        "corpus": {"wer_conv": rate, ...}}}, "skipped": {...}, "timings_seconds": {...}}``.
    """
    models: dict[str, list[dict]] = {}
    for r in rows:
        models.setdefault(str(r["model"]), []).append(r)
    out: dict[str, object] = {"models": {}, "skipped": dict(skipped or {}),
                              "timings_seconds": {k: round(v, 3) for k, v in (timings or {}).items()}}
    for name, mrows in models.items():
        metrics = {}
        for col, _, _ in METRICS:
            vals = _values(mrows, col)
            if vals.size:
                metrics[col] = mean_interval(vals, col in PROPORTIONS)
        corpus = {}
        for rate, err_col, len_col in CORPUS_RATES:
            errs, lens = _values(mrows, err_col), _values(mrows, len_col)
            if lens.size and lens.size == errs.size and lens.sum() > 0:
                corpus[rate] = float(errs.sum() / lens.sum())
        out["models"][name] = {"pairs": len(mrows), "metrics": metrics, "corpus": corpus}
    return out


def _fmt(stat: dict | None) -> str:
    if not stat or stat["mean"] is None:
        return "—"
    lo, hi = stat["ci95"]
    return f"{stat['mean']:.3f} [{lo:.3f}, {hi:.3f}]"


def summary_markdown(summary: dict) -> str:
    """A markdown table: one row per metric, one column per model (mean [95 % interval])."""
    names = list(summary["models"])
    lines = ["| metric | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines.append("| pairs | " + " | ".join(str(summary["models"][n]["pairs"]) for n in names) + " |")
    for col, label, better in METRICS:
        cells = [summary["models"][n]["metrics"].get(col) for n in names]
        if any(cells):
            arrow = "↑" if better else "↓"
            lines.append(f"| {label} {arrow} | " + " | ".join(_fmt(c) for c in cells) + " |")
    for rate, _, _ in CORPUS_RATES:
        cells = [summary["models"][n]["corpus"].get(rate) for n in names]
        if any(c is not None for c in cells):
            lines.append(f"| corpus {rate.upper().replace('_', ' ')} ↓ | "
                         + " | ".join("—" if c is None else f"{c:.3f}" for c in cells) + " |")
    text = "\n".join(lines) + "\n"
    if summary.get("skipped"):
        text += "\nSkipped metrics:\n" + "".join(f"- {k}: {v}\n" for k, v in summary["skipped"].items())
    return text


def write_results_csv(path: str | os.PathLike, rows: Sequence[dict]) -> None:
    """Write all rows with the union of their columns (first-seen order); missing cells empty."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, restval="")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})


def read_results_csv(path: str | os.PathLike) -> list[dict[str, str]]:
    """Rows of a ``results.csv`` as dicts of strings."""
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# Distribution panels: (title, column of the converted speech, [(reference label, reference column)]).
PANELS: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("MCD to target utterance (dB) ↓", "mcd_conv_target", (("source", "mcd_source_target"),)),
    ("log-F0 RMSE to target (cents) ↓", "f0_rmse_cents_conv_target", (("source", "f0_rmse_cents_source_target"),)),
    ("log-F0 correlation with target ↑", "f0_corr_conv_target", (("source", "f0_corr_source_target"),)),
    ("V/UV error vs target ↓", "vuv_error_conv_target", (("source", "vuv_error_source_target"),)),
    ("speaker cosine to target speaker ↑", "spk_sim_conv_target", (("source", "spk_sim_source_target"),)),
    ("speaker cosine to source speaker ↓", "spk_sim_conv_source", ()),
    ("WER ↓", "wer_conv", (("source", "wer_source"),)),
    ("CER ↓", "cer_conv", (("source", "cer_source"),)),
    ("DNSMOS OVRL ↑", "dnsmos_ovrl_conv", (("source", "dnsmos_ovrl_source"), ("target", "dnsmos_ovrl_target"))),
    ("DNSMOS SIG ↑", "dnsmos_sig_conv", (("source", "dnsmos_sig_source"), ("target", "dnsmos_sig_target"))),
    ("DNSMOS BAK ↑", "dnsmos_bak_conv", (("source", "dnsmos_bak_source"), ("target", "dnsmos_bak_target"))),
    ("DNSMOS P.808 ↑", "dnsmos_p808_conv", (("source", "dnsmos_p808_source"), ("target", "dnsmos_p808_target"))),
)


def plot_distributions(rows: Sequence[dict], path: str | os.PathLike) -> None:
    """Box plots, one panel per quantity: each model's converted speech, then the real-speech
    references (source, target) once, from the first model's pairs. Saved to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(str(r["model"]) for r in rows))
    by_model = {m: [r for r in rows if str(r["model"]) == m] for m in models}
    panels = []
    for title, conv_col, refs in PANELS:
        boxes = [(m, _values(by_model[m], conv_col)) for m in models]
        boxes += [(label, _values(by_model[models[0]], col)) for label, col in refs]
        boxes = [(label, v) for label, v in boxes if v.size]
        if any(label in models for label, _ in boxes):
            panels.append((title, boxes))
    if not panels:
        return
    ncol = 3
    nrow = math.ceil(len(panels) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.4 * ncol, 3.0 * nrow), squeeze=False)
    for ax, (title, boxes) in zip(axes.flat, panels):
        ax.boxplot([v for _, v in boxes], showmeans=True)
        ax.set_xticks(np.arange(1, len(boxes) + 1), [label for label, _ in boxes])
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=8, rotation=15)
    for ax in list(axes.flat)[len(panels):]:
        ax.set_visible(False)
    fig.suptitle("per-pair distributions (triangle: mean; source/target: real speech)", fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def plot_per_speaker(rows: Sequence[dict], path: str | os.PathLike,
                     columns: Sequence[str] = ("mcd_conv_target", "spk_sim_conv_target", "closer_to_target",
                                               "wer_conv")) -> None:
    """Bar charts of per-target-speaker means (one panel per metric, one bar group per model)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = {c: l for c, l, _ in METRICS}
    models = list(dict.fromkeys(str(r["model"]) for r in rows))
    speakers = sorted({str(r["target_spk"]) for r in rows})
    cols = [c for c in columns if _values(rows, c).size]
    if not cols or not speakers:
        return
    fig, axes = plt.subplots(len(cols), 1, figsize=(max(6.0, 0.6 * len(speakers) * len(models) + 2), 2.8 * len(cols)),
                             squeeze=False)
    width = 0.8 / len(models)
    x = np.arange(len(speakers))
    for ax, col in zip(axes[:, 0], cols):
        for k, m in enumerate(models):
            means = []
            for s in speakers:
                v = _values([r for r in rows if str(r["model"]) == m and str(r["target_spk"]) == s], col)
                means.append(v.mean() if v.size else np.nan)
            ax.bar(x + (k - (len(models) - 1) / 2) * width, means, width, label=m)
        ax.set_xticks(x, speakers, fontsize=8)
        ax.set_ylabel(labels.get(col, col), fontsize=8)
        ax.set_xlabel("target speaker", fontsize=8)
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def write_report(out_dir: str | os.PathLike, rows: Sequence[dict], skipped: dict[str, str] | None = None,
                 timings: dict[str, float] | None = None, extra: dict | None = None) -> dict:
    """Write results.csv, summary.json, summary.md, distributions.png, per_speaker.png into ``out_dir``.

    Returns:
        The summary dict (as written to summary.json).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    summary = summarize(rows, skipped, timings)
    if extra:
        summary.update(extra)
    write_results_csv(out / "results.csv", rows)
    write_text_atomic(out / "summary.json", json.dumps(summary, indent=2, sort_keys=False) + "\n")
    write_text_atomic(out / "summary.md", summary_markdown(summary))
    if rows:
        plot_distributions(rows, out / "distributions.png")
        plot_per_speaker(rows, out / "per_speaker.png")
    return summary
