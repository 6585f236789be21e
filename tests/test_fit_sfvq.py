"""vc-fit-sfvq: a post-hoc SFVQ on a tiny model's frozen encoder outputs, then analysed with --quantizer posthoc."""

from __future__ import annotations

import io
import json

import pytest

from test_encode_support import make_corpus, make_dump, run_cli, save_tiny_model
from vc.analysis.encoding import POSTHOC_FILE, load_posthoc
from vc.analysis.pipeline import run_analysis


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tinyfit")
    data = make_corpus(root, n_utts=4, seed=1)
    dump = make_dump(data, root / "dump")
    return {"data": data, "dump": dump, "exp": save_tiny_model(root / "exp" / "sfvq", "sfvq", dump)}


def test_fit_then_analyse_posthoc_beside_joint(tiny, tmp_path):
    r = run_cli("fit_sfvq", "--model", str(tiny["exp"]), "--data", str(tiny["dump"]), "--bits", "3",
                "--epochs-per-stage", "2", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "post-hoc SFVQ: 8 corners in 8 dimensions" in r.stdout and "held-out MSE" in r.stdout
    q, meta = load_posthoc(tiny["exp"])
    assert q.active_corners == 8 and q.dim == 8 and meta["bits"] == 3
    assert meta["heldout_mse"] > 0 and meta["joint_kind"] == "sfvq" and meta["frames"] > 100
    log = (tiny["exp"] / "posthoc_sfvq.log.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in log]
    assert [rec["corners"] for rec in records] == [4, 4, 8, 8]
    # the same model analysed with both quantizers, side by side
    run = run_analysis([str(tiny["exp"]), str(tiny["exp"])], str(tiny["data"]), tmp_path / "out",
                       ["posthoc", "joint"], n_perm=100, figures=False, log=io.StringIO())
    a, b = (x.metrics for x in run.analyses)
    assert (a["quantizer"], a["n_indices"]) == ("posthoc", 8)
    assert (b["quantizer"], b["n_indices"]) == ("sfvq", 16)
    assert a["name"] == "sfvq+posthoc" and a["frames"]["total"] == b["frames"]["total"]


@pytest.mark.parametrize("args, message", [
    (["--bits", "12"], "need at least 4096"),
    (["--epochs-per-stage", "0"], "epochs_per_stage must be >= 1"),
    (["--model", "/nonexistent/exp"], "model directory not found"),
    (["--data", "/nonexistent/dump"], "data directory not found"),
])
def test_bad_input(tiny, capsys, args, message):
    from vc.cli.fit_sfvq import main

    base = {"--model": str(tiny["exp"]), "--data": str(tiny["dump"]), "--quiet": None}
    base.update(dict(zip(args[::2], args[1::2])))
    argv = [x for kv in base.items() for x in kv if x is not None]
    before = (tiny["exp"] / POSTHOC_FILE).stat().st_mtime_ns if (tiny["exp"] / POSTHOC_FILE).exists() else None
    with pytest.raises(SystemExit) as info:
        main(argv)
    err = capsys.readouterr().err.strip()
    assert info.value.code == 1 and err.startswith("error:") and message in err
    after = (tiny["exp"] / POSTHOC_FILE).stat().st_mtime_ns if (tiny["exp"] / POSTHOC_FILE).exists() else None
    assert before == after
