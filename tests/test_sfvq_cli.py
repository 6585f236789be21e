"""sfvq-train and sfvq-plot end to end on tiny runs, and their one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from sfvq.checkpoint import load_quantizer
from sfvq.cli import plot as plot_cli
from sfvq.cli import train as train_cli

ROOT = Path(__file__).resolve().parents[1]


def run(module: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def assert_one_line_error(returncode: int, stderr: str, fragment: str) -> None:
    assert returncode == 1, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0], stderr
    assert "Traceback" not in stderr


@pytest.fixture(scope="module")
def pentagon_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SFVQ through the real console entry (subprocess), VQ in-process (same main)."""
    out = tmp_path_factory.mktemp("toy")
    common = ["--data", "pentagon", "--num-samples", "1500", "--bits", "4", "--epochs-per-stage", "1", "--lr", "0.01"]
    done = run("sfvq.cli.train", *common, "--kind", "sfvq", "--out", str(out / "sfvq"))
    assert done.returncode == 0, done.stderr
    assert "held-out MSE" in done.stdout
    assert train_cli.main([*common, "--kind", "vq", "--no-progress", "--out", str(out / "vq")]) == 0
    return out


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
def test_train_writes_log_and_checkpoint(pentagon_runs: Path, kind: str) -> None:
    records = [json.loads(line) for line in (pentagon_runs / kind / "log.jsonl").read_text().splitlines()]
    assert len(records) == 3  # SFVQ: 3 stages × 1 epoch; VQ: one stage with the same 3-epoch budget
    assert records[-1]["corners"] == 16 and len(records[-1]["usage"]) == 16
    q, meta = load_quantizer(pentagon_runs / kind / "model.pt")
    assert q.active_corners == 16 and q.dim == 2
    umask = os.umask(0)
    os.umask(umask)
    for name in ("model.pt", "log.jsonl"):  # atomic writes keep the usual file mode, not mkstemp's 0600
        assert (pentagon_runs / kind / name).stat().st_mode & 0o777 == 0o666 & ~umask
    assert meta["data"]["source"] == "pentagon" and meta["heldout_mse"] == pytest.approx(records[-1]["heldout_mse"])


def test_plot_training_and_compare(pentagon_runs: Path) -> None:
    fig = pentagon_runs / "fig"
    code = plot_cli.main(["training", "--log", str(pentagon_runs / "sfvq" / "log.jsonl"),
                          "--checkpoint", str(pentagon_runs / "sfvq" / "model.pt"), "--out", str(fig / "sfvq")])
    assert code == 0
    done = run("sfvq.cli.plot", "compare", "--vq", str(pentagon_runs / "vq" / "model.pt"),
               "--sfvq", str(pentagon_runs / "sfvq" / "model.pt"), "--out", str(fig / "cmp"))
    assert done.returncode == 0, done.stderr
    for name in ("sfvq_curves", "sfvq_usage", "cmp"):
        for ext, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
            path = fig / f"{name}.{ext}"
            assert path.read_bytes()[:4] == magic and path.stat().st_size > 5000


def test_train_on_npy_file(tmp_path: Path) -> None:
    data = np.random.default_rng(0).normal(size=(800, 5)).astype(np.float32)
    np.save(tmp_path / "x.npy", data)
    code = train_cli.main(["--data", str(tmp_path / "x.npy"), "--kind", "sfvq", "--bits", "3", "--no-progress",
                           "--epochs-per-stage", "1", "--gradient", "nsvq", "--out", str(tmp_path / "run")])
    assert code == 0
    q, meta = load_quantizer(tmp_path / "run" / "model.pt")
    assert q.dim == 5 and q.gradient == "nsvq" and meta["data"]["num_samples"] == 800
    assert torch.isfinite(q.codebook).all()


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda p: np.save(p, np.zeros((4, 3, 2), np.float32)), "expected a non-empty 2-D array"),
        (lambda p: np.save(p, np.array([[0.0, np.nan]], np.float32)), "NaN or inf"),
        (lambda p: p.write_text("not numpy"), "cannot read as .npy"),
    ],
)
def test_train_bad_npy(tmp_path: Path, make, fragment: str, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "bad.npy"
    make(path)
    code = train_cli.main(["--data", str(path), "--out", str(tmp_path / "o")])
    assert_one_line_error(code, capsys.readouterr().err, fragment)
    assert not (tmp_path / "o" / "model.pt").exists()


def test_errors_through_the_interpreter(tmp_path: Path) -> None:
    """Exit status 1 and one stderr line, no traceback, from a real process."""
    np.save(tmp_path / "cube.npy", np.zeros((2, 2, 2), np.float32))
    done = run("sfvq.cli.train", "--data", str(tmp_path / "cube.npy"), "--out", str(tmp_path / "o"))
    assert_one_line_error(done.returncode, done.stderr, "expected a non-empty 2-D array (N, D), got shape (2, 2, 2)")


@pytest.mark.parametrize(
    "main, argv, fragment",
    [
        (train_cli.main, ["--data", "gaussian", "--bits", "0", "--out", "{tmp}/o"], "bits"),
        (train_cli.main, ["--data", "pentagon", "--dim", "3", "--out", "{tmp}/o"], "2-D only"),
        (train_cli.main, ["--data", "nowhere.npy", "--out", "{tmp}/o"], "no such file"),
        (train_cli.main, ["--data", "gaussian", "--kind", "pq", "--out", "{tmp}/o"], "invalid choice"),
        (plot_cli.main, ["training", "--log", "{tmp}/none.jsonl", "--out", "{tmp}/f"], "log not found"),
        (plot_cli.main, ["compare", "--vq", "{tmp}/a.pt", "--sfvq", "{tmp}/b.pt", "--out", "{tmp}/f"], "checkpoint not found"),
    ],
)
def test_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture, main, argv: list[str], fragment: str) -> None:
    try:
        code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    except SystemExit as stop:  # argparse usage errors exit from inside parse_args
        code = stop.code
    assert_one_line_error(code, capsys.readouterr().err, fragment)
