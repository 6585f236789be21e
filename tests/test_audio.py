"""Audio loading over every libsndfile format we support, and its error messages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vc.audio import PEAK_LEVEL, audio_duration, load_audio, save_audio
from vc.errors import UserError

FORMATS = [
    ("wav", "PCM_U8"),
    ("wav", "PCM_16"),
    ("wav", "PCM_24"),
    ("wav", "PCM_32"),
    ("wav", "FLOAT"),
    ("wav", "DOUBLE"),
    ("flac", "PCM_16"),
    ("flac", "PCM_24"),
    ("flac", "PCM_S8"),
]


def _tone(sr: int, seconds: float = 0.5, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    return amp * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize("ext, subtype", FORMATS)
@pytest.mark.parametrize("sr", [8000, 16000, 44100])
@pytest.mark.parametrize("channels", [1, 2])
def test_every_format_rate_and_channel_count(tmp_path: Path, ext: str, subtype: str, sr: int, channels: int) -> None:
    tone = _tone(sr)
    data = np.stack([tone, 0.5 * tone], axis=1) if channels == 2 else tone
    path = tmp_path / f"x.{ext}"
    sf.write(str(path), data, sr, subtype=subtype)
    wav = load_audio(path, 16000, peak_normalize=False)
    assert wav.dtype == np.float32 and wav.ndim == 1
    assert abs(len(wav) - 8000) <= 1
    expected = _tone(16000)[: len(wav)] * (0.75 if channels == 2 else 1.0)  # downmix = channel mean
    inner = slice(200, len(wav) - 200)  # resampler edge effects
    tol = 0.02 if subtype in ("PCM_U8", "PCM_S8") else 2e-3
    assert np.abs(wav[inner] - expected[inner]).max() < tol
    norm = load_audio(path, 16000)
    assert np.isclose(np.abs(norm).max(), PEAK_LEVEL, atol=1e-6)
    assert np.allclose(norm, wav * (PEAK_LEVEL / np.abs(wav).max()), atol=1e-6)


def _write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _bad_file(kind: str, d: Path) -> Path:
    if kind == "missing":
        return d / "nope.wav"
    if kind == "directory":
        (d / "dir.wav").mkdir()
        return d / "dir.wav"
    if kind == "garbage":
        return _write_bytes(d / "garbage.wav", np.random.default_rng(0).bytes(4000))
    if kind == "text":
        return _write_bytes(d / "text.flac", b"this is not audio\n" * 10)
    if kind == "truncated":
        sf.write(str(d / "full.wav"), _tone(16000), 16000)
        return _write_bytes(d / "trunc.wav", (d / "full.wav").read_bytes()[:30])
    if kind == "empty":
        sf.write(str(d / "empty.wav"), np.zeros(0), 16000)
        return d / "empty.wav"
    if kind == "zero_bytes":
        return _write_bytes(d / "zero.wav", b"")
    if kind == "silent":
        sf.write(str(d / "silent.flac"), np.zeros(16000), 16000)
        return d / "silent.flac"
    if kind == "nan":
        sf.write(str(d / "nan.wav"), np.full(1000, np.nan), 16000, subtype="FLOAT")
        return d / "nan.wav"
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind, words",
    [
        ("missing", "not found"),
        ("directory", "not a file"),
        ("garbage", "cannot read audio"),
        ("text", "cannot read audio"),
        ("truncated", "cannot read audio"),
        ("empty", "empty"),
        ("zero_bytes", "cannot read audio"),
        ("silent", "silent"),
        ("nan", "NaN"),
    ],
)
def test_bad_files_give_user_error_naming_file(tmp_path: Path, kind: str, words: str) -> None:
    path = _bad_file(kind, tmp_path)
    with pytest.raises(UserError, match=words) as info:
        load_audio(path, 16000)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)


def test_too_short(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    sf.write(str(path), _tone(16000)[:300], 16000)
    assert len(load_audio(path, 16000, min_samples=300)) == 300
    with pytest.raises(UserError, match="too short") as info:
        load_audio(path, 16000, min_samples=400)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("ext, subtype", [("wav", None), ("wav", "FLOAT"), ("flac", "PCM_24")])
def test_save_round_trip_atomic(tmp_path: Path, ext: str, subtype: str | None) -> None:
    x = _tone(16000).astype(np.float32)
    x[10] = 1.5  # clipped for integer formats
    path = tmp_path / "sub" / f"out.{ext}"
    save_audio(path, x, 16000, subtype=subtype)
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    back, sr = sf.read(str(path), dtype="float32")
    assert sr == 16000 and len(back) == len(x)
    if subtype == "FLOAT":
        assert back[10] == pytest.approx(1.5)
    else:
        assert back[10] <= 1.0
    assert np.abs(back[100:] - x[100:]).max() < 1e-3
    assert audio_duration(path) == pytest.approx(0.5)
    with pytest.raises(UserError, match="not found"):
        audio_duration(tmp_path / "missing.flac")
