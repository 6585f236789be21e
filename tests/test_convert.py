"""Conversion: Converter API (length, rate, chunking), loading errors, and the vc-convert CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import torch

from vc.checkpoint import load_model_dir
from vc.convert import Converter
from vc.dump import FeatureDump
from vc.errors import UserError
from vc.features import LogMel
from vc.train.distributed import setup
from vc.train.toydata import make_toy_corpus, synth_utterance
from vc.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def expdir(tmp_path_factory) -> Path:
    from vc.cli.extract_features import main as extract

    root = tmp_path_factory.mktemp("conv")
    dirs = make_toy_corpus(root, n_speakers=3, n_sentences=4, n_dev=1, n_test=0, phones_per_sentence=8)
    for split in ("train", "dev"):
        args = ["--data", str(dirs[split]), "--out", str(root / "dump" / split), "--no-progress"]
        if split == "dev":
            args += ["--stats-from", str(root / "dump" / "train")]
        with pytest.raises(SystemExit):
            extract(args)
    cfg = {"model": {"encoder_channels": 16, "latent_dim": 8, "speaker_dim": 8, "decoder_channels": 16,
                     "decoder_layers": 2, "decoder_rnn_hidden": 8},
           "quantizer": {"name": "sfvq", "bits": 3},
           "training": {"steps": 16, "batch_size": 4, "segment_frames": 32, "log_every": 8, "dev_every": 16,
                        "checkpoint_every": 16},
           "vocoder": {"name": "griffin_lim", "n_iter": 8}}
    Trainer(cfg, FeatureDump(root / "dump" / "train"), FeatureDump(root / "dump" / "dev"), root / "exp",
            setup("cpu"), progress=False).train()
    return root / "exp"


@pytest.fixture(scope="module")
def converter(expdir) -> Converter:
    return Converter.from_pretrained(expdir)


def _speech(seconds: float, sr: int = 16000) -> np.ndarray:
    rng = np.random.default_rng(1)
    wav = synth_utterance(["sil", "aa", "iy", "uw", "eh", "sil"] * max(1, int(seconds / 0.72)), 140.0, 1.0, rng)
    wav = np.resize(wav, int(seconds * 16000))
    if sr != 16000:
        import librosa

        wav = librosa.resample(wav, orig_sr=16000, target_sr=sr)
    return wav.astype(np.float32)


def test_loaded_model(expdir) -> None:
    lm = load_model_dir(expdir)
    assert lm.speakers == ["spk0", "spk1", "spk2"]
    assert lm.path.name == "model.pt" and lm.step == 16
    assert lm.feature_config.n_mels == 80 and set(lm.f0_stats) == set(lm.speakers)
    assert not lm.model.training
    mel = np.random.randn(20, 80).astype(np.float32)
    np.testing.assert_allclose(lm.denormalize(lm.normalize(mel)).numpy(), mel, atol=1e-5)
    z = lm.model.encode(lm.normalize(mel)[None])
    assert z.shape == (1, 10, 8)


@pytest.mark.parametrize("sr,channels", [(16000, 1), (22050, 2), (8000, 1)])
def test_convert_length_and_rate(converter, sr: int, channels: int) -> None:
    wav = _speech(1.0, sr)
    if channels == 2:
        wav = np.stack([wav, 0.5 * wav], axis=1)
    out, out_sr = converter.convert(wav, sr, "spk1")
    assert out_sr == 16000 and out.dtype == np.float32 and out.ndim == 1
    assert abs(len(out) - round(len(wav) * 16000 / sr)) <= 1
    assert np.isfinite(out).all() and 0.5 < np.abs(out).max() <= 1.0


def test_long_input_chunks_without_seams(expdir) -> None:
    whole = Converter.from_pretrained(expdir)
    chunked = Converter.from_pretrained(expdir, chunk_frames=120, context_frames=40)
    wav = _speech(4.0)
    mel = LogMel(whole.cfg)(torch.from_numpy(wav)).numpy()
    lf0 = np.full(len(mel), np.log(140.0), np.float32)
    voiced = np.ones(len(mel), bool)
    a = whole.convert_features(mel, lf0, voiced, "spk2")
    b = chunked.convert_features(mel, lf0, voiced, "spk2")
    assert a.shape == b.shape == mel.shape
    assert float((a - b).abs().max()) < 1e-3  # the network sees enough context around each chunk
    wa = whole.vocode(a, len(wav))
    wb = chunked.vocode(a, len(wav))
    assert wa.shape == wb.shape == (len(wav),)
    # no seams: the chunked output's spectrum matches the wanted one as well near chunk joins as elsewhere
    err = (LogMel(whole.cfg)(torch.from_numpy(wb)) - a).abs().mean(dim=1).numpy()
    joins = np.array([120 + k * 119 for k in range(3)])
    near = np.concatenate([err[j - 3:j + 4] for j in joins if j + 4 < len(err)])
    assert near.mean() < 2.0 * np.median(err) + 0.05


def test_converter_errors(converter) -> None:
    with pytest.raises(UserError, match="spk0, spk1, spk2"):
        converter.convert(_speech(0.5), 16000, "nobody")
    with pytest.raises(UserError, match="silent"):
        converter.convert(np.zeros(16000, np.float32), 16000, "spk0")
    with pytest.raises(UserError, match="too short"):
        converter.convert(_speech(0.05), 16000, "spk0")
    with pytest.raises(UserError, match="NaN"):
        converter.convert(np.full(16000, np.nan, np.float32), 16000, "spk0")


def test_load_errors(tmp_path, expdir) -> None:
    with pytest.raises(UserError, match="not found"):
        load_model_dir(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match="no model.pt"):
        load_model_dir(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "model.pt").write_bytes((expdir / "model.pt").read_bytes()[:2000])
    with pytest.raises(UserError, match="corrupt"):
        load_model_dir(bad)
    torch.save({"weights": torch.zeros(3)}, bad / "model.pt")
    with pytest.raises(UserError, match="not a sfvq-vc"):
        load_model_dir(bad)


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "vc.cli.convert", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=300)


def test_cli_converts_and_lists(expdir, tmp_path) -> None:
    src = tmp_path / "src.wav"
    sf.write(src, _speech(1.0, 22050), 22050)
    r = _cli(str(src), "spk2", "--model", str(expdir), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "src_to_spk2.wav"
    info = sf.info(out)
    assert info.samplerate == 16000 and abs(info.frames - 16000) <= 1
    r = _cli("--list-speakers", "--model", str(expdir), cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.split() == ["spk0", "spk1", "spk2"]
    pairs = tmp_path / "pairs.txt"
    pairs.write_text(f"{src} spk0 {tmp_path / 'b' / 'x.wav'}\n{src} spk1 {tmp_path / 'b' / 'y.wav'}\n")
    r = _cli("--batch", str(pairs), "--model", str(expdir), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["x.wav", "y.wav"]


@pytest.mark.parametrize("case", ["unknown_speaker", "missing_model", "corrupt_model", "silent", "short",
                                  "unreadable", "missing_source", "unwritable"])
def test_cli_bad_input(expdir, tmp_path, case: str) -> None:
    good = tmp_path / "good.wav"
    sf.write(good, _speech(0.5), 16000)
    src, target, model, out = good, "spk1", expdir, tmp_path / "out.wav"
    if case == "unknown_speaker":
        target = "bob"
    elif case == "missing_model":
        model = tmp_path / "nomodel"
    elif case == "corrupt_model":
        model = tmp_path / "corrupt"
        model.mkdir()
        (model / "model.pt").write_bytes(b"garbage" * 100)
    elif case == "silent":
        src = tmp_path / "silent.wav"
        sf.write(src, np.zeros(16000, np.float32), 16000)
    elif case == "short":
        src = tmp_path / "short.wav"
        sf.write(src, _speech(0.03), 16000)
    elif case == "unreadable":
        src = tmp_path / "text.wav"
        src.write_text("not audio")
    elif case == "missing_source":
        src = tmp_path / "none.wav"
    elif case == "unwritable":
        (tmp_path / "afile").write_text("x")
        out = tmp_path / "afile" / "out.wav"  # parent is a file: cannot be created
    r = _cli(str(src), target, "--model", str(model), "-o", str(out), cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    if case == "unknown_speaker":
        assert "spk0, spk1, spk2" in lines[0]
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]  # no partial temp file
