"""A tiny synthetic parallel data directory for the evaluation tests (3 speakers x 3 sentences).

Speakers differ in F0 and formant scaling; sentences are different vowel sequences. Real speech
tests use the committed mini corpus instead (see ``mini_corpus_datadir``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.signal import lfilter

from vc.audio import save_audio
from vc.datadir import DataDir, read_data_dir, write_data_dir

SR = 16000
SPEAKERS = {"spkA": (110.0, 1.0), "spkB": (190.0, 1.15), "spkC": (150.0, 0.9)}
SENTENCES = {
    "s1": ("oh a bee", ((500, 900, 2400), (700, 1200, 2600), (300, 2200, 3000))),
    "s2": ("eye owe", ((700, 1200, 2600), (500, 900, 2400))),
    "s3": ("ee ah oo", ((300, 2200, 3000), (700, 1200, 2600), (350, 800, 2300))),
}


def synth(f0: float, formants: tuple, seconds: float, scale: float, seed: int) -> np.ndarray:
    """One steady vowel: pulse train through three resonators, plus a little noise."""
    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    phase = np.cumsum(np.full(n, f0) * (1 + 0.05 * np.sin(2 * np.pi * 2 * np.arange(n) / SR))) / SR
    x = lfilter([1.0], [1.0, -0.95], np.diff(np.floor(phase), prepend=0.0))
    for fc in formants:
        r = np.exp(-np.pi * 90 / SR)
        x = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * fc * scale / SR), r * r], x)
    return (x / np.max(np.abs(x)) * 0.7 + 2e-3 * rng.standard_normal(n)).astype(np.float32)


def make_datadir(root: Path) -> Path:
    """Write wavs + a Kaldi data directory under ``root``; returns the data directory path."""
    d = DataDir()
    for k, (spk, (f0, scale)) in enumerate(SPEAKERS.items()):
        for j, (sid, (text, vowels)) in enumerate(SENTENCES.items()):
            utt = f"{spk}_{sid}"
            sil = np.zeros(int(0.15 * SR), np.float32)
            parts = [sil] + [synth(f0, v, 0.25 + 0.05 * k, scale, 10 * k + j + i) for i, v in enumerate(vowels)] + [sil]
            path = root / "wav" / f"{utt}.wav"
            save_audio(path, np.concatenate(parts), SR)
            d.wav_scp[utt] = str(path)
            d.text[utt] = text
            d.utt2spk[utt] = spk
    write_data_dir(root / "data", d)
    return root / "data"


def load(root: Path) -> DataDir:
    return read_data_dir(make_datadir(root))


def test_synthetic_datadir_is_valid(tmp_path):
    from vc.datadir import validate_data_dir

    path = make_datadir(tmp_path)
    assert validate_data_dir(path) == []
    d = read_data_dir(path)
    assert d.speakers == sorted(SPEAKERS) and len(d.utts) == len(SPEAKERS) * len(SENTENCES)
