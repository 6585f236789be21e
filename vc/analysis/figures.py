"""The seven analysis figures (one column per latent set, e.g. SFVQ beside VQ), as PNGs and one PDF.

1. index and fractional position over time for chosen utterances, phones marked;
2. per-group index histograms, Blackman-7 smoothed, peak 1;
3. JS distance matrix between the group histograms;
4. Euclidean distances between codebook vectors;
5. log2 counts of index transitions t -> t+1;
6. per-phone index histograms within one group (default fricatives);
7. phone × index heatmap, phones sorted by group.

Figures are built with :class:`matplotlib.figure.Figure` (no pyplot state, no GUI backend).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from vc.analysis import histograms as H
from vc.analysis.results import SMOOTH, Analysis
from vc.fileio import atomic_path
from vc.phones import PHONE_GROUPS, group_of

GROUP_COLOURS = {g: f"C{i}" for i, g in enumerate(PHONE_GROUPS)}


def _title(a: Analysis) -> str:
    kind = {"sfvq": "SFVQ (joint)", "vq": "VQ", "posthoc": "SFVQ (post-hoc)"}.get(a.aligned.latents.quantizer,
                                                                                  a.aligned.latents.quantizer)
    flip = ", reversed" if a.aligned.flipped else ""
    return f"{a.name}: {kind}{flip}"


def _xlabel(a: Analysis) -> str:
    return "curve index" if a.aligned.latents.is_curve else "codebook index (arbitrary order)"


def _grid(n: int, width: float = 6.0, height: float = 4.5, rows: int = 1, sharey: bool = False):
    fig = Figure(figsize=(width * n, height * rows), layout="constrained")
    axes = fig.subplots(rows, n, squeeze=False, sharey=sharey)
    return fig, axes


def fig_index_over_time(analyses: list[Analysis], utt: str) -> Figure:
    """Figure 1: index (steps) and fractional position (line) over time for ``utt``, one row per set."""
    fig, axes = _grid(1, width=12.0, height=3.0, rows=len(analyses))
    for ax, a in zip(axes[:, 0], analyses):
        al = a.aligned
        sl = al.frames(utt)
        idx, pos = al.index[sl], al.position[sl]
        rate = al.latents.frame_rate
        t = np.arange(idx.size + 1) / rate
        ax.step(t, np.append(idx, idx[-1:]), where="post", lw=1.2, color="C0", label="index")
        if al.latents.is_curve:
            ax.plot((np.arange(idx.size) + 0.5) / rate, pos, lw=0.8, color="C3", alpha=0.8,
                    label="fractional position")
        ax.set_xlim(0, t[-1])
        ax.set_ylim(-0.5, al.n_indices - 0.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(_xlabel(a).split(" (")[0])
        ax.set_title(f"{utt} — {_title(a)}", fontsize=10, loc="left", pad=24)
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        for i, iv in enumerate(al.intervals.get(utt, [])):
            if iv.start >= t[-1]:
                break
            ax.axvline(iv.start, color="0.6", lw=0.5, zorder=0)
            colour = GROUP_COLOURS.get(group_of(iv.label) or "", "0.3")
            ax.text(0.5 * (iv.start + min(iv.end, t[-1])), 1.01 + 0.06 * (i % 2), iv.label, transform=trans,
                    ha="center", va="bottom", fontsize=7, color=colour, clip_on=False)
        ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1.0), fontsize=7)
    axes[-1, 0].set_xlabel("time (s)")
    return fig


def fig_group_histograms(analyses: list[Analysis]) -> Figure:
    """Figure 2: broad-group index histograms, Blackman-7 smoothed and scaled to peak 1."""
    fig, axes = _grid(len(analyses), height=4.0, sharey=True)
    for ax, a in zip(axes[0], analyses):
        scaled = H.peak_scale(a.group_smoothed)
        for name, row in zip(a.group_names, scaled):
            ax.plot(np.arange(a.aligned.n_indices), row, lw=1.3, color=GROUP_COLOURS.get(name), label=name)
        ax.set_xlabel(_xlabel(a))
        ax.set_title(_title(a), fontsize=10)
        ax.set_xlim(0, a.aligned.n_indices - 1)
    axes[0, 0].set_ylabel(f"frames (Blackman-{SMOOTH} smoothed, peak = 1)")
    axes[0, -1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="broad group")
    return fig


def _matrix_plot(fig: Figure, ax, mat: np.ndarray, labels: list[str], title: str) -> None:
    im = ax.imshow(mat, vmin=0.0, vmax=1.0, cmap="viridis")
    ax.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    for i in range(len(labels)):
        for j in range(len(labels)):
            ax.text(j, i, f"{mat[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if mat[i, j] < 0.6 else "black")
    ax.set_title(title, fontsize=10)
    fig.colorbar(im, ax=ax, label="Jensen-Shannon distance (base 2)", shrink=0.8)


def fig_group_jsd(analyses: list[Analysis]) -> Figure:
    """Figure 3: JS distances between the smoothed group histograms."""
    fig, axes = _grid(len(analyses), width=5.5, height=4.8)
    for ax, a in zip(axes[0], analyses):
        _matrix_plot(fig, ax, a.group_jsd, a.group_names, _title(a))
    return fig


def fig_codebook_distances(analyses: list[Analysis]) -> Figure:
    """Figure 4: Euclidean distances between codebook vectors (corners in index order)."""
    fig, axes = _grid(len(analyses), width=5.5, height=4.8)
    for ax, a in zip(axes[0], analyses):
        c = np.asarray(a.aligned.latents.codebook, dtype=np.float64)
        sq = (c * c).sum(axis=1)
        dist = np.sqrt(np.clip(sq[:, None] + sq[None, :] - 2.0 * c @ c.T, 0.0, None))
        im = ax.imshow(dist, cmap="magma", origin="lower", interpolation="nearest")
        ax.set_xlabel(_xlabel(a))
        ax.set_ylabel(_xlabel(a))
        ax.set_title(_title(a), fontsize=10)
        fig.colorbar(im, ax=ax, label="Euclidean distance", shrink=0.8)
    return fig


def fig_transitions(analyses: list[Analysis]) -> Figure:
    """Figure 5: log2(1 + count) of index transitions t -> t+1 within utterances."""
    fig, axes = _grid(len(analyses), width=5.5, height=4.8)
    for ax, a in zip(axes[0], analyses):
        im = ax.imshow(np.log2(1.0 + a.transitions), cmap="viridis", origin="lower", interpolation="nearest")
        ax.set_xlabel("index at frame t + 1")
        ax.set_ylabel("index at frame t")
        ax.set_title(_title(a), fontsize=10)
        fig.colorbar(im, ax=ax, label="log2(1 + transitions)", shrink=0.8)
    return fig


def fig_phone_histograms(analyses: list[Analysis], group: str = "fricatives") -> Figure:
    """Figure 6: per-phone index histograms (Blackman-7 smoothed, peak 1) of the phones of ``group``."""
    fig, axes = _grid(len(analyses), height=4.0, sharey=True)
    members = PHONE_GROUPS.get(group, ())
    for ax, a in zip(axes[0], analyses):
        k = a.aligned.n_indices
        for j, phone in enumerate(p for p in members if p in a.aligned.phones):
            row = a.counts[a.aligned.phones.index(phone)]
            if row.sum() == 0:
                continue
            ax.plot(np.arange(k), H.peak_scale(H.blackman_smooth(row, SMOOTH)), lw=1.2,
                    color=f"C{j % 10}", label=f"{phone} ({int(row.sum())})")
        ax.set_xlim(0, k - 1)
        ax.set_xlabel(_xlabel(a))
        ax.set_title(f"{group}: {_title(a)}", fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), title="phone (frames)",
                  title_fontsize=7)
    axes[0, 0].set_ylabel(f"frames (Blackman-{SMOOTH} smoothed, peak = 1)")
    return fig


def fig_phone_index(analyses: list[Analysis], min_frames: int = 1) -> Figure:
    """Figure 7: p(index | phone) per phone row (row peak = 1), phones sorted by broad group."""
    phones = analyses[0].aligned.phones
    keep = [i for i, p in enumerate(phones) if all(a.counts[i].sum() >= min_frames for a in analyses)]
    fig, axes = _grid(len(analyses), width=6.5, height=max(4.0, 0.16 * len(keep) + 1.5), sharey=True)
    for ax, a in zip(axes[0], analyses):
        rows = H.peak_scale(a.counts[keep].astype(np.float64))
        im = ax.imshow(rows, aspect="auto", cmap="Greys", interpolation="nearest",
                       extent=(-0.5, a.aligned.n_indices - 0.5, len(keep) - 0.5, -0.5))
        ax.set_xlabel(_xlabel(a))
        ax.set_title(_title(a), fontsize=10)
        prev = None
        for r, i in enumerate(keep):
            g = group_of(phones[i])
            if prev is not None and g != prev:
                ax.axhline(r - 0.5, color="C3", lw=0.6)
            prev = g
        fig.colorbar(im, ax=ax, label="p(index | phone), row peak = 1", shrink=0.6)
    ax0 = axes[0, 0]
    ax0.set_yticks(range(len(keep)), [phones[i] for i in keep], fontsize=7)
    for tick, i in zip(ax0.get_yticklabels(), keep):
        tick.set_color(GROUP_COLOURS.get(group_of(phones[i]) or "", "0.2"))
    ax0.set_ylabel("phone (colour = broad group)")
    handles = [ax0.plot([], [], color=c, lw=4, label=g)[0] for g, c in GROUP_COLOURS.items()]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    return fig


def choose_utterances(analyses: list[Analysis], n: int = 2, min_s: float = 1.5, max_s: float = 6.0) -> list[str]:
    """Pick up to ``n`` labelled utterances present in every set, preferring ``min_s``-``max_s`` seconds."""
    common = set(analyses[0].aligned.intervals)
    for a in analyses[1:]:
        common &= set(a.aligned.intervals)
    al = analyses[0].aligned
    dur = {u: (al.offsets[al.utts.index(u) + 1] - al.offsets[al.utts.index(u)]) / al.latents.frame_rate
           for u in sorted(common)}
    good = [u for u, d in dur.items() if min_s <= d <= max_s]
    return (good or list(dur))[:n]


def save_figures(analyses: list[Analysis], out_dir: str | os.PathLike, utts: list[str] | None = None,
                 group: str = "fricatives", dpi: int = 110) -> list[Path]:
    """Draw all figures, save each as PNG in ``out_dir`` and all together in ``figures.pdf``.

    Args:
        analyses: one Analysis per latent set (shown side by side, in this order).
        out_dir: output directory.
        utts: utterances for figure 1 (default: :func:`choose_utterances`).
        group: broad group for figure 6.

    Returns:
        The written files (PNGs then the PDF).
    """
    out = Path(out_dir)
    utts = choose_utterances(analyses) if utts is None else utts
    figures = [(f"fig1_index_time_{u}", fig_index_over_time(analyses, u)) for u in utts]
    figures += [("fig2_group_histograms", fig_group_histograms(analyses)),
                ("fig3_group_jsd", fig_group_jsd(analyses)),
                ("fig4_codebook_distances", fig_codebook_distances(analyses)),
                ("fig5_transitions", fig_transitions(analyses)),
                (f"fig6_phone_histograms_{group}", fig_phone_histograms(analyses, group)),
                ("fig7_phone_index", fig_phone_index(analyses))]
    written = []
    for name, fig in figures:
        with atomic_path(out / f"{name}.png") as tmp:
            fig.savefig(tmp, dpi=dpi)
        written.append(out / f"{name}.png")
    with atomic_path(out / "figures.pdf") as tmp:
        with PdfPages(tmp) as pdf:
            for _, fig in figures:
                pdf.savefig(fig)
    written.append(out / "figures.pdf")
    return written
