"""The mini recipe's shell parts: option parsing, the job runner, the conversion list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from vc.datadir import DataDir, write_data_dir

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "mini"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(RECIPE / "run.sh"), *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args,message", [
    (["--bogus"], "unknown option '--bogus'"),
    (["--stage", "x"], "--stage must be a non-negative integer"),
    (["--nj", "-1"], "--nj must be a non-negative integer"),
    (["--conf", "conf/none.yaml"], "config not found"),
])
def test_bad_options_fail_before_any_work(args: list[str], message: str) -> None:
    r = _run(*args)
    assert r.returncode == 1
    assert message in r.stderr
    if "unknown option" in message:
        assert "valid options: --stage --stop-stage --nj --conf --tag" in r.stderr
    assert "=== stage" not in r.stdout


def test_help_lists_options() -> None:
    r = _run("--help")
    assert r.returncode == 0 and "--stop-stage" in r.stdout


def test_script_is_strict_and_sources_path() -> None:
    text = (RECIPE / "run.sh").read_text()
    assert "set -euo pipefail" in text
    assert ". ./path.sh" in text and ". ./cmd.sh" in text
    path_sh = (RECIPE / "path.sh").read_text()
    assert "tools/bootstrap.sh" in path_sh and ".venv/bin/activate" in path_sh
    for conf in (RECIPE / "conf").glob("*.yaml"):
        import yaml

        cfg = yaml.safe_load(conf.read_text())
        assert {"features", "model", "quantizer", "training", "vocoder"} <= set(cfg), conf


@pytest.mark.parametrize("status", [0, 3])
def test_run_job_logs_command_and_status(tmp_path, status: int) -> None:
    log = tmp_path / "sub" / "job.log"
    r = subprocess.run(["bash", str(RECIPE / "local" / "run_job.sh"), str(log), "bash", "-c",
                        f"echo hello; exit {status}"], capture_output=True, text=True, timeout=60)
    assert r.returncode == status
    text = log.read_text()
    assert text.startswith("# bash -c") and "hello" in text and f"# exit status {status}" in text
    assert ("job failed" in r.stderr) == (status != 0)


def test_make_pairs_targets_other_speakers(tmp_path) -> None:
    d = DataDir()
    for spk in ("a", "b", "c", "d"):
        for sent in ("s1", "s2"):
            utt = f"{spk}_{sent}"
            d.wav_scp[utt] = f"wav/{utt}.wav"
            d.utt2spk[utt] = spk
    write_data_dir(tmp_path / "test", d)
    (tmp_path / "speakers.txt").write_text("a\nb\nc\nd\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, str(RECIPE / "local" / "make_pairs.py"), "--data", str(tmp_path / "test"),
                        "--speakers", str(tmp_path / "speakers.txt"), "--per-utt", "2", "--outdir",
                        str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    lines = [line.split() for line in r.stdout.splitlines()]
    assert len(lines) == 16
    for src, target, out in lines:
        utt = Path(src).stem
        assert target != utt.split("_")[0]
        assert Path(src).is_absolute() and src.endswith(f"test/wav/{utt}.wav")
        assert out == str((tmp_path / "out" / f"{utt}_to_{target}.wav").resolve())
    counts = {t: sum(1 for _, x, _ in lines if x == t) for t in "abcd"}
    assert set(counts.values()) == {4}
