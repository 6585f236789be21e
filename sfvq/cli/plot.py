"""``sfvq-plot``: training figures from a log, and the 2-D VQ-versus-SFVQ figure.

Subcommands::

    sfvq-plot training --log OUT/log.jsonl [--checkpoint OUT/model.pt] --out FIG/prefix
        -> prefix_curves.{pdf,png} (loss, held-out MSE, perplexity across stages, stage markers)
           prefix_usage.{pdf,png}  (usage histogram of the last epoch of every stage)
    sfvq-plot compare --vq VQ/model.pt --sfvq SFVQ/model.pt --out FIG/prefix [--data SOURCE]
        -> prefix.{pdf,png} (VQ codewords with Voronoi cells beside the SFVQ curve, same 2-D data)
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from sfvq.checkpoint import atomic_path, kind_of, load_quantizer  # noqa: E402
from sfvq.cli import Parser, console_main, load_data, regenerate_data  # noqa: E402


def read_log(path: str | Path) -> list[dict[str, Any]]:
    """Records of a ``log.jsonl`` written by ``sfvq-train`` (ValueError naming bad lines)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: log not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text (JSON lines) log") from None
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            raise ValueError(f"{path}:{number}: not a JSON line") from None
        missing = {"stage", "corners", "loss", "perplexity", "usage"} - set(record)
        if missing:
            raise ValueError(f"{path}:{number}: record lacks {', '.join(sorted(missing))}")
        records.append(record)
    if not records:
        raise ValueError(f"{path}: log has no records")
    return records


def save_figure(fig: plt.Figure, prefix: Path, formats: Sequence[str] = ("pdf", "png")) -> list[Path]:
    """Write ``fig`` as prefix.<fmt> for each format, atomically; returns the paths."""
    written = []
    for fmt in formats:
        target = prefix.with_name(f"{prefix.name}.{fmt}")
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
        written.append(target)
    plt.close(fig)
    return written


