"""Training: loss falls, growth schedule, exact resume, CLI errors, DDP replicas in sync."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

from vc.dump import FeatureDump
from vc.errors import UserError
from vc.train.distributed import setup
from vc.train.logbook import read_log
from vc.train.schedule import growth_steps, lr_lambda, replacement_due
from vc.train.toydata import make_toy_corpus
from vc.train.trainer import Trainer

ROOT = Path(__file__).resolve().parents[1]


def tiny_config(quantizer: str = "sfvq", steps: int = 60, **training) -> dict:
    return {
        "model": {"encoder_channels": 24, "latent_dim": 8, "speaker_dim": 8, "decoder_channels": 24,
                  "decoder_layers": 2, "decoder_rnn_hidden": 8, "jitter": 0.5},
        "quantizer": {"name": quantizer, "bits": 4, "replace_every": 10, "grow_until": 0.5},
        "training": {"steps": steps, "batch_size": 4, "segment_frames": 32, "lr": 3e-3, "log_every": 10,
                     "dev_every": 30, "checkpoint_every": 20, "keep_checkpoints": 2, **training},
    }


@pytest.fixture(scope="module")
def dumps(tmp_path_factory) -> dict[str, Path]:
    from vc.cli.extract_features import main as extract

    root = tmp_path_factory.mktemp("toy")
    dirs = make_toy_corpus(root, n_speakers=3, n_sentences=6, n_dev=1, n_test=1, phones_per_sentence=8)
    out = {}
    for split in ("train", "dev"):
        args = ["--data", str(dirs[split]), "--out", str(root / "dump" / split), "--no-progress"]
        if split != "train":
            args += ["--stats-from", str(root / "dump" / "train")]
        with pytest.raises(SystemExit) as e:
            extract(args)
        assert e.value.code == 0
        out[split] = root / "dump" / split
    return out


def _train(dumps, exp: Path, cfg: dict, resume: bool = False, until: int | None = None) -> dict:
    t = Trainer(cfg, FeatureDump(dumps["train"]), FeatureDump(dumps["dev"]), exp, setup("cpu"),
                resume=resume, progress=False)
    return t.train(until=until)


def test_schedules() -> None:
    assert growth_steps({"grow_until": 0.5, "grow_steps": None}, 1000, 4, 256) == [83, 167, 250, 333, 417, 500]
    assert growth_steps({"grow_until": 0.5, "grow_steps": None}, 1000, 256, 256) == []
    assert growth_steps({"grow_until": 0.5, "grow_steps": [5, 9]}, 100, 4, 16) == [5, 9]
    with pytest.raises(UserError):
        growth_steps({"grow_until": 0.5, "grow_steps": [5]}, 100, 4, 16)
    q = {"replace_every": 100, "replace_until": 0.8}
    assert [s for s in range(1, 1001) if replacement_due(q, s, 1000)] == [100 * i for i in range(1, 9)]
    f = lr_lambda({"steps": 100, "warmup_steps": 0, "lr_gamma": 0.5, "lr_milestones": [0.6, 0.8]})
    assert [f(s) for s in (0, 59, 60, 79, 80, 99)] == [1, 1, 0.5, 0.5, 0.25, 0.25]


def test_loss_falls_growth_reaches_full_size_and_outputs(dumps, tmp_path) -> None:
    summary = _train(dumps, tmp_path / "exp", tiny_config("sfvq", steps=60))
    log = read_log(tmp_path / "exp" / "log.jsonl")
    train = [r for r in log if "loss" in r]
    assert train[-1]["loss"] < 0.9 * train[0]["loss"]
    corners = [r["active_corners"] for r in train]
    assert corners[0] == 4 and corners[-1] == 16 and corners == sorted(corners)
    assert summary["active_corners"] == 16 and summary["dev_loss"] > 0
    dev = [r for r in log if "dev_loss" in r]
    assert [r["step"] for r in dev] == [30, 60]
    for name in ("model.pt", "loss.png", "summary.json", "config.yaml"):
        assert (tmp_path / "exp" / name).is_file()
    assert len(list((tmp_path / "exp" / "checkpoints").glob("ckpt_*.pt"))) == 2  # keep_checkpoints
    data = torch.load(tmp_path / "exp" / "model.pt", weights_only=True)
    assert data["speakers"] == ["spk0", "spk1", "spk2"] and "optimizer" not in data


@pytest.mark.parametrize("quantizer", ["sfvq", "vq"])
def test_resume_equals_uninterrupted(dumps, tmp_path, quantizer: str) -> None:
    cfg = tiny_config(quantizer, steps=50)
    _train(dumps, tmp_path / "a", cfg)
    partial = _train(dumps, tmp_path / "b", cfg, until=30)
    assert partial.get("stopped_early") and not (tmp_path / "b" / "model.pt").exists()
    _train(dumps, tmp_path / "b", cfg, resume=True)

    def strip(path: Path) -> list[dict]:
        return [{k: v for k, v in r.items() if k != "frames_per_s"} for r in read_log(path)]

    assert strip(tmp_path / "a" / "log.jsonl") == strip(tmp_path / "b" / "log.jsonl")
    a = torch.load(tmp_path / "a" / "model.pt", weights_only=True)["model"]
    b = torch.load(tmp_path / "b" / "model.pt", weights_only=True)["model"]
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_refuses_to_overwrite_and_finished_resume_is_noop(dumps, tmp_path) -> None:
    cfg = tiny_config("vq", steps=10)
    _train(dumps, tmp_path / "e", cfg)
    with pytest.raises(UserError, match="--resume"):
        _train(dumps, tmp_path / "e", cfg)
    before = (tmp_path / "e" / "model.pt").stat().st_mtime_ns
    _train(dumps, tmp_path / "e", cfg, resume=True)
    assert (tmp_path / "e" / "model.pt").stat().st_mtime_ns == before
    changed = tiny_config("vq", steps=10)
    changed["model"]["latent_dim"] = 4
    with pytest.raises(UserError, match="differs"):
        _train(dumps, tmp_path / "e", changed, resume=True)


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "vc.cli.train", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


@pytest.mark.parametrize("case", ["missing_config", "bad_key", "missing_dump", "bad_device"])
def test_cli_errors(dumps, tmp_path, case: str) -> None:
    conf = tmp_path / "c.yaml"
    cfg = tiny_config()
    if case == "bad_key":
        cfg["training"]["stepz"] = 3
    conf.write_text(yaml.safe_dump(cfg))
    args = {"missing_config": ["--config", str(tmp_path / "nope.yaml"), "--data", str(dumps["train"])],
            "bad_key": ["--config", str(conf), "--data", str(dumps["train"])],
            "missing_dump": ["--config", str(conf), "--data", str(tmp_path / "nodump")],
            "bad_device": ["--config", str(conf), "--data", str(dumps["train"]), "--device", "cuda"]}[case]
    if case == "bad_device" and torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    r = _run_cli(*args, "--exp", str(tmp_path / "x"))
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr
    assert not (tmp_path / "x" / "model.pt").exists()


def test_cli_trains(dumps, tmp_path) -> None:
    conf = tmp_path / "c.yaml"
    conf.write_text(yaml.safe_dump(tiny_config("sfvq", steps=12)))
    r = _run_cli("--config", str(conf), "--data", str(dumps["train"]), "--dev", str(dumps["dev"]),
                 "--exp", str(tmp_path / "x"), "--no-progress", "--quantizer", "vq")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout.strip().splitlines()[-1])
    assert summary["quantizer"] == "vq" and summary["step"] == 12


def test_ddp_two_cpu_processes_stay_in_sync(dumps, tmp_path) -> None:
    """torchrun with 2 gloo processes: SFVQ growth and VQ replacement keep replicas identical."""
    for quantizer in ("sfvq", "vq"):
        conf = tmp_path / f"{quantizer}.yaml"
        cfg = tiny_config(quantizer, steps=20, log_every=5, dev_every=20, checkpoint_every=10)
        cfg["quantizer"]["replace_every"] = 5
        conf.write_text(yaml.safe_dump(cfg))
        exp = tmp_path / f"ddp_{quantizer}"
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
        r = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                            "-m", "vc.cli.train", "--config", str(conf), "--data", str(dumps["train"]),
                            "--dev", str(dumps["dev"]), "--exp", str(exp), "--device", "cpu", "--no-progress"],
                           capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode == 0, r.stderr[-3000:]
        log = [x for x in read_log(exp / "log.jsonl") if "loss" in x]
        assert len(log) == 4
        assert all(x["replica_max_diff"] == 0.0 for x in log), log
        summary = json.loads((exp / "summary.json").read_text())
        assert summary["world_size"] == 2
        if quantizer == "sfvq":
            assert summary["active_corners"] == 16
    shutil.rmtree(tmp_path / "ddp_sfvq", ignore_errors=True)
