"""``vc-evaluate`` end to end with two tiny untrained models on the synthetic parallel set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from test_evaluation_data import make_datadir
from vc.checkpoint import model_payload, save_checkpoint
from vc.evaluation.report import read_results_csv
from vc.features import FeatureConfig
from vc.model import build_model

REPO = Path(__file__).resolve().parents[1]
TINY = {"model": {"encoder_channels": 32, "latent_dim": 8, "speaker_dim": 8, "decoder_channels": 32,
                  "decoder_layers": 1, "decoder_rnn_hidden": 16},
        "quantizer": {"name": "sfvq", "bits": 4}}


def _save_model(expdir: Path, quantizer: str, speakers: list[str]) -> None:
    torch.manual_seed(0)
    config = {"model": dict(TINY["model"]), "quantizer": {"name": quantizer, "bits": 4}}
    model = build_model(config, len(speakers), 80)
    fc = FeatureConfig()
    payload = model_payload(model, config, speakers, (np.zeros(80, np.float32), np.ones(80, np.float32)),
                            {s: (5.0, 0.2) for s in speakers}, fc, step=0)
    save_checkpoint(expdir / "model.pt", payload)


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "vc.cli.evaluate", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("evalcli")
    data = make_datadir(root)
    _save_model(root / "exp" / "sfvq", "sfvq", ["spkA", "spkB"])
    _save_model(root / "exp" / "vq", "vq", ["spkA", "spkB", "spkC"])
    return root, data


def test_cli_two_models_side_by_side(setup):
    root, data = setup
    out = root / "eval"
    res = _run(["--model", str(root / "exp" / "sfvq"), "--compare", str(root / "exp" / "vq"), "--data", str(data),
                "--out", str(out), "--pairs", "3", "--seed", "1", "--metrics", "mcd,f0", "--quiet"], root)
    assert res.returncode == 0, res.stderr
    rows = read_results_csv(out / "results.csv")
    assert [r["model"] for r in rows] == ["sfvq"] * 3 + ["vq"] * 3
    assert [(r["source_utt"], r["target_spk"]) for r in rows[:3]] == [(r["source_utt"], r["target_spk"]) for r in rows[3:]]
    assert {r["target_spk"] for r in rows} <= {"spkA", "spkB"}  # speakers both models know
    assert all(float(r["mcd_conv_target"]) > 0 for r in rows)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["pairs"] == 3 and summary["seed"] == 1 and set(summary["models"]) == {"sfvq", "vq"}
    assert len(list((out / "wav" / "vq").glob("*.wav"))) == 3
    assert "MCD converted vs target" in res.stdout and "| sfvq | vq |" in res.stdout


@pytest.mark.parametrize("args, message", [
    (["--metrics", "mcd,bogus"], "unknown bogus"),
    (["--pairs", "0"], "--pairs must be positive"),
    (["--model", "/nonexistent/exp"], "model directory not found"),
])
def test_cli_user_errors(setup, args, message):
    root, data = setup
    base = {"--model": str(root / "exp" / "sfvq"), "--data": str(data), "--out": str(root / "bad")}
    for k, v in zip(args[::2], args[1::2]):
        base[k] = v
    res = _run([x for kv in base.items() for x in kv], root)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert res.stderr.strip().splitlines()[-1].startswith("error:") and message in res.stderr


def test_tools_wrapper_help():
    res = subprocess.run([sys.executable, str(REPO / "tools" / "evaluate.py"), "--help"], capture_output=True,
                         text=True, timeout=120, env=dict(os.environ, OMP_NUM_THREADS="1"))
    assert res.returncode == 0 and "--compare" in res.stdout and "--pairs" in res.stdout
