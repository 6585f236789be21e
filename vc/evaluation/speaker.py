"""Speaker similarity from a pretrained speaker encoder (Resemblyzer's GE2E ``VoiceEncoder``).

The encoder's weights ship inside the ``resemblyzer`` pip package (``pretrained.pt``), so this
runs offline. An utterance embedding is Resemblyzer's: the waveform is resampled to 16 kHz,
volume-normalised and stripped of long pauses (``preprocess_wav``, WebRTC VAD), cut into 1.6 s
partial windows whose 256-d embeddings are averaged and L2-normalised. A speaker embedding is
the L2-normalised mean of utterance embeddings. Similarity is the cosine.
"""

from __future__ import annotations

from typing import Iterable

import librosa
import numpy as np

from .optional import require

METRIC = "speaker similarity"


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    """Cosine similarity of two vectors (D,) (0 if either is all zeros)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 0.0
    return float(a @ b / (na * nb))


def mean_embedding(embeddings: Iterable[np.ndarray]) -> np.ndarray:
    """L2-normalised mean of utterance embeddings.

    Args:
        embeddings: iterable of (D,) vectors (at least one).

    Returns:
        (D,) float32 unit vector.
    """
    stack = np.stack([np.asarray(e, dtype=np.float64) for e in embeddings])
    mean = stack.mean(axis=0)
    norm = np.linalg.norm(mean)
    return (mean / norm if norm > 0 else mean).astype(np.float32)


class SpeakerEncoder:
    """Resemblyzer ``VoiceEncoder`` on the CPU (or ``device``).

    Raises:
        MetricUnavailable: resemblyzer (or its webrtcvad / pkg_resources dependency) cannot be imported.
    """

    def __init__(self, device: str = "cpu") -> None:
        res = require("resemblyzer", "resemblyzer", METRIC)
        self._preprocess = res.preprocess_wav
        self._encoder = res.VoiceEncoder(device=device, verbose=False)
        self.sample_rate = int(res.sampling_rate)

    def embed(self, wav: np.ndarray, sample_rate: int) -> np.ndarray:
        """Embed one utterance.

        Args:
            wav: (samples,) mono float waveform.
            sample_rate: its rate in Hz.

        Returns:
            (256,) float32 unit vector.
        """
        wav = np.asarray(wav, dtype=np.float32)
        prepared = self._preprocess(wav, source_sr=sample_rate)
        if prepared.size < self.sample_rate // 4:  # the VAD removed (almost) everything: use it all
            prepared = wav
            if sample_rate != self.sample_rate:
                prepared = librosa.resample(y=wav, orig_sr=sample_rate, target_sr=self.sample_rate)
        return np.asarray(self._encoder.embed_utterance(prepared), dtype=np.float32)
