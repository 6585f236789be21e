"""Pair selection, the per-pair runner, report files and skipping of missing optional packages."""

from __future__ import annotations

import json
import math
import sys

import numpy as np
import pytest

from test_evaluation_data import SPEAKERS, load
from vc.datadir import DataDir
from vc.errors import UserError
from vc.evaluation.asr import Recognizer
from vc.evaluation.dnsmos import DnsMos
from vc.evaluation.optional import MetricUnavailable
from vc.evaluation.pairs import reference_utts, select_pairs, sentence_key
from vc.evaluation.parallel import evaluate_parallel
from vc.evaluation.report import read_results_csv, write_report
from vc.evaluation.runner import Evaluator, copy_source, run_pairs
from vc.evaluation.speaker import SpeakerEncoder


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> DataDir:
    return load(tmp_path_factory.mktemp("evaldata"))


def test_select_all_pairs_are_parallel(data):
    pairs = select_pairs(data, list(SPEAKERS))
    assert len(pairs) == len(data.utts) * (len(SPEAKERS) - 1)
    assert all(p.parallel and p.target_spk != p.source_spk for p in pairs)
    assert all(p.target_utt == f"{p.target_spk}_{p.source_utt.split('_')[1]}" for p in pairs)


def test_select_pairs_seeded_and_parallel_first(data):
    a = select_pairs(data, list(SPEAKERS), n_pairs=5, seed=3)
    assert a == select_pairs(data, list(SPEAKERS), n_pairs=5, seed=3) and len(a) == 5
    draws = {tuple(select_pairs(data, list(SPEAKERS), n_pairs=5, seed=s)) for s in range(5)}
    assert len(draws) > 1
    # drop spkB's s1: pairs s1 -> spkB lose their parallel target and are drawn last
    sub = data.subset([u for u in data.utts if u != "spkB_s1"])
    pairs = select_pairs(sub, list(SPEAKERS))
    nonpar = [p for p in pairs if not p.parallel]
    assert {(p.source_utt, p.target_spk) for p in nonpar} == {("spkA_s1", "spkB"), ("spkC_s1", "spkB")}
    n_par = len(pairs) - len(nonpar)
    assert all(p.parallel for p in select_pairs(sub, list(SPEAKERS), n_pairs=n_par, seed=0))
    assert sum(not p.parallel for p in select_pairs(sub, list(SPEAKERS), n_pairs=n_par + 1, seed=0)) == 1


def test_select_pairs_restricts_targets_and_reports_errors(data):
    pairs = select_pairs(data, ["spkA", "unknown"])
    assert {p.target_spk for p in pairs} == {"spkA"} and all(p.source_spk != "spkA" for p in pairs)
    with pytest.raises(UserError, match="none of the model's speakers"):
        select_pairs(data, ["x", "y"])
    with pytest.raises(UserError, match="no source/target pairs"):
        select_pairs(data.subset([u for u in data.utts if u.startswith("spkA")]), ["spkA"])


def test_sentence_key_falls_back_to_utterance_id(data):
    no_text = DataDir(dict(data.wav_scp), {}, dict(data.utt2spk), {}, data.root)
    assert sentence_key(no_text, "spkA_s2") == sentence_key(no_text, "spkC_s2") == "id:_s2"
    assert sentence_key(data, "spkA_s2") == "text:eye owe"
    assert all(p.parallel for p in select_pairs(no_text, list(SPEAKERS)))
    refs = reference_utts(data, "spkB", sentence_key(data, "spkA_s2"), 5)
    assert refs == ["spkB_s1", "spkB_s3"]
    assert reference_utts(data, "spkB", None, 2) == ["spkB_s1", "spkB_s2"]


def _oracle(data, evaluator):
    """A 'converter' that returns the target speaker's real utterance of the same sentence."""
    def convert(wav, sr, target, source):
        key = next(u for u in data.utts if np.array_equal(evaluator.wav(u), wav))
        return evaluator.wav(f"{target}_{key.split('_')[1]}"), sr
    return convert


