"""vc-analyze-latents end to end on encoding directories (no model needed), report and figure files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import textgrid

from vc.analysis.synthetic import synthetic_corpus
from vc.textgrids import Interval, write_textgrid

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "vc.cli.analyze_latents", *args], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("corpus")
    ordered, labels = synthetic_corpus(4000, n_indices=32, dim=4, ordered=True, seed=0)
    shuffled, _ = synthetic_corpus(4000, n_indices=32, dim=4, ordered=False, seed=0)
    ordered.save(root / "sfvq")
    shuffled.save(root / "vq")
    data = root / "data"
    (data / "tg").mkdir(parents=True)
    utts = sorted(labels.intervals)
    lines = []
    for i, utt in enumerate(utts):
        ivs = labels.intervals[utt]
        if i == 0:
            continue  # no TextGrid listed
        if i == 1:
            ivs = [iv for iv in ivs if iv.end <= ivs[-1].end / 2]  # much shorter than the audio
        if i == 2:
            ivs = ivs[:-1] + [Interval(ivs[-1].start, ivs[-1].end, "qqq")]  # an unknown phone
        write_textgrid(data / "tg" / f"{utt}.TextGrid", {"phones": ivs}, xmax=ivs[-1].end)
        lines.append(f"{utt} tg/{utt}.TextGrid\n")
    (data / "textgrid.scp").write_text("".join(lines))
    return {"root": root, "sfvq": root / "sfvq", "vq": root / "vq", "data": data, "utts": utts}


def test_compare_run_writes_everything(corpus, tmp_path):
    out, tg_out = tmp_path / "out", tmp_path / "tg"
    r = _cli("--model", str(corpus["sfvq"]), "--compare", str(corpus["vq"]), "--data", str(corpus["data"]),
             "--out", str(out), "--textgrid-out", str(tg_out), "--permutations", "100", "--nj", "2",
             "--plot-utts", corpus["utts"][4], "nosuchutt")
    assert r.returncode == 0, r.stderr
    assert "nosuchutt" in r.stderr
    assert "| adjacent-index JSD z-score (100 orders) |" in r.stdout
    payload = json.loads((out / "metrics.json").read_text())
    sfvq, vq = payload["models"]
    assert sfvq["quantizer"] == "sfvq" and vq["quantizer"] == "vq"
    assert sfvq["adjacent_jsd"]["z"] < -3 and abs(vq["adjacent_jsd"]["z"]) < 3.5
    assert sfvq["flipped"] is True
    u0, u1, u2 = corpus["utts"][:3]
    assert "no TextGrid" in sfvq["skipped"][u0] and "ends at" in sfvq["skipped"][u1]
    assert sfvq["dropped"][u2] == {"qqq": sfvq["dropped"][u2]["qqq"]} and sfvq["dropped"][u2]["qqq"] > 0
    skipped = (out / "skipped.tsv").read_text()
    assert u0 in skipped and u1 in skipped and "qqq" in skipped
    assert "skipped" in r.stderr and u0 in r.stderr
    pngs = sorted(p.name for p in out.glob("fig*.png"))
    assert pngs[0] == f"fig1_index_time_{corpus['utts'][4]}.png"
    assert len(pngs) == 7 and pngs[-1] == "fig7_phone_index.png"
    pdf = (out / "figures.pdf").read_bytes()
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") == 7  # one page per figure
    assert (out / "metrics.md").read_text().count("## Group JS distances") == 2
    grids = sorted(tg_out.glob("*.TextGrid"))
    assert len(grids) == len(corpus["utts"])
    grid = textgrid.TextGrid.fromFile(str(tg_out / f"{corpus['utts'][3]}.TextGrid"))
    assert [t.name for t in grid.tiers] == ["phones", "ordered index", "ordered position", "shuffled index",
                                            "shuffled position"]


@pytest.mark.parametrize("args, message", [
    (["--model", "/nonexistent/exp"], "model directory not found"),
    (["--permutations", "10"], "at least 100"),
    (["--group", "clicks"], "--group must be one of"),
    (["--textgrids", "/nonexistent/tg"], "--textgrids directory not found"),
])
def test_bad_input_one_line(corpus, tmp_path, capsys, args, message):
    from vc.cli.analyze_latents import main

    base = {"--model": str(corpus["sfvq"]), "--data": str(corpus["data"]), "--out": str(tmp_path / "o")}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    with pytest.raises(SystemExit) as exit_info:
        main([x for kv in base.items() for x in kv])
    err = capsys.readouterr().err
    assert exit_info.value.code == 1
    assert err.strip().startswith("error:") and message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_no_usable_labels_is_an_error(corpus, tmp_path, capsys):
    from vc.cli.analyze_latents import main

    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as info:
        main(["--model", str(corpus["sfvq"]), "--textgrids", str(tmp_path / "empty"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert info.value.code == 1
    assert err.startswith("error: no utterance of ordered has usable phone labels") and "no TextGrid" in err


def test_bad_input_through_subprocess(tmp_path):
    r = _cli("--model", str(tmp_path / "nope"), "--out", str(tmp_path / "o"))
    assert r.returncode == 1
    assert r.stderr.strip() == f"error: model directory not found: {tmp_path / 'nope'}"


def test_wrapper_script_runs(corpus, tmp_path):
    r = subprocess.run([sys.executable, "tools/analyze_latents.py", "--model", str(corpus["vq"]), "--data",
                        str(corpus["data"]), "--out", str(tmp_path), "--no-figures", "--permutations", "100"],
                       capture_output=True, text=True, cwd=ROOT, env=ENV, timeout=300)
    assert r.returncode == 0, r.stderr
    m = json.loads((tmp_path / "metrics.json").read_text())["models"][0]
    assert m["quantizer"] == "vq" and not m["flipped"]
    assert not list(tmp_path.glob("*.png"))
    assert np.isfinite(m["adjacent_jsd"]["z"])
