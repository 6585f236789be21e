"""A tiny synthetic parallel multi-speaker corpus (source-filter vowels) for tests and smoke runs.

Each "sentence" is a fixed random sequence of vowels (formant targets) and pauses; each speaker
says every sentence with its own F0 range and vocal-tract scaling (formants times a factor), so
speakers differ the way real ones do (pitch and timbre) while the content is shared.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from vc.datadir import DataDir, write_data_dir

# (F1, F2, F3) in Hz of a few vowels of an adult male voice
VOWELS = {"aa": (730, 1090, 2440), "iy": (270, 2290, 3010), "uw": (300, 870, 2240), "eh": (530, 1840, 2480),
          "ao": (570, 840, 2410), "ae": (660, 1720, 2410)}
SR = 16000


def _resonate(x: np.ndarray, freq: float, bw: float) -> np.ndarray:
    from scipy.signal import lfilter

    r = np.exp(-np.pi * bw / SR)
    a = [1.0, -2 * r * np.cos(2 * np.pi * freq / SR), r * r]
    return lfilter([1.0 - r], a, x)


def synth_utterance(phones: list[str], f0: float, scale: float, rng: np.random.Generator,
                    seg_seconds: float = 0.12) -> np.ndarray:
    """Synthesize one utterance.

    Args:
        phones: vowel names of :data:`VOWELS` or ``"sil"``.
        f0: mean F0 in Hz (a slow declination and vibrato are added).
        scale: formant scaling (vocal-tract length).
        rng: random generator (noise, jitter).
        seg_seconds: duration of each phone.

    Returns:
        (samples,) float32 waveform at 16 kHz, peak 0.9.
    """
    n_seg = int(seg_seconds * SR)
    out = []
    phase = 0.0
    for k, ph in enumerate(phones):
        t = np.arange(n_seg) / SR
        if ph == "sil":
            out.append(0.001 * rng.standard_normal(n_seg))
            continue
        f = f0 * (1.0 + 0.05 * np.sin(2 * np.pi * 3 * (t + k * seg_seconds))) * (1 - 0.1 * k / len(phones))
        ph_acc = phase + 2 * np.pi * np.cumsum(f) / SR
        phase = float(ph_acc[-1])
        pulses = (np.diff(np.floor(ph_acc / (2 * np.pi)), prepend=np.floor((ph_acc[0] - 1e-9) / (2 * np.pi))) > 0)
        src = pulses.astype(np.float64) + 0.02 * rng.standard_normal(n_seg)
        y = np.zeros(n_seg)
        for i, fm in enumerate(VOWELS[ph]):
            y += _resonate(src, fm * scale, 80 + 40 * i) / (i + 1)
        env = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.02)
        out.append(y * env)
    wav = np.concatenate(out)
    return (0.9 * wav / (np.abs(wav).max() + 1e-9)).astype(np.float32)


def make_toy_corpus(root: str | os.PathLike, n_speakers: int = 3, n_sentences: int = 8, n_dev: int = 2,
                    n_test: int = 2, phones_per_sentence: int = 10, seed: int = 0) -> dict[str, Path]:
    """Write FLAC files and Kaldi data dirs ``train``, ``dev``, ``test`` (parallel sentences).

    Utterance ids are ``spkN_sK``. The last ``n_dev + n_test`` sentences go to dev and test.

    Args:
        root: output directory.
        n_speakers: speakers (F0 from 100 to 220 Hz, formant scale from 0.9 to 1.2).
        n_sentences: sentences per speaker (all speakers say all of them).
        n_dev: sentences for dev.
        n_test: sentences for test.
        phones_per_sentence: phones per sentence.
        seed: random seed.

    Returns:
        ``{"train": path, "dev": path, "test": path}``.
    """
    import soundfile as sf

    root = Path(root)
    rng = np.random.default_rng(seed)
    names = list(VOWELS)
    sentences = []
    for _ in range(n_sentences):
        seq = ["sil"] + [names[i] for i in rng.integers(0, len(names), phones_per_sentence)] + ["sil"]
        sentences.append(seq)
    splits = {"train": range(0, n_sentences - n_dev - n_test),
              "dev": range(n_sentences - n_dev - n_test, n_sentences - n_test),
              "test": range(n_sentences - n_test, n_sentences)}
    dirs = {}
    for split, idx in splits.items():
        d = DataDir()
        for s in range(n_speakers):
            f0 = 100 + 120 * s / max(n_speakers - 1, 1)
            scale = 0.9 + 0.3 * s / max(n_speakers - 1, 1)
            for k in idx:
                utt = f"spk{s}_s{k:02d}"
                path = root / "audio" / f"{utt}.flac"
                path.parent.mkdir(parents=True, exist_ok=True)
                sf.write(str(path), synth_utterance(sentences[k], f0, scale, rng), SR)
                d.wav_scp[utt] = str(path.resolve())
                d.utt2spk[utt] = f"spk{s}"
                d.text[utt] = " ".join(sentences[k])
        write_data_dir(root / split, d)
        dirs[split] = root / split
    return dirs
