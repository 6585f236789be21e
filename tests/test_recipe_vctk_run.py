"""End to end: the VCTK recipe from data prep to converted speech on a small tree in the exact 0.92 layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import soundfile as sf

from vc.datadir import read_scp

REPO = Path(__file__).resolve().parents[1]
RECIPE = REPO / "recipes" / "vctk"


@pytest.mark.slow
def test_recipe_stage0_to_conversion(tmp_path: Path) -> None:
    pytest.importorskip("pocketsphinx")
    db, work, gold = tmp_path / "db", tmp_path / "work", tmp_path / "gold"
    tree = subprocess.run(
        [sys.executable, str(RECIPE / "local" / "make_test_tree.py"), "--src", str(REPO / "recipes" / "mini" / "corpus"),
         "--out", str(db), "--speakers", "4", "--utts-per-speaker", "5", "--textgrids-out", str(gold)],
        capture_output=True, text=True, timeout=300)
    assert tree.returncode == 0, tree.stderr
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    common = ["--db-root", str(db), "--workdir", str(work), "--nj", "1", "--conf", "conf/tiny.yaml",
              "--num-heldout", "1", "--dev-per-speaker", "1", "--test-per-speaker", "1"]
    proc = subprocess.run(["bash", str(RECIPE / "run.sh"), "--stage", "0", "--stop-stage", "6", "--aligner", "builtin",
                           *common], capture_output=True, text=True, env=env, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = proc.stdout
    assert "skipped 5 utterance(s) without a transcript (p228: 5)" in out
    assert "phone alignment with 'builtin'" in out and "alignments: 15/15 utterances" in out

    data, exp = work / "data", work / "exp" / "sfvq_tiny"
    assert len(read_scp(data / "all" / "textgrid.scp")) == 15
    assert (work / "dump" / "test" / "textgrid.scp").is_file()
    summary = json.loads((exp / "summary.json").read_text())
    assert summary["step"] == 20 and summary["quantizer"] == "sfvq"
    assert (exp / "model.pt").is_file() and (exp / "posthoc_sfvq.pt").is_file()
    metrics = json.loads((exp / "analysis" / "joint" / "metrics.json").read_text())
    assert metrics  # the analysis ran on the aligned test utterances
    assert (exp / "analysis" / "posthoc" / "metrics.json").is_file()
    pairs = (exp / "convert" / "pairs.txt").read_text().splitlines()
    assert len(pairs) == 4  # p225->p226, p226->p225, held-out p227->p225 (one or two test utterances each)
    for line in pairs:
        src, target, dest = line.split()
        info = sf.info(dest)
        assert info.samplerate == 16000 and info.frames > 0
        assert abs(info.duration - sf.info(src).duration) < 0.1

    # Re-running alignment with existing TextGrids (as from Montreal Forced Aligner) replaces them.
    again = subprocess.run(["bash", str(RECIPE / "run.sh"), "--stage", "1", "--stop-stage", "1",
                            "--textgrid-dir", str(gold), *common], capture_output=True, text=True, env=env, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "phone alignment with 'textgrids'" in again.stdout
    scp = read_scp(data / "all" / "textgrid.scp")
    assert len(scp) == 15 and all(Path(p).is_relative_to(gold) for p in scp.values())
