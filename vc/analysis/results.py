"""Compute every arrangement measure and histogram of one aligned latent set."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vc.analysis import histograms as H
from vc.analysis import metrics as M
from vc.analysis.alignment import AlignedLatents
from vc.phones import PHONE_GROUPS

WIDTHS = (1, 4, 8, 16)
MAX_STEP = 4
SMOOTH = 7


@dataclass
class Analysis:
    """Measures and tables of one latent set (inputs of the figures and the report).

    Attributes:
        aligned: the aligned frames.
        counts: (P, K) phone × index counts over labelled frames.
        group_names: broad groups with at least one frame, in PHONE_GROUPS order.
        group_counts: (G, K) counts per group.
        group_smoothed: (G, K) Blackman-7 smoothed group histograms, each normalised to sum 1.
        group_jsd: (G, G) JS distances between the smoothed group histograms.
        group_jsd_raw: (G, G) JS distances between the unsmoothed group histograms.
        transitions: (K, K) counts of index t -> t+1 within utterances.
        metrics: JSON-ready dict of all numbers (see :func:`analyze`).
    """

    aligned: AlignedLatents
    counts: np.ndarray
    group_names: list[str]
    group_counts: np.ndarray
    group_smoothed: np.ndarray
    group_jsd: np.ndarray
    group_jsd_raw: np.ndarray
    transitions: np.ndarray
    metrics: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The latent set's display name."""
        return self.aligned.latents.name


def _matrix(names: list[str], mat: np.ndarray) -> dict:
    return {"groups": list(names), "matrix": [[round(float(v), 4) for v in row] for row in mat]}


def analyze(aligned: AlignedLatents, n_perm: int = 1000, seed: int = 0,
            groups: dict[str, tuple[str, ...]] | None = None) -> Analysis:
    """Compute the metrics of :mod:`vc.analysis.metrics` for one aligned set.

    Args:
        aligned: frames with phone labels (direction already normalised if wanted).
        n_perm: random re-orderings for the adjacent-index JSD z-score (≥ 100 recommended).
        seed: RNG seed of the re-orderings.
        groups: broad phone groups (default :data:`vc.phones.PHONE_GROUPS`).

    Returns:
        The Analysis; ``metrics`` holds: ``frames`` (counts), ``adjacent_jsd`` (value, null mean/std, z,
        p), ``mutual_information`` (per width: bits, ratio to w=1, ratio under random orders),
        ``topographic_error`` (+ ``topographic_error_null`` = 1 - 2/K for a random order; None without
        continuous latents), ``steps`` (shares of small |Δindex|; ``share_small_changes_null``),
        ``usage`` (perplexity, unused), ``group_jsd`` / ``group_jsd_raw`` matrices, ``skipped``, ``dropped``.
    """
    groups = PHONE_GROUPS if groups is None else groups
    k = aligned.n_indices
    counts = M.counts_matrix(aligned.phone, aligned.index, len(aligned.phones), k)
    group_names, gcounts = H.group_counts(counts, aligned.phones, groups)
    smoothed = H.blackman_smooth(gcounts, SMOOTH)
    total = smoothed.sum(axis=1, keepdims=True)
    smoothed = np.divide(smoothed, total, out=np.zeros_like(smoothed), where=total > 0)
    same = aligned.same_utt
    trans = H.transition_counts(aligned.index, same, k)
    steps = M.step_stats(aligned.index, same, MAX_STEP)
    steps["share_small_changes_null"] = M.step_null(aligned.index, same, k, MAX_STEP, seed=seed)
    topo = None
    if aligned.z is not None and aligned.z.shape[0] and aligned.latents.codebook.shape[0] >= 2:
        topo = M.topographic_error(aligned.z, aligned.latents.codebook)
    labelled = int(np.count_nonzero(aligned.phone >= 0))
    result = Analysis(aligned=aligned, counts=counts, group_names=group_names, group_counts=gcounts,
                      group_smoothed=smoothed, group_jsd=H.pairwise_js(smoothed),
                      group_jsd_raw=H.pairwise_js(gcounts), transitions=trans)
    result.metrics = {
        "name": aligned.latents.name,
        "quantizer": aligned.latents.quantizer,
        "model": aligned.latents.model,
        "n_indices": k,
        "flipped": aligned.flipped,
        "frames": {"total": int(aligned.index.size), "labelled": labelled, "utterances": len(aligned.utts),
                   "labelled_utterances": len(aligned.intervals)},
        "adjacent_jsd": M.adjacent_jsd(counts, n_perm=n_perm, seed=seed),
        "mutual_information": M.binned_mi(counts, WIDTHS, n_perm=min(n_perm, 200), seed=seed),
        "topographic_error": topo,
        "topographic_error_null": 1.0 - 2.0 / k if k >= 2 else None,
        "steps": steps,
        "usage": M.usage_stats(aligned.index, k),
        "group_jsd": _matrix(group_names, result.group_jsd),
        "group_jsd_raw": _matrix(group_names, result.group_jsd_raw),
        "skipped": dict(sorted(aligned.skipped.items())),
        "dropped": dict(sorted(aligned.dropped.items())),
    }
    return result
