"""Audio I/O: load anything libsndfile reads as mono float32 at a fixed rate; atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import librosa
import numpy as np
import soundfile as sf

from vc.errors import UserError
from vc.fileio import atomic_path

__all__ = ["PEAK_LEVEL", "SILENCE_PEAK", "load_audio", "save_audio", "audio_duration"]

#: Peak amplitude after peak normalisation (a little headroom below full scale).
PEAK_LEVEL = 0.95
#: A file whose peak is below this (about -100 dBFS) counts as silent.
SILENCE_PEAK = 1e-5


def _read(path: Path) -> tuple[np.ndarray, int]:
    if not path.exists():
        raise UserError(f"audio file not found: {path}")
    if not path.is_file():
        raise UserError(f"audio path is not a file: {path}")
    try:
        data, sr = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as err:  # LibsndfileError (a RuntimeError subclass), TypeError on odd headers
        msg = " ".join(str(err).split())
        raise UserError(f"cannot read audio file {path}: {msg}") from None
    return data, int(sr)


def load_audio(
    path: str | os.PathLike, sample_rate: int, peak_normalize: bool = True, min_samples: int = 1
) -> np.ndarray:
    """Load an audio file as mono float32 at ``sample_rate``.

    Any format libsndfile reads (WAV 8/16/24/32-bit integer or float, FLAC, OGG, AIFF, ...).
    Channels are averaged; the signal is resampled with soxr (``librosa.resample``), then
    scaled so its peak is :data:`PEAK_LEVEL` if ``peak_normalize``.

    Args:
        path: the audio file.
        sample_rate: target rate in Hz.
        peak_normalize: scale to a peak of :data:`PEAK_LEVEL`.
        min_samples: minimum length after resampling (e.g. one analysis window).

    Returns:
        ``(samples,)`` float32 array.

    Raises:
        UserError: missing, unreadable/corrupt, empty, non-finite, silent, or shorter than
            ``min_samples``; the message names the file.
    """
    path = Path(path)
    data, sr = _read(path)
    if data.shape[0] == 0:
        raise UserError(f"audio file is empty (0 samples): {path}")
    wav = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if not np.all(np.isfinite(wav)):
        raise UserError(f"audio file contains NaN or infinite samples: {path}")
    if float(np.max(np.abs(wav))) < SILENCE_PEAK:
        raise UserError(f"audio file is silent (peak below {SILENCE_PEAK:g}): {path}")
    if sr != sample_rate:
        wav = librosa.resample(wav, orig_sr=sr, target_sr=sample_rate, res_type="soxr_hq")
    wav = np.ascontiguousarray(wav, dtype=np.float32)
    if wav.shape[0] < min_samples:
        raise UserError(
            f"audio file too short: {wav.shape[0]} samples at {sample_rate} Hz, need at least {min_samples}: {path}"
        )
    if peak_normalize:
        wav *= PEAK_LEVEL / float(np.max(np.abs(wav)))
    return wav


def audio_duration(path: str | os.PathLike) -> float:
    """Duration in seconds from the file header (no decoding).

    Raises:
        UserError: missing or unreadable file.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"audio file not found: {path}")
    try:
        info = sf.info(str(path))
    except Exception as err:
        raise UserError(f"cannot read audio file {path}: {' '.join(str(err).split())}") from None
    return info.frames / info.samplerate


def save_audio(path: str | os.PathLike, wav: np.ndarray, sample_rate: int, subtype: str | None = None) -> None:
    """Write a mono or ``(samples, channels)`` signal atomically; format from the suffix.

    Integer subtypes (the default for ``.wav`` is 16-bit PCM, for ``.flac`` 16-bit) are clipped
    to [-1, 1] first.

    Args:
        path: output file (``.wav``, ``.flac``, ...).
        wav: ``(samples,)`` or ``(samples, channels)`` float array.
        sample_rate: rate in Hz.
        subtype: soundfile subtype such as ``"PCM_24"`` or ``"FLOAT"``; None for the format default.
    """
    wav = np.asarray(wav, dtype=np.float32)
    fmt = Path(path).suffix.lstrip(".").upper()
    chosen = subtype
    if chosen is None and fmt in sf.available_formats():
        chosen = sf.default_subtype(fmt)
    if chosen is None or not (chosen.startswith("FLOAT") or chosen.startswith("DOUBLE")):
        wav = np.clip(wav, -1.0, 1.0)
    with atomic_path(path) as tmp:
        sf.write(str(tmp), wav, sample_rate, subtype=subtype)
