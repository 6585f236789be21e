"""Align latent frames with TextGrid phones.

Latent frame ``i`` at ``frame_rate`` Hz covers ``[i / rate, (i + 1) / rate)`` and takes the label of the
phone interval containing its centre ``(i + 0.5) / rate`` (intervals are half-open ``[start, end)``, so a
centre exactly on a boundary belongs to the later phone; gaps count as silence).

What is skipped, and how it is reported (nothing aborts the run):

* an utterance without a TextGrid, with an unreadable one, or one without a phone tier: skipped as a whole
  (its frames still count for label-free measures such as perplexity and index steps);
* a TextGrid that ends more than ``tolerance`` seconds before the latents do: skipped as a whole;
* frames whose phone is not in :data:`vc.phones.KNOWN_PHONES`: those frames are dropped from the phone
  analysis and the labels listed per utterance.
"""

from __future__ import annotations

import dataclasses
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from vc.analysis.latents import LatentSet
from vc.errors import UserError
from vc.phones import KNOWN_PHONES, PHONE_GROUPS, SILENCE
from vc.textgrids import Interval, frame_labels, read_tier


@dataclass
class PhoneLabels:
    """Phone tiers read from TextGrids.

    Attributes:
        intervals: utt -> normalised phone intervals (only utterances read successfully).
        skipped: utt -> reason, for utterances whose TextGrid could not be used.
    """

    intervals: dict[str, list[Interval]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def _read_one(item: tuple[str, str, str]) -> tuple[str, list[Interval] | None, str]:
    utt, path, tier = item
    try:
        return utt, read_tier(path, tier=tier), ""
    except UserError as err:
        return utt, None, str(err)


def read_phone_labels(textgrids: dict[str, str], utts: list[str], tier: str = "phones", nj: int = 1
                      ) -> PhoneLabels:
    """Read the phone tier of each utterance's TextGrid.

    Args:
        textgrids: utt -> TextGrid path (e.g. ``DataDir.textgrid_scp``).
        utts: the utterances wanted; those missing from ``textgrids`` are recorded as skipped.
        tier: tier name (case-insensitive).
        nj: parallel reader processes.

    Returns:
        The intervals and the skip reasons.
    """
    labels = PhoneLabels()
    jobs = []
    for utt in utts:
        if utt in textgrids:
            jobs.append((utt, textgrids[utt], tier))
        else:
            labels.skipped[utt] = "no TextGrid listed"
    if nj > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=nj) as pool:
            results = list(pool.map(_read_one, jobs, chunksize=max(1, len(jobs) // (4 * nj))))
    else:
        results = [_read_one(job) for job in jobs]
    for utt, ivs, err in results:
        if ivs is None:
            labels.skipped[utt] = err
        else:
            labels.intervals[utt] = ivs
    return labels


def textgrid_map(data: str | os.PathLike) -> dict[str, str]:
    """utt -> TextGrid path from ``DATA/textgrid.scp`` (a data directory or a dump that has one).

    Relative paths are resolved against ``DATA``. Returns {} if there is no textgrid.scp.
    """
    from vc.datadir import read_scp, resolve_path

    scp = os.path.join(data, "textgrid.scp")
    if not os.path.isfile(scp):
        return {}
    return {u: str(resolve_path(p, data)) for u, p in read_scp(scp).items()}


def textgrids_from_dir(directory: str | os.PathLike, utts: list[str]) -> dict[str, str]:
    """Map utterances to ``DIR/UTT.TextGrid`` (also ``.textgrid``) files that exist."""
    out = {}
    for utt in utts:
        for suffix in (".TextGrid", ".textgrid"):
            path = os.path.join(directory, utt + suffix)
            if os.path.isfile(path):
                out[utt] = path
                break
    return out


@dataclass
class AlignedLatents:
    """All frames of a latent set with their phone labels, concatenated over utterances.

    Attributes:
        latents: the source set (name, quantizer, codebook (K, D) in the possibly flipped order).
        utts: utterance ids in concatenation order.
        offsets: (U+1,) frame offsets; utterance u owns frames offsets[u]:offsets[u+1].
        index: (N,) int64 indices. position: (N,) float32 fractional positions.
        phone: (N,) int64 ids into ``phones``, -1 where unlabelled or unknown.
        phones: phone vocabulary, in group order then alphabetical.
        z: (N, D) continuous outputs or None.
        intervals: utt -> phone intervals, for labelled utterances.
        skipped: utt -> reason (utterance-level, no phone labels used).
        dropped: utt -> {unknown label: frames dropped}.
        flipped: True if the curve direction was reversed by :func:`orient`.
    """

    latents: LatentSet
    utts: list[str]
    offsets: np.ndarray
    index: np.ndarray
    position: np.ndarray
    phone: np.ndarray
    phones: list[str]
    z: np.ndarray | None
    intervals: dict[str, list[Interval]]
    skipped: dict[str, str]
    dropped: dict[str, dict[str, int]]
    flipped: bool = False

    @property
    def n_indices(self) -> int:
        """K, the number of active indices."""
        return self.latents.n_indices

    @property
    def same_utt(self) -> np.ndarray:
        """(N-1,) bool: frames t and t+1 belong to the same utterance."""
        mask = np.ones(max(self.index.size - 1, 0), dtype=bool)
        mask[self.offsets[1:-1] - 1] = False
        return mask

    def frames(self, utt: str) -> slice:
        """The slice of frames that belong to ``utt``."""
        u = self.utts.index(utt)
        return slice(int(self.offsets[u]), int(self.offsets[u + 1]))


def phone_vocabulary(seen: set[str]) -> list[str]:
    """Order phones for tables and heatmaps: by group (PHONE_GROUPS order), then the rest alphabetically."""
    ordered = [p for members in PHONE_GROUPS.values() for p in members if p in seen]
    return ordered + sorted(seen - set(ordered))


def align(latents: LatentSet, labels: PhoneLabels, tolerance: float = 0.05,
          phones: list[str] | None = None) -> AlignedLatents:
    """Label every latent frame with its phone (see the module docstring for the rules).

    Args:
        latents: the encoded utterances.
        labels: phone tiers from :func:`read_phone_labels`.
        tolerance: seconds a TextGrid may end before the latents do.
        phones: a fixed vocabulary (to line up two models); default: the known phones seen.

    Returns:
        The aligned frames (curve direction not yet normalised; see :func:`orient`).
    """
    rate = latents.frame_rate
    utts = sorted(latents.utts)
    skipped = {u: r for u, r in labels.skipped.items() if u in latents.utts}
    per_utt: dict[str, list[str]] = {}
    intervals: dict[str, list[Interval]] = {}
    for utt in utts:
        if utt in skipped:
            continue
        if utt not in labels.intervals:
            skipped[utt] = "no TextGrid listed"
            continue
        ivs = labels.intervals[utt]
        n = latents.utts[utt].index.size
        end = max((iv.end for iv in ivs), default=0.0)
        if end < n / rate - tolerance:
            skipped[utt] = (f"TextGrid ends at {end:.3f} s but the latents cover {n / rate:.3f} s "
                            f"(> {tolerance * 1000:.0f} ms short)")
            continue
        per_utt[utt] = frame_labels(ivs, n, rate, offset=0.5, default=SILENCE)
        intervals[utt] = ivs
    seen = {lab for labs in per_utt.values() for lab in labs if lab in KNOWN_PHONES}
    vocab = list(phones) if phones is not None else phone_vocabulary(seen)
    pid = {p: i for i, p in enumerate(vocab)}
    dropped: dict[str, dict[str, int]] = {}
    lengths, idx, pos, ph, zs = [], [], [], [], []
    for utt in utts:
        lat = latents.utts[utt]
        lengths.append(lat.index.size)
        idx.append(lat.index.astype(np.int64))
        pos.append(lat.position.astype(np.float32))
        zs.append(lat.z)
        labs = per_utt.get(utt)
        if labs is None:
            ph.append(np.full(lat.index.size, -1, dtype=np.int64))
            continue
        ids = np.array([pid.get(lab, -1) for lab in labs], dtype=np.int64)
        bad = [lab for lab, i in zip(labs, ids) if i < 0]
        if bad:
            names, counts = np.unique(bad, return_counts=True)
            dropped[utt] = {str(n): int(c) for n, c in zip(names, counts)}
        ph.append(ids)
    have_z = bool(zs) and all(z is not None for z in zs)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    cat = (lambda parts, dt: np.concatenate(parts) if parts else np.zeros(0, dt))
    return AlignedLatents(
        latents=latents, utts=utts, offsets=offsets, index=cat(idx, np.int64), position=cat(pos, np.float32),
        phone=cat(ph, np.int64), phones=vocab, z=np.concatenate(zs) if have_z else None,
        intervals=intervals, skipped=skipped, dropped=dropped)


def orient(aligned: AlignedLatents) -> AlignedLatents:
    """Normalise the curve direction so silence sits at the low-index end (curves only; in place).

    The direction is reversed when the mean index of silence frames exceeds the mean index of the other
    labelled frames. Reversal maps index k -> K-1-k, position s -> (K-1) - s and reverses the codebook rows;
    no order-sensitive metric changes. Plain VQ sets are left as they are (their order is arbitrary).

    Returns:
        ``aligned`` (``flipped`` set if reversed; its ``latents`` is then a copy with the reversed codebook).
    """
    if not aligned.latents.is_curve or SILENCE not in aligned.phones:
        return aligned
    sil = aligned.phones.index(SILENCE)
    is_sil = aligned.phone == sil
    other = (aligned.phone >= 0) & ~is_sil
    if not is_sil.any() or not other.any():
        return aligned
    if aligned.index[is_sil].mean() > aligned.index[other].mean():
        k = aligned.n_indices
        aligned.index = (k - 1) - aligned.index
        aligned.position = ((k - 1) - aligned.position).astype(np.float32)
        aligned.latents = dataclasses.replace(aligned.latents, codebook=aligned.latents.codebook[::-1].copy())
        aligned.flipped = True
    return aligned
