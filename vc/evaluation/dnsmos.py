"""Naturalness proxy: DNSMOS (non-intrusive P.835 / P.808 MOS predictors).

Uses the ONNX models bundled in the ``speechmos`` package (``dnsmos_models/sig_bak_ovr.onnx``
and ``dnsmos_models/model_v8.onnx``) through its ``DNSMOS`` scorer, run by ``onnxruntime`` with
one intra-op and one inter-op thread. Input is resampled to 16 kHz and clipped to [-1, 1]; clips
shorter than 9.01 s are tiled to exactly 9.01 s (one model window); longer ones are scored by
the package over 9.01 s windows with a 1 s hop and averaged. Scores (about 1..5, higher is better): ``ovrl`` overall, ``sig`` speech signal,
``bak`` background, ``p808`` the P.808 overall model.
"""

from __future__ import annotations

import os

import librosa
import numpy as np

from .optional import require

METRIC = "naturalness (DNSMOS)"
DNSMOS_SAMPLE_RATE = 16000
WINDOW_SECONDS = 9.01
SCORE_KEYS = {"ovrl_mos": "ovrl", "sig_mos": "sig", "bak_mos": "bak", "p808_mos": "p808"}


class DnsMos:
    """DNSMOS scorer with single-threaded ONNX sessions.

    Raises:
        MetricUnavailable: onnxruntime or speechmos cannot be imported.
    """

    def __init__(self) -> None:
        ort = require("onnxruntime", "onnxruntime", METRIC)
        dn = require("speechmos.dnsmos", "speechmos", METRIC)
        base = os.path.join(os.path.dirname(os.path.abspath(dn.__file__)), "dnsmos_models")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        providers = ["CPUExecutionProvider"]
        # speechmos' DNSMOS builds sessions with default (all-core) threading; build ours and
        # reuse its feature extraction and polynomial mapping.
        scorer = dn.DNSMOS.__new__(dn.DNSMOS)
        scorer.primary_model_path = os.path.join(base, "sig_bak_ovr.onnx")
        scorer.onnx_sess = ort.InferenceSession(scorer.primary_model_path, sess_options=opts, providers=providers)
        scorer.p808_onnx_sess = ort.InferenceSession(os.path.join(base, "model_v8.onnx"), sess_options=opts,
                                                     providers=providers)
        self._scorer = scorer

    def score(self, wav: np.ndarray, sample_rate: int) -> dict[str, float]:
        """DNSMOS of one utterance.

        Args:
            wav: (samples,) mono float waveform.
            sample_rate: its rate in Hz.

        Returns:
            ``{"ovrl": float, "sig": float, "bak": float, "p808": float}``.
        """
        wav = np.asarray(wav, dtype=np.float32)
        if sample_rate != DNSMOS_SAMPLE_RATE:
            wav = librosa.resample(y=wav, orig_sr=sample_rate, target_sr=DNSMOS_SAMPLE_RATE)
        wav = np.clip(wav, -1.0, 1.0).astype(np.float32)
        if wav.size == 0:
            raise ValueError("dnsmos: empty waveform")
        window = int(WINDOW_SECONDS * DNSMOS_SAMPLE_RATE)
        if wav.size < window:  # tile to exactly one window (speechmos would tile past it: 2 windows)
            wav = np.resize(wav, window)
        out = self._scorer(wav, DNSMOS_SAMPLE_RATE, False)
        return {short: float(out[key]) for key, short in SCORE_KEYS.items()}
