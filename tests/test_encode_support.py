"""Helpers (no tests) for the encode / fit-sfvq / analysis tests: a tiny corpus, dump and untrained models."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

from sfvq.fit import FitConfig, fit
from vc.checkpoint import model_payload, save_checkpoint
from vc.datadir import write_scp
from vc.dump import save_features, write_feature_config, write_stats
from vc.features import FeatureConfig, log_mel
from vc.model import build_model
from vc.textgrids import Interval, write_textgrid

REPO = Path(__file__).resolve().parents[1]
SR = 16000
TINY_MODEL = {"encoder_channels": 16, "latent_dim": 8, "speaker_dim": 4, "decoder_channels": 16,
              "decoder_layers": 1, "decoder_rnn_hidden": 8}
PHONES = ["sil", "aa", "s", "m", "iy", "t"]


def _segment(phone: str, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / SR
    if phone == "sil":
        return 0.002 * rng.normal(size=n)
    if phone in ("s", "t"):
        return (0.3 if phone == "s" else 0.6) * rng.normal(size=n)
    base = {"aa": 180.0, "m": 120.0, "iy": 240.0}[phone]
    return sum(np.sin(2 * np.pi * base * h * t) / h for h in (1, 2, 3, 5)) * 0.3


def make_corpus(root: Path, n_utts: int = 6, seed: int = 0) -> Path:
    """A data directory with wav.scp, utt2spk, textgrid.scp; phones are audibly different signals."""
    rng = np.random.default_rng(seed)
    data = root / "data"
    (data / "wav").mkdir(parents=True, exist_ok=True)
    wav_scp, utt2spk, tg_scp = {}, {}, {}
    for u in range(n_utts):
        utt = f"spk{u % 2}_u{u:02d}"
        seq = ["sil"] + [PHONES[1 + int(i)] for i in rng.integers(0, len(PHONES) - 1, 8)] + ["sil"]
        durs = rng.integers(4, 12, len(seq)) * 0.01 * 2
        ends = np.round(np.cumsum(durs), 2)
        wav = np.concatenate([_segment(p, int(round(d * SR)), rng) for p, d in zip(seq, durs)]).astype(np.float32)
        sf.write(data / "wav" / f"{utt}.wav", wav, SR)
        starts = np.concatenate([[0.0], ends[:-1]])
        write_textgrid(data / "wav" / f"{utt}.TextGrid",
                       {"phones": [Interval(float(s), float(e), p.upper()) for s, e, p in zip(starts, ends, seq)]},
                       xmax=float(ends[-1]))
        wav_scp[utt], utt2spk[utt], tg_scp[utt] = f"wav/{utt}.wav", f"spk{u % 2}", f"wav/{utt}.TextGrid"
    write_scp(data / "wav.scp", wav_scp)
    write_scp(data / "utt2spk", utt2spk)
    write_scp(data / "textgrid.scp", tg_scp)
    return data


def make_dump(data: Path, dump: Path) -> Path:
    """A feature dump of ``data`` (log-mel as the data layer computes it; F0 left at zero)."""
    from vc.audio import load_audio
    from vc.datadir import read_data_dir

    cfg = FeatureConfig()
    d = read_data_dir(data)
    feats, mels = {}, []
    for utt in d.utts:
        mel = log_mel(load_audio(d.wav_path(utt), cfg.sample_rate), cfg)
        n = mel.shape[0]
        save_features(dump / "feats" / f"{utt}.npz", mel, np.zeros(n, np.float32), np.zeros(n, bool))
        feats[utt] = f"feats/{utt}.npz"
        mels.append(mel)
    write_scp(dump / "feats.scp", feats)
    write_scp(dump / "utt2spk", d.utt2spk)
    allm = np.concatenate(mels)
    write_stats(dump, allm.mean(0), allm.std(0), {s: {"mean": 5.0, "std": 0.2} for s in d.speakers})
    write_feature_config(dump, cfg)
    return dump


def save_tiny_model(expdir: Path, quantizer: str, dump: Path, bits: int = 4) -> Path:
    """An untrained tiny model whose quantizer is fitted (MSE, full growth schedule) to its encoder outputs."""
    from vc.dump import FeatureDump

    torch.manual_seed(0)
    config = {"model": dict(TINY_MODEL), "quantizer": {"name": quantizer, "bits": bits}}
    fd = FeatureDump(dump)
    model = build_model(config, len(fd.speakers), 80).eval()
    mean, std = fd.mel_stats
    with torch.no_grad():
        z = torch.cat([model.encode(torch.from_numpy((fd.load(u)["mel"] - mean) / std)[None])[0] for u in fd.utts])
    fit(model.quantizer, z, FitConfig(epochs_per_stage=2, batch_size=32))
    model.eval()
    payload = model_payload(model, config, fd.speakers, (mean, std), fd.f0_stats, fd.feature_config, step=0)
    save_checkpoint(expdir / "model.pt", payload)
    return expdir


def run_cli(module: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``python -m vc.cli.<module> ARGS`` on one thread."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg", "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", f"vc.cli.{module}", *args], capture_output=True, text=True,
                          cwd=REPO, env=env, timeout=timeout)
