"""Kaldi data directories: round trip, strict reader, validator messages, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from vc.datadir import DataDir, read_data_dir, read_scp, resolve_path, validate_data_dir, write_data_dir, write_scp
from vc.errors import UserError
from vc.textgrids import Interval, write_textgrid


def _make(tmp_path: Path, n_per_spk: int = 2) -> Path:
    """A valid data dir with relative audio/TextGrid paths (resolved against the data dir)."""
    audio = tmp_path / "corpus"
    audio.mkdir()
    d = DataDir()
    for spk in ("spkB", "spkA"):  # unsorted on purpose
        for i in range(n_per_spk):
            utt = f"{spk}_{i:02d}"
            x = 0.3 * np.sin(2 * np.pi * 150 * np.arange(8000) / 16000)
            sf.write(str(audio / f"{utt}.flac"), x, 16000)
            write_textgrid(audio / f"{utt}.TextGrid", {"phones": [Interval(0.1, 0.4, "AA1")]}, xmax=0.5)
            d.wav_scp[utt] = f"../corpus/{utt}.flac"
            d.textgrid_scp[utt] = f"../corpus/{utt}.TextGrid"
            d.text[utt] = "hello world" if i else ""
            d.utt2spk[utt] = spk
    write_data_dir(tmp_path / "data", d)
    return tmp_path / "data"


def test_round_trip_sorted(tmp_path: Path) -> None:
    path = _make(tmp_path)
    d = read_data_dir(path)
    assert d.utts == ["spkA_00", "spkA_01", "spkB_00", "spkB_01"]
    assert d.speakers == ["spkA", "spkB"]
    assert d.spk2utt == {"spkA": ["spkA_00", "spkA_01"], "spkB": ["spkB_00", "spkB_01"]}
    assert (path / "spk2utt").read_text() == "spkA spkA_00 spkA_01\nspkB spkB_00 spkB_01\n"
    assert (path / "wav.scp").read_text().splitlines()[0] == "spkA_00 ../corpus/spkA_00.flac"
    assert (path / "text").read_text().splitlines()[:2] == ["spkA_00", "spkA_01 hello world"]
    assert d.text["spkA_00"] == "" and d.text["spkA_01"] == "hello world"
    assert d.wav_path("spkA_00").is_file() and d.textgrid_path("spkA_00").is_file()
    assert d.textgrid_path("nope") is None
    write_data_dir(tmp_path / "copy", d)
    again = read_data_dir(tmp_path / "copy")
    assert (again.wav_scp, again.text, again.utt2spk, again.textgrid_scp) == (d.wav_scp, d.text, d.utt2spk, d.textgrid_scp)
    sub = d.subset(["spkB_01"])
    assert sub.utts == ["spkB_01"] and sub.speakers == ["spkB"] and sub.root == d.root
    assert validate_data_dir(path) == []


def test_write_removes_stale_optional_files(tmp_path: Path) -> None:
    path = _make(tmp_path)
    d = read_data_dir(path)
    d.text, d.textgrid_scp = {}, {}
    write_data_dir(path, d)
    assert not (path / "text").exists() and not (path / "textgrid.scp").exists()
    assert validate_data_dir(path) == []


@pytest.mark.parametrize(
    "d, words",
    [
        (DataDir(wav_scp={"a": "a.wav"}, utt2spk={}), "utt2spk and wav.scp differ"),
        (DataDir(wav_scp={"a": "a.wav"}, utt2spk={"a": "s"}, text={"b": "x"}), "text has utterance 'b'"),
        (DataDir(wav_scp={"a b": "a.wav"}, utt2spk={"a b": "s"}), "invalid key"),
        (DataDir(wav_scp={"a": "a\n.wav"}, utt2spk={"a": "s"}), "newline"),
    ],
)
def test_write_rejects(tmp_path: Path, d: DataDir, words: str) -> None:
    with pytest.raises(UserError, match=words):
        write_data_dir(tmp_path / "x", d)


def test_resolve_path(tmp_path: Path) -> None:
    assert resolve_path("/abs/x.wav", tmp_path) == Path("/abs/x.wav")
    assert resolve_path("rel/x.wav", tmp_path) == tmp_path / "rel/x.wav"
    assert resolve_path("rel/x.wav", None) == Path("rel/x.wav")


def _edit(path: Path, name: str, fn) -> None:
    f = path / name
    f.write_text(fn(f.read_text()))


# Each case: (file to edit, edit, expected fragment incl. file:line when the problem has a line).
CASES = {
    "unsorted": ("utt2spk", lambda s: "\n".join([s.splitlines()[1], s.splitlines()[0], *s.splitlines()[2:]]) + "\n",
                 "utt2spk:2: not sorted: 'spkA_00' comes after 'spkA_01'"),
    "duplicate": ("wav.scp", lambda s: s + s.splitlines()[-1] + "\n", "wav.scp:5: duplicate key 'spkB_01' (first on line 4)"),
    "fields": ("utt2spk", lambda s: s.replace("spkA_01 spkA", "spkA_01 spkA extra"), "utt2spk:2: expected 2 fields, got 3"),
    "one_field": ("wav.scp", lambda s: s.replace("spkA_01 ../corpus/spkA_01.flac", "spkA_01"), "wav.scp:2: expected 2+ fields, got 1"),
    "empty_line": ("text", lambda s: s.replace("\n", "\n\n", 1), "text:2: empty line"),
    "missing_audio": ("wav.scp", lambda s: s.replace("spkB_00.flac", "gone.flac"), "wav.scp:3: 'spkB_00': audio file not found"),
    "corrupt_audio": ("wav.scp", lambda s: s.replace("../corpus/spkB_00.flac", "../corpus/spkB_00.TextGrid"),
                      "wav.scp:3: 'spkB_00': cannot read audio file"),
    "piped": ("wav.scp", lambda s: s.replace("../corpus/spkA_00.flac", "sox x.wav -t wav - |"), "wav.scp:1: 'spkA_00': piped"),
    "no_speaker": ("utt2spk", lambda s: "".join(s.splitlines(True)[1:]), "wav.scp:1: utterance 'spkA_00' has no utt2spk entry"),
    "extra_speaker": ("utt2spk", lambda s: s + "spkC_00 spkC\n", "utt2spk:5: utterance 'spkC_00' is not in wav.scp"),
    "extra_text": ("text", lambda s: s + "zzz hi\n", "text:5: utterance 'zzz' is not in wav.scp"),
    "no_textgrid": ("textgrid.scp", lambda s: "".join(s.splitlines(True)[:-1]), "wav.scp:4: utterance 'spkB_01' has no textgrid.scp entry"),
    "missing_textgrid": ("textgrid.scp", lambda s: s.replace("spkA_01.TextGrid", "x.TextGrid"),
                         "textgrid.scp:2: 'spkA_01': TextGrid not found"),
    "bad_spk2utt": ("spk2utt", lambda s: s.replace(" spkA_01", ""), "spk2utt:1: speaker 'spkA' does not match utt2spk"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_validator_reports_file_and_line(tmp_path: Path, case: str) -> None:
    path = _make(tmp_path)
    name, edit, expected = CASES[case]
    _edit(path, name, edit)
    problems = validate_data_dir(path)
    assert any(f"{path / expected.split(':', 1)[0]}:{expected.split(':', 1)[1]}" in p for p in problems), problems


def test_validator_textgrid_checks(tmp_path: Path) -> None:
    path = _make(tmp_path)
    corpus = tmp_path / "corpus"
    write_textgrid(corpus / "spkA_00.TextGrid", {"phones": [Interval(0.0, 0.3, "AA1")]}, xmax=0.3)  # 200 ms short
    write_textgrid(corpus / "spkA_01.TextGrid", {"words": [Interval(0.0, 0.5, "hat")]}, xmax=0.5)
    write_textgrid(corpus / "spkB_00.TextGrid", {"phones": [Interval(0.0, 0.5, "QQ")]}, xmax=0.5)
    problems = validate_data_dir(path)
    assert len(problems) == 3, problems
    assert f"{path / 'textgrid.scp'}:1: 'spkA_00'" in problems[0] and "off by 200 ms" in problems[0]
    assert f"{path / 'textgrid.scp'}:2: 'spkA_01'" in problems[1] and "no 'phones' tier" in problems[1]
    assert f"{path / 'textgrid.scp'}:3: 'spkB_00'" in problems[2] and "unknown phone labels 'qq'" in problems[2]
    assert validate_data_dir(path, check_textgrids=False) == []


def test_missing_things(tmp_path: Path) -> None:
    assert "not found" in validate_data_dir(tmp_path / "nodir")[0]
    path = _make(tmp_path)
    (path / "utt2spk").unlink()
    assert any("utt2spk: missing (required)" in p for p in validate_data_dir(path))
    with pytest.raises(UserError, match="missing file"):
        read_data_dir(path)
    with pytest.raises(UserError, match="data directory not found"):
        read_data_dir(tmp_path / "nodir")


def test_strict_reader_names_line(tmp_path: Path) -> None:
    path = _make(tmp_path)
    _edit(path, "wav.scp", lambda s: s + "spkA_00 dup.flac\n")
    with pytest.raises(UserError, match=r"wav.scp:5: duplicate key 'spkA_00'"):
        read_data_dir(path)
    write_scp(tmp_path / "m", {"b": "2", "a": "1"})
    assert read_scp(tmp_path / "m") == {"a": "1", "b": "2"}
    assert (tmp_path / "m").read_text() == "a 1\nb 2\n"


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vc.cli.validate_data_dir", *args], capture_output=True, text=True)


def test_cli(tmp_path: Path) -> None:
    path = _make(tmp_path)
    ok = _cli(str(path))
    assert ok.returncode == 0 and "ok (4 utterances, 2 speakers" in ok.stdout, ok.stderr
    _edit(path, "wav.scp", lambda s: s.replace("spkB_00.flac", "gone.flac"))
    _edit(path, "utt2spk", lambda s: s + "zzz spkZ\n")
    bad = _cli(str(path))
    assert bad.returncode == 1
    assert "wav.scp:3: 'spkB_00': audio file not found" in bad.stdout
    assert "utt2spk:5: utterance 'zzz' is not in wav.scp" in bad.stdout
    assert bad.stderr.strip().startswith("error: ") and "problem(s) found" in bad.stderr
    assert "Traceback" not in bad.stderr
