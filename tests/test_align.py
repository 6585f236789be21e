"""The built-in aligner (pocketsphinx) on mini-corpus utterances, and the vc-align command."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pocketsphinx")

from vc.align import AlignmentFailed, PocketsphinxAligner  # noqa: E402
from vc.align.scoring import boundary_errors  # noqa: E402
from vc.audio import load_audio  # noqa: E402
from vc.datadir import DataDir, read_scp, write_data_dir  # noqa: E402
from vc.phones import KNOWN_PHONES  # noqa: E402
from vc.textgrids import check_textgrid, read_tier  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "recipes" / "mini" / "corpus"
# Two engines (flite clustergen, festival HTS played slower) whose gold timings are exact.
UTTS = ("flite-slt_h0110", "fest-sltlow_h0101")


@pytest.fixture(scope="module")
def manifest() -> dict[str, dict[str, str]]:
    if not (CORPUS / "manifest.tsv").is_file():
        pytest.fail(f"mini corpus missing: {CORPUS}/manifest.tsv")
    with open(CORPUS / "manifest.tsv", encoding="utf-8", newline="") as f:
        return {row["utt_id"]: row for row in csv.DictReader(f, delimiter="\t")}


@pytest.fixture(scope="module")
def aligner() -> PocketsphinxAligner:
    return PocketsphinxAligner()


def _wav(row: dict[str, str]):
    return load_audio(CORPUS / row["audio"], 16000)


@pytest.mark.parametrize("utt", UTTS)
def test_phone_boundaries_near_gold(utt: str, manifest, aligner) -> None:
    row = manifest[utt]
    result = aligner.align(_wav(row), row["text"])
    gold = read_tier(CORPUS / row["textgrid"], "phones")
    errors, n_ref = boundary_errors(gold, result.phones)
    assert errors.size >= 0.9 * n_ref
    assert errors.mean() <= 0.020, f"mean boundary error {errors.mean() * 1000:.1f} ms"
    assert (errors <= 0.020).mean() >= 0.7
    # Words in transcript order, tiers contiguous over the whole audio, labels normalised.
    assert [iv.label for iv in result.words if iv.label] == row["text"].lower().rstrip(".").split()
    for tier in (result.words, result.phones):
        assert tier[0].start == 0.0 and tier[-1].end == pytest.approx(result.duration)
        assert all(a.end == pytest.approx(b.start) for a, b in zip(tier, tier[1:]))
    assert {iv.label for iv in result.phones} <= KNOWN_PHONES
    assert result.phones[0].label == "sil"


def test_decoder_reuse_gives_the_same_alignment(manifest) -> None:
    """The front end is reset per pass: a reused decoder must not depend on the previous utterance."""
    first, second = (manifest[u] for u in UTTS)
    reused = PocketsphinxAligner()
    reused.align(_wav(first), first["text"])
    again = reused.align(_wav(second), second["text"])
    fresh = PocketsphinxAligner().align(_wav(second), second["text"])
    assert again.phones == fresh.phones and again.words == fresh.words


def test_oov_policies(manifest, aligner) -> None:
    row = manifest[UTTS[0]]
    text = row["text"].replace("stockings", "zorblaxes")
    with pytest.raises(AlignmentFailed, match="out-of-vocabulary words: zorblaxes"):
        aligner.align(_wav(row), text)
    result = PocketsphinxAligner(oov="spn").align(_wav(row), text)
    assert result.oov == ["zorblaxes"]
    assert "zorblaxes" in [iv.label for iv in result.words]
    assert "spn" in [iv.label for iv in result.phones]


def test_empty_transcript_and_short_audio_fail(manifest, aligner) -> None:
    row = manifest[UTTS[0]]
    with pytest.raises(AlignmentFailed, match="no words"):
        aligner.align(_wav(row), " ... ")
    with pytest.raises(AlignmentFailed, match="too short"):
        aligner.align(_wav(row)[:800], row["text"])


def _data_dir(tmp_path: Path, manifest, texts: dict[str, str]) -> Path:
    d = DataDir(
        wav_scp={u: str(CORPUS / manifest[u]["audio"]) for u in texts},
        text={u: t for u, t in texts.items() if t},
        utt2spk={u: manifest[u]["speaker"] for u in texts},
    )
    write_data_dir(tmp_path / "data", d)
    return tmp_path / "data"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vc.cli.align", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=600)


@pytest.mark.parametrize("nj", [1, 2])
def test_cli_writes_textgrids_and_lists_failures(tmp_path: Path, manifest, nj: int) -> None:
    ok, no_text, oov = "flite-slt_h0110", "flite-awb_h0101", "flite-awb_h0102"
    data = _data_dir(tmp_path, manifest, {
        ok: manifest[ok]["text"],
        no_text: "",
        oov: manifest[oov]["text"].replace("sheet", "shtreeble"),
    })
    out = tmp_path / "tg"
    proc = _run("--data", str(data), "--out", str(out), "--nj", str(nj), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "aligned 1/3 utterances" in proc.stdout
    assert "out-of-vocabulary words (1 types" in proc.stdout and "shtreeble (1)" in proc.stdout
    assert "2 utterance(s) failed" in proc.stderr
    scp = read_scp(out / "textgrid.scp")
    assert list(scp) == [ok]
    tg = Path(scp[ok])
    assert tg == out.resolve() / "flite-slt" / f"{ok}.TextGrid"
    assert check_textgrid(tg, float(manifest[ok]["duration"]), tolerance=0.01) == []
    assert [iv.label for iv in read_tier(tg, "words") if iv.label][:2] == ["a", "large"]
    failed = dict(line.split(" ", 1) for line in (out / "failed.txt").read_text().splitlines())
    assert failed == {no_text: "no transcript", oov: "out-of-vocabulary words: shtreeble"}
    assert (out / "oov.txt").read_text() == "shtreeble 1\n"

    # A second run keeps the finished TextGrid (resumable).
    before = tg.stat().st_mtime_ns
    again = _run("--data", str(data), "--out", str(out), "--quiet")
    assert again.returncode == 0 and "1 kept from an earlier run" in again.stdout
    assert tg.stat().st_mtime_ns == before


def test_cli_fails_when_nothing_aligns(tmp_path: Path, manifest) -> None:
    utt = "flite-slt_h0101"
    data = _data_dir(tmp_path, manifest, {utt: "qwxz vbnmq"})
    proc = _run("--data", str(data), "--out", str(tmp_path / "tg"), "--quiet")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1].startswith("error: no utterance of")
    assert "Traceback" not in proc.stderr


def test_cli_bad_input(tmp_path: Path) -> None:
    proc = _run("--data", str(tmp_path / "nope"), "--out", str(tmp_path / "tg"))
    assert proc.returncode == 1 and proc.stderr.startswith("error: data directory not found")
