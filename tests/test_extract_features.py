"""vc-extract-features end to end: layout, stats, resume, parallel, failures, --stats-from."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vc.datadir import DataDir, read_data_dir, write_data_dir
from vc.dump import FeatureDump, load_features
from vc.features import FeatureConfig

SPEAKER_F0 = {"low": 110.0, "mid": 160.0, "high": 240.0}
FORMATS = [("flac", "PCM_16", 16000, 1), ("wav", "PCM_24", 22050, 2), ("wav", "FLOAT", 8000, 1)]


def _voice(f0: float, sr: int, seconds: float, seed: int) -> np.ndarray:
    """A vowel-like harmonic tone with vibrato and a silent lead-in."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.03 * np.sin(2 * np.pi * 3 * t))) / sr
    x = sum(np.sin(k * phase) / k for k in range(1, 6))
    x[: sr // 20] = 0.0
    return 0.3 * x / np.abs(x).max() + 1e-4 * rng.standard_normal(len(t))


def _corpus(root: Path, n_utts: int = 2) -> Path:
    audio = root / "audio"
    audio.mkdir(parents=True)
    d = DataDir()
    for s, (spk, f0) in enumerate(SPEAKER_F0.items()):
        for i in range(n_utts):
            ext, subtype, sr, ch = FORMATS[(s + i) % len(FORMATS)]
            x = _voice(f0, sr, 0.4 + 0.1 * i, seed=10 * s + i)
            if ch == 2:
                x = np.stack([x, 0.5 * x], axis=1)
            utt = f"{spk}_{i}"
            sf.write(str(audio / f"{utt}.{ext}"), x, sr, subtype=subtype)
            d.wav_scp[utt], d.utt2spk[utt] = str(audio / f"{utt}.{ext}"), spk
    write_data_dir(root / "data", d)
    return root / "data"


def _extract(data: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "vc.cli.extract_features", "--data", str(data), "--out", str(out), "--no-progress", *extra]
    return subprocess.run(cmd, capture_output=True, text=True)


def _snapshot(out: Path) -> dict:
    """Everything a consumer reads from a dump, as comparable values."""
    dump = FeatureDump(out)
    snap = {"scp": (out / "feats.scp").read_text(), "utt2spk": (out / "utt2spk").read_text(),
            "spk2utt": (out / "spk2utt").read_text(), "f0": (out / "f0_stats.json").read_text(),
            "cfg": (out / "feature_config.yaml").read_text()}
    mean, std = dump.mel_stats
    snap["mel_stats"] = (mean.tobytes(), std.tobytes())
    for utt in dump.utts:
        snap[utt] = {k: v.tobytes() for k, v in dump.load(utt).items()}
    return snap


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fresh")
    data = _corpus(root)
    res = _extract(data, root / "dump")
    assert res.returncode == 0, res.stderr
    return data, root / "dump"


def test_layout_and_stats(fresh: tuple[Path, Path]) -> None:
    data, out = fresh
    dump = FeatureDump(out)
    assert dump.utts == sorted(f"{s}_{i}" for s in SPEAKER_F0 for i in range(2))
    assert dump.speakers == sorted(SPEAKER_F0) and dump.spk2utt["low"] == ["low_0", "low_1"]
    assert dump.feature_config == FeatureConfig()
    assert (out / "feats.scp").read_text().splitlines()[0] == "high_0 feats/high_0.npz"
    mels, voiced_lf0 = [], {s: [] for s in SPEAKER_F0}
    for utt in dump.utts:
        feats = dump.load(utt)
        seconds = 0.4 + 0.1 * int(utt[-1])
        assert feats["mel"].shape == (1 + int(round(seconds * 16000)) // 160, 80)
        assert feats["mel"].dtype == np.float32 and feats["voiced"].dtype == bool
        assert feats["log_f0"].shape == feats["voiced"].shape == (feats["mel"].shape[0],)
        assert feats["voiced"].mean() > 0.7
        mels.append(feats["mel"])
        voiced_lf0[dump.utt2spk[utt]].append(feats["log_f0"][feats["voiced"]])
    allmel = np.concatenate(mels).astype(np.float64)
    mean, std = dump.mel_stats
    np.testing.assert_allclose(mean, allmel.mean(0), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(std, np.maximum(allmel.std(0), 1e-3), rtol=1e-4, atol=1e-5)
    raw = json.loads((out / "f0_stats.json").read_text())
    for spk, f0 in SPEAKER_F0.items():
        m, s = dump.f0_stats[spk]
        lf0 = np.concatenate(voiced_lf0[spk]).astype(np.float64)
        assert m == pytest.approx(lf0.mean(), abs=1e-5) and s == pytest.approx(lf0.std(), abs=1e-5)
        assert abs(np.exp(m) / f0 - 1) < 0.02  # vibrato is symmetric around f0
        assert raw[spk]["voiced_frames"] == lf0.size


def test_resume_equals_fresh(fresh: tuple[Path, Path], tmp_path: Path) -> None:
    data, out = fresh
    resumed = tmp_path / "dump"
    shutil.copytree(out, resumed)
    # Simulate an interrupted run: scp/stats never written, half of the utterances missing.
    for name in ("feats.scp", "mel_stats.npz", "f0_stats.json", "utt2spk", "spk2utt"):
        (resumed / name).unlink()
    kept = sorted((resumed / "feats").glob("*.npz"))
    for npz in kept[::2]:
        npz.unlink()
    (resumed / "feats" / ".low_0.abc.tmp.npz").write_bytes(b"partial")  # leftover of a killed write
    kept = {p: p.stat().st_mtime_ns for p in kept[1::2]}
    res = _extract(data, resumed, "--nj", "2")
    assert res.returncode == 0, res.stderr
    assert "3 computed, 3 reused" in res.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # finished ones not recomputed
    assert not list((resumed / "feats").glob(".*.tmp.npz"))
    assert _snapshot(resumed) == _snapshot(out)


def test_failures_listed_nothing_half_written(tmp_path: Path) -> None:
    data = _corpus(tmp_path, n_utts=1)
    audio = tmp_path / "audio"
    sf.write(str(audio / "silent.wav"), np.zeros(8000), 16000)
    short = 0.5 * np.sin(np.arange(160) * 0.1)  # 160 samples < one 400-sample frame
    sf.write(str(audio / "short.flac"), short, 16000)
    (audio / "corrupt.wav").write_bytes(b"RIFF0000WAVEjunk" * 20)
    bad = {"x_missing": audio / "missing.wav", "x_silent": audio / "silent.wav", "x_short": audio / "short.flac",
           "x_corrupt": audio / "corrupt.wav"}
    d = read_data_dir(data)
    good = d.subset(d.utts)
    for utt, path in bad.items():
        d.wav_scp[utt], d.utt2spk[utt] = str(path), "bad"
    write_data_dir(data, d)
    out = tmp_path / "dump"
    res = _extract(data, out)
    assert res.returncode == 1
    assert "4 of 7 utterances failed" in res.stderr and "Traceback" not in res.stderr
    for utt, reason in [("x_missing", "not found"), ("x_silent", "silent"), ("x_short", "too short"),
                        ("x_corrupt", "cannot read audio")]:
        line = next(ln for ln in res.stderr.splitlines() if ln.strip().startswith(utt))
        assert str(bad[utt]) in line and reason in line, line
    assert res.stderr.strip().splitlines()[-1].startswith("error: ")
    for name in ("feats.scp", "mel_stats.npz", "f0_stats.json", "utt2spk"):
        assert not (out / name).exists()
    assert len(list((out / "feats").glob("*.npz"))) == 3  # good ones kept for the next run
    # Fix the data dir (drop the bad entries): the rerun reuses the three finished utterances.
    write_data_dir(data, good)
    res = _extract(data, out)
    assert res.returncode == 0 and "0 computed, 3 reused" in res.stderr, res.stderr


def test_config_section_stats_from_and_mismatch(fresh: tuple[Path, Path], tmp_path: Path) -> None:
    data, train = fresh
    conf = tmp_path / "conf.yaml"
    conf.write_text("model: {dim: 3}\nfeatures:\n  n_mels: 40\n  fmin: 0\n")
    small = tmp_path / "small"
    res = _extract(data, small, "--config", str(conf))
    assert res.returncode == 0, res.stderr
    assert FeatureDump(small).load("low_0")["mel"].shape[1] == 40
    # Same --out, different config: refused.
    res = _extract(data, small)
    assert res.returncode == 1 and "different feature config" in res.stderr
    # --stats-from with a mismatching config: refused; with the matching one: mel stats copied.
    res = _extract(data, tmp_path / "dev_bad", "--config", str(conf), "--stats-from", str(train))
    assert res.returncode == 1 and "different feature config" in res.stderr
    dev = _corpus(tmp_path / "dev", n_utts=1)
    res = _extract(dev, tmp_path / "dev_dump", "--stats-from", str(train))
    assert res.returncode == 0, res.stderr
    got, want = FeatureDump(tmp_path / "dev_dump"), FeatureDump(train)
    for a, b in zip(got.mel_stats, want.mel_stats):
        np.testing.assert_array_equal(a, b)
    assert set(got.f0_stats) == set(SPEAKER_F0) and got.f0_stats != want.f0_stats  # F0 stats are this set's own


def test_bad_arguments(tmp_path: Path) -> None:
    res = _extract(tmp_path / "nodata", tmp_path / "out")
    assert res.returncode == 1 and "data directory not found" in res.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("features: {n_mel: 3}\n")
    data = _corpus(tmp_path, n_utts=1)
    res = _extract(data, tmp_path / "out", "--config", str(bad))
    assert res.returncode == 1 and "unknown option 'n_mel'" in res.stderr


@pytest.mark.parametrize(
    "text, words",
    [(None, "config file not found"), ("a: [1, 2\n", "invalid YAML"), ("- 1\n- 2\n", "top level must be a mapping")],
)
def test_load_config_errors(tmp_path: Path, text: str | None, words: str) -> None:
    from vc.config import load_config
    from vc.errors import UserError

    path = tmp_path / "c.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(UserError, match=words) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_load_save_config_round_trip(tmp_path: Path) -> None:
    from vc.config import load_config, save_config

    save_config(tmp_path / "c.yaml", {"features": FeatureConfig().to_dict(), "b": [1, 2]})
    assert load_config(tmp_path / "c.yaml") == {"features": FeatureConfig().to_dict(), "b": [1, 2]}
    (tmp_path / "empty.yaml").write_text("")
    assert load_config(tmp_path / "empty.yaml") == {}


def test_feature_dump_errors(fresh: tuple[Path, Path], tmp_path: Path) -> None:
    from vc.errors import UserError

    _, out = fresh
    with pytest.raises(UserError, match="feature dump not found"):
        FeatureDump(tmp_path / "missing")
    with pytest.raises(UserError, match="no feats.scp"):
        FeatureDump(tmp_path)
    dump = FeatureDump(out)
    with pytest.raises(UserError, match="not in"):
        dump.load("nobody")
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"junk")
    with pytest.raises(UserError, match=f"cannot read feature file {broken}"):
        load_features(broken)
    np.savez(broken, mel=np.zeros((3, 80), np.float32), log_f0=np.zeros(2, np.float32), voiced=np.zeros(3, bool))
    with pytest.raises(UserError, match="frame counts differ"):
        load_features(broken)