def stage_starts(records: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """(x position, corners) where each stage begins; x counts epochs from 1."""
    starts, previous = [], None
    for x, record in enumerate(records, start=1):
        if record["stage"] != previous:
            starts.append((x, int(record["corners"])))
            previous = record["stage"]
    return starts


def plot_curves(records: list[dict[str, Any]], title: str) -> plt.Figure:
    """Loss / held-out MSE and perplexity per epoch, a dashed line where each stage starts."""
    x = np.arange(1, len(records) + 1)
    fig, (ax_loss, ax_perp) = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
    ax_loss.plot(x, [r["loss"] for r in records], "o-", ms=3, label="training loss")
    if all("heldout_mse" in r for r in records):
        ax_loss.plot(x, [r["heldout_mse"] for r in records], "s-", ms=3, label="held-out MSE")
    ax_loss.set_ylabel("MSE per element")
    ax_loss.legend(loc="upper right")
    ax_perp.plot(x, [r["perplexity"] for r in records], "o-", ms=3, label="held-out perplexity")
    ax_perp.step(x, [r["corners"] for r in records], where="mid", ls=":", color="gray", label="active codewords")
    corners = [r["corners"] for r in records]
    if max(corners) >= 4 * min(corners):  # growth: log2 axis, one decade per stage
        ax_perp.set_yscale("log", base=2)
    ax_perp.set_ylabel("perplexity")
    ax_perp.set_xlabel("epoch")
    ax_perp.legend(loc="lower right")
    for ax in (ax_loss, ax_perp):
        for start, corners in stage_starts(records):
            ax.axvline(start - 0.5, color="k", lw=0.6, ls="--", alpha=0.5)
    for start, corners in stage_starts(records):
        ax_loss.annotate(f"{corners}", (start - 0.4, 1.0), xycoords=("data", "axes fraction"), va="top", fontsize=8)
    ax_loss.set_title(title)
    fig.tight_layout()
    return fig


def plot_usage(records: list[dict[str, Any]], title: str) -> plt.Figure:
    """Bar chart of held-out usage per index at the last epoch of every stage."""
    last: dict[int, dict[str, Any]] = {}
    for record in records:
        last[record["stage"]] = record
    stages = sorted(last)
    cols = min(3, len(stages))
    rows = math.ceil(len(stages) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, stage in zip(axes.flat, stages):
        usage = np.asarray(last[stage]["usage"], dtype=float)
        ax.bar(np.arange(len(usage)), usage, width=1.0, color="tab:blue")
        if usage.sum() > 0:
            ax.axhline(usage.sum() / len(usage), color="tab:red", lw=0.8, ls="--")
        ax.set_title(f"stage {stage}: {len(usage)} codewords", fontsize=9)
        ax.set_xlabel("index")
        ax.set_ylabel("count")
    for ax in list(axes.flat)[len(stages):]:
        ax.axis("off")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def draw_voronoi(ax: plt.Axes, points: np.ndarray, limits: tuple[float, float, float, float]) -> None:
    """Voronoi cell edges of 2-D ``points`` (duplicates merged); nothing if qhull cannot."""
    from scipy.spatial import QhullError, Voronoi, voronoi_plot_2d

    unique = np.unique(points, axis=0)
    if len(unique) < 3:
        return
    try:
        voronoi_plot_2d(Voronoi(unique), ax=ax, show_points=False, show_vertices=False, line_colors="0.35", line_width=0.7)
    except QhullError:
        return
    ax.set_xlim(limits[0], limits[1])
    ax.set_ylim(limits[2], limits[3])


def plot_compare(data: np.ndarray, vq: np.ndarray, sfvq: np.ndarray, titles: tuple[str, str]) -> plt.Figure:
    """VQ codewords with Voronoi cells (left) beside the SFVQ curve (right) on 2-D data."""
    lo, hi = data.min(axis=0), data.max(axis=0)
    pad = 0.05 * (hi - lo).max()
    limits = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
    fig, (ax_vq, ax_sf) = plt.subplots(1, 2, figsize=(10, 5))
    for ax in (ax_vq, ax_sf):
        ax.scatter(data[:, 0], data[:, 1], s=1.5, color="0.75", rasterized=True, lw=0)
    draw_voronoi(ax_vq, vq, limits)
    ax_vq.scatter(vq[:, 0], vq[:, 1], s=14, color="tab:red", zorder=3)
    ax_sf.plot(sfvq[:, 0], sfvq[:, 1], "-", color="tab:blue", lw=1.2, zorder=2)
    ax_sf.scatter(sfvq[:, 0], sfvq[:, 1], s=14, c=np.arange(len(sfvq)), cmap="viridis", zorder=3)
    for ax, title in zip((ax_vq, ax_sf), titles):
        ax.set_xlim(limits[0], limits[1])
        ax.set_ylim(limits[2], limits[3])
        ax.set_aspect("equal")
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def _describe(kind: str, quantizer: Any, meta: dict[str, Any]) -> str:
    """Title text: kind, size and the stored held-out MSE (SFVQ: distance to the curve)."""
    mse = meta.get("heldout_mse")
    if kind == "SFVQ":
        what = f"{quantizer.active_corners} corners"
        extra = f", held-out MSE to the curve {mse:.4f}" if isinstance(mse, float) else ""
    else:
        what = f"{quantizer.active_corners} codewords"
        extra = f", held-out MSE {mse:.4f}" if isinstance(mse, float) else ""
    return f"{kind} ({what}{extra})"


def run_training(args: Any) -> list[Path]:
    records = read_log(args.log)
    title = Path(args.log).parent.name or "training"
    if args.checkpoint:
        quantizer, meta = load_quantizer(args.checkpoint)
        title = f"{title}: " + _describe(kind_of(quantizer).upper(), quantizer, meta)
    prefix = Path(args.out)
    return save_figure(plot_curves(records, title), prefix.with_name(prefix.name + "_curves")) + save_figure(
        plot_usage(records, title), prefix.with_name(prefix.name + "_usage")
    )


def run_compare(args: Any) -> list[Path]:
    vq, vq_meta = load_quantizer(args.vq)
    sf, sf_meta = load_quantizer(args.sfvq)
    for name, q in (("--vq", vq), ("--sfvq", sf)):
        if kind_of(q) != name[2:]:
            raise ValueError(f"{name} expects a {name[2:]} checkpoint, got a {kind_of(q)} one")
        if q.dim != 2:
            raise ValueError(f"{name} checkpoint is {q.dim}-D; the comparison figure needs 2-D quantizers")
    if args.data:
        data = load_data(args.data, args.num_samples, 2, args.seed)[0]
    else:
        data = regenerate_data(sf_meta.get("data", {}))
    if data.shape[1] != 2:
        raise ValueError(f"the data is {data.shape[1]}-D; the comparison figure needs 2-D data")
    gen = torch.Generator().manual_seed(0)
    if data.shape[0] > args.max_points:
        data = data[torch.randperm(data.shape[0], generator=gen)[: args.max_points]]
    titles = (_describe("VQ", vq, vq_meta), _describe("SFVQ", sf, sf_meta))
    fig = plot_compare(data.numpy(), vq.codebook.detach().cpu().numpy(), sf.codebook.detach().cpu().numpy(), titles)
    return save_figure(fig, Path(args.out))


def build_parser() -> Parser:
    """The argument parser of ``sfvq-plot``."""
    p = Parser(prog="sfvq-plot", description="Figures for sfvq-train runs.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    t = sub.add_parser("training", help="loss/perplexity across stages and usage histograms")
    t.add_argument("--log", required=True, help="log.jsonl from sfvq-train")
    t.add_argument("--checkpoint", help="model.pt from the same run (for the title)")
    t.add_argument("--out", required=True, help="output prefix; writes PREFIX_curves.* and PREFIX_usage.*")
    c = sub.add_parser("compare", help="2-D figure: VQ with Voronoi cells beside the SFVQ curve")
    c.add_argument("--vq", required=True, help="model.pt of a 2-D VQ")
    c.add_argument("--sfvq", required=True, help="model.pt of a 2-D SFVQ")
    c.add_argument("--data", help="data source (default: the one stored in the SFVQ checkpoint)")
    c.add_argument("--num-samples", type=int, default=20000, help="samples for a built-in --data")
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--max-points", type=int, default=6000, help="data points drawn in the background")
    c.add_argument("--out", required=True, help="output prefix; writes PREFIX.pdf and PREFIX.png")
    return p


@console_main
def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sfvq-plot``; returns the exit status."""
    args = build_parser().parse_args(argv)
    written = run_training(args) if args.command == "training" else run_compare(args)
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
