"""The embedded mini corpus: integrity check, Kaldi data prep, and a broken copy caught."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vc.datadir import read_data_dir, validate_data_dir
from vc.phones import group_of
from vc.textgrids import read_tier

MINI = Path(__file__).resolve().parents[1] / "recipes" / "mini"
CORPUS = MINI / "corpus"


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(MINI / "local" / script), *args], capture_output=True, text=True
    )


def test_corpus_passes_its_own_check() -> None:
    result = _run("check_corpus.py", "--corpus", str(CORPUS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_catches_a_textgrid_that_does_not_match_its_audio(tmp_path: Path) -> None:
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy)
    victim = sorted((copy / "textgrids").rglob("*.TextGrid"))[0]
    text = victim.read_text(encoding="utf-8")
    # Stretch the whole grid's end by half a second: it no longer matches its audio.
    match = re.search(r"xmax = ([0-9.]+)", text)
    assert match is not None
    stretched = text.replace(match.group(0), f"xmax = {float(match.group(1)) + 0.5}", 1)
    victim.write_text(stretched, encoding="utf-8")
    result = _run("check_corpus.py", "--corpus", str(copy))
    assert result.returncode != 0
    assert victim.stem in result.stdout + result.stderr


def test_prepare_data_writes_valid_parallel_splits(tmp_path: Path) -> None:
    result = _run("prepare_data.py", "--corpus", str(CORPUS), "--out", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    sets = {name: read_data_dir(tmp_path / "data" / name) for name in ("train", "dev", "test", "heldout")}
    for name, d in sets.items():
        assert validate_data_dir(tmp_path / "data" / name) == [], name
        assert len(d.utts) > 0
    train_spk = set(sets["train"].speakers)
    assert len(train_spk) >= 8
    assert set(sets["test"].speakers) == train_spk == set(sets["dev"].speakers)
    assert not set(sets["heldout"].speakers) & train_spk
    # Dev/test sentences are unseen in training; each test sentence is spoken by every training speaker.
    train_text = set(sets["train"].text.values())
    assert not set(sets["test"].text.values()) & train_text
    for sentence in set(sets["test"].text.values()):
        speakers = {sets["test"].utt2spk[u] for u, t in sets["test"].text.items() if t == sentence}
        assert speakers == train_spk


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("mini") / "data"
    result = _run("prepare_data.py", "--corpus", str(CORPUS), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return read_data_dir(out / "train")


@pytest.mark.parametrize("index", [0, 100, 300])
def test_gold_phones_cover_the_broad_groups(train_dir, index: int) -> None:
    utt = train_dir.utts[index]
    d = train_dir
    phones = [iv.label for iv in read_tier(d.textgrid_path(utt))]
    groups = {group_of(p) for p in phones}
    assert "silence" in groups and "vowels" in groups
    assert all(p == "sil" or group_of(p) is not None or p in {"ax", "dx", "q"} for p in phones), phones