def test_runner_oracle_and_identity(data, tmp_path):
    ev = Evaluator(data, metrics=("mcd", "f0", "speaker"), ref_utts=2, log=lambda s: None)
    pairs = select_pairs(data, list(SPEAKERS), n_pairs=4, seed=0)
    oracle = run_pairs(ev, pairs, _oracle(data, ev), "oracle", save_dir=tmp_path / "wav")
    ident = run_pairs(ev, pairs, lambda w, sr, t, s: (w, sr), "identity")
    assert len(list((tmp_path / "wav").glob("*.wav"))) == 4
    for o, i in zip(oracle, ident):
        assert o["mcd_conv_target"] == pytest.approx(0.0, abs=1e-3)  # up to float rounding of the gain
        assert o["f0_rmse_cents_conv_target"] == pytest.approx(0.0, abs=1e-2) and o["vuv_error_conv_target"] == 0
        assert i["mcd_conv_target"] == pytest.approx(i["mcd_source_target"])
        assert i["mcd_source_target"] > 1.0 and i["f0_rmse_cents_source_target"] > 100
        assert o["mcd_source_target"] == i["mcd_source_target"]
        for row in (o, i):
            assert -1.0 <= row["spk_sim_conv_target"] <= 1.0 and row["closer_to_target"] in (0.0, 1.0)
        assert i["spk_sim_conv_source"] > i["spk_sim_conv_target"] - 0.05  # the source speaker's own voice
    summary = write_report(tmp_path / "out", oracle + ident, ev.skipped, dict(ev.timings))
    for name in ("results.csv", "summary.json", "summary.md", "distributions.png", "per_speaker.png"):
        assert (tmp_path / "out" / name).is_file()
    rows = read_results_csv(tmp_path / "out" / "results.csv")
    assert len(rows) == 8 and rows[0]["model"] == "oracle"
    on_disk = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert on_disk["models"]["oracle"]["metrics"]["mcd_conv_target"]["mean"] == pytest.approx(0.0, abs=1e-3)
    assert set(summary["models"]) == {"oracle", "identity"}
    assert "| MCD converted vs target (dB) ↓ |" in (tmp_path / "out" / "summary.md").read_text()


@pytest.mark.parametrize("family, factory, modules", [
    ("speaker", SpeakerEncoder, ["resemblyzer"]),
    ("asr", Recognizer, ["pocketsphinx"]),
    ("dnsmos", DnsMos, ["speechmos.dnsmos"]),
    ("dnsmos", DnsMos, ["onnxruntime"]),
])
def test_missing_optional_package_is_a_skip_message(monkeypatch, family, factory, modules):
    for m in modules:
        monkeypatch.setitem(sys.modules, m, None)  # makes `import m` raise ImportError
    with pytest.raises(MetricUnavailable, match=r"skipped: cannot import .*pip install"):
        factory()


def test_evaluator_skips_missing_packages_and_still_measures(data, monkeypatch, tmp_path):
    for m in ("resemblyzer", "pocketsphinx", "speechmos.dnsmos"):
        monkeypatch.setitem(sys.modules, m, None)
    lines: list[str] = []
    ev = Evaluator(data, log=lines.append)
    assert set(ev.skipped) == {"speaker", "asr", "dnsmos"} and ev.active == ("mcd", "f0")
    assert len(lines) == 3 and all(line.startswith("skip: ") and "pip install" in line for line in lines)
    rows = run_pairs(ev, select_pairs(data, ["spkA"], n_pairs=2, seed=0), lambda w, sr, t, s: (w, sr), "m")
    assert all(math.isfinite(r["mcd_conv_target"]) and "spk_sim_conv_target" not in r for r in rows)
    write_report(tmp_path, rows, ev.skipped)
    md = (tmp_path / "summary.md").read_text()
    assert "Skipped metrics:" in md and "resemblyzer" in md and "pocketsphinx" in md


def test_evaluator_without_transcripts_skips_asr(data):
    no_text = DataDir(dict(data.wav_scp), {}, dict(data.utt2spk), {}, data.root)
    ev = Evaluator(no_text, metrics=("mcd", "asr"), log=lambda s: None)
    assert "asr" in ev.skipped and "no transcripts" in ev.skipped["asr"]


def test_parallel_workers_match_single_process(data):
    pairs = select_pairs(data, list(SPEAKERS), n_pairs=4, seed=2)
    ev = Evaluator(data, metrics=("mcd", "f0"), log=lambda s: None)
    single = run_pairs(ev, pairs, copy_source, "copy")
    lines: list[str] = []
    rows, skipped, timings = evaluate_parallel(str(data.root), pairs, [("copy", None)], ["mcd", "f0"], nj=2,
                                               log=lines.append)
    assert rows == single and skipped == {} and timings["mcd+f0"] > 0
    assert lines == ["chunk 1/2 done (2 pairs)", "chunk 2/2 done (2 pairs)"]


def test_pkg_resources_hint_and_broken_package(data, monkeypatch):
    """webrtcvad's import of pkg_resources fails under setuptools>=81: the message says what to do."""

    def broken_import(name, *args, **kwargs):
        if name == "resemblyzer":
            raise ModuleNotFoundError("No module named 'pkg_resources'")
        return real_import(name, *args, **kwargs)

    import importlib

    real_import = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", broken_import)
    with pytest.raises(MetricUnavailable, match="setuptools<81"):
        SpeakerEncoder()
    monkeypatch.setattr(importlib, "import_module", real_import)

    def failing_init(self):
        raise RuntimeError("weights do not load")

    monkeypatch.setattr(DnsMos, "__init__", failing_init)
    ev = Evaluator(data, metrics=("mcd", "dnsmos"), log=lambda s: None)
    assert ev.active == ("mcd",) and "RuntimeError: weights do not load" in ev.skipped["dnsmos"]
