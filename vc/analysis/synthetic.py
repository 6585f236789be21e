"""Synthetic latent corpora with known arrangement, for tests and the analysis benchmark.

An "ordered" corpus places each phone's indices in a block of the curve (phones in group order, so groups
form contiguous regions), the codebook is a smooth random walk (neighbouring corners close), and the
continuous latents lie near their corner. An unordered corpus is the same corpus with the codebook's rows
relabelled by a random permutation, which is what a plain VQ looks like to the order-sensitive metrics.
"""

from __future__ import annotations

import numpy as np

from vc.analysis.alignment import PhoneLabels
from vc.analysis.latents import LatentSet, UttLatents
from vc.phones import PHONE_GROUPS, SILENCE
from vc.textgrids import Interval


def synthetic_corpus(n_frames: int = 20000, n_indices: int = 256, dim: int = 16, ordered: bool = True,
                     seed: int = 0, frame_rate: float = 50.0, spread: float = 1.0, with_z: bool = True,
                     name: str | None = None) -> tuple[LatentSet, PhoneLabels]:
    """Make utterances of random phones with latents whose order is known.

    Args:
        n_frames: total latent frames (about; utterances are whole).
        n_indices: K.
        dim: latent dimension D.
        ordered: True: curve order (SFVQ-like); False: index labels permuted (VQ-like).
        seed: RNG seed (the same seed gives the same phones and frames for both orders).
        frame_rate: latent frames per second.
        spread: a phone's index standard deviation in units of its block width.
        with_z: also make continuous latents (T, D).
        name: the set's display name.

    Returns:
        (latents, labels): a LatentSet ("sfvq" if ordered else "vq") and the matching phone intervals.
    """
    rng = np.random.default_rng(seed)
    phones = [p for members in PHONE_GROUPS.values() for p in members]
    n_ph = len(phones)
    width = n_indices / n_ph
    centre = (np.arange(n_ph) + 0.5) * width
    codebook = np.cumsum(rng.normal(size=(n_indices, dim)) * 0.3, axis=0).astype(np.float32)
    perm = np.arange(n_indices) if ordered else np.random.default_rng(seed + 1).permutation(n_indices)
    sil = phones.index(SILENCE)
    latents = LatentSet(name=name or ("ordered" if ordered else "shuffled"),
                        quantizer="sfvq" if ordered else "vq", n_indices=n_indices,
                        codebook=np.empty_like(codebook), frame_rate=frame_rate)
    latents.codebook[perm] = codebook
    labels = PhoneLabels()
    total, u = 0, 0
    while total < n_frames:
        n_seg = int(rng.integers(15, 40))
        seg_ph = rng.integers(0, n_ph, n_seg)
        seg_ph[0] = seg_ph[-1] = sil
        seg_len = rng.integers(2, 9, n_seg)
        frame_ph = np.repeat(seg_ph, seg_len)
        t = frame_ph.size
        raw = np.rint(centre[frame_ph] + rng.normal(size=t) * spread * width)
        index = np.clip(raw, 0, n_indices - 1).astype(np.int64)
        position = np.clip(centre[frame_ph] + rng.normal(size=t) * spread * width, 0, n_indices - 1)
        z = None
        if with_z:
            z = (codebook[index] + rng.normal(size=(t, dim)).astype(np.float32) * 0.1).astype(np.float32)
        utt = f"utt{u:05d}"
        latents.utts[utt] = UttLatents(index=perm[index], position=position.astype(np.float32)
                                       if ordered else perm[index].astype(np.float32), z=z)
        bounds = np.concatenate([[0], np.cumsum(seg_len)]) / frame_rate
        labels.intervals[utt] = [Interval(float(bounds[i]), float(bounds[i + 1]), phones[p])
                                 for i, p in enumerate(seg_ph)]
        total += t
        u += 1
    return latents, labels
