"""vc-encode and vc-analyze-latents on tiny models (untrained encoders, fitted quantizers)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import textgrid

from test_encode_support import make_corpus, make_dump, run_cli, save_tiny_model
from vc.analysis.encoding import encode_dataset
from vc.analysis.latents import load_latent_set
from vc.dump import FeatureDump


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    data = make_corpus(root)
    dump = make_dump(data, root / "dump")
    return {"root": root, "data": data, "dump": dump,
            "sfvq": save_tiny_model(root / "exp" / "sfvq", "sfvq", dump),
            "vq": save_tiny_model(root / "exp" / "vq", "vq", dump)}


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
def test_encode_dump_and_data_dir_agree(tiny, kind):
    from_data, skipped = encode_dataset(tiny[kind], tiny["data"], keep_z=True)
    from_dump, _ = encode_dataset(tiny[kind], tiny["dump"], keep_z=False, nj=2 if kind == "sfvq" else 1)
    assert not skipped and sorted(from_data.utts) == sorted(from_dump.utts) == FeatureDump(tiny["dump"]).utts
    assert from_data.quantizer == kind and from_data.n_indices == 16 and from_data.codebook.shape == (16, 8)
    for utt, lat in from_data.utts.items():
        frames = FeatureDump(tiny["dump"]).load(utt)["mel"].shape[0]
        assert lat.index.shape == (frames // 2,) and lat.z.shape == (frames // 2, 8)
        np.testing.assert_array_equal(lat.index, from_dump.utts[utt].index)
        assert from_dump.utts[utt].z is None
        assert lat.position.min() >= 0 and lat.position.max() <= 15
        if kind == "sfvq":
            assert np.all(np.abs(lat.index - lat.position) <= 0.5 + 1e-6)
        else:
            np.testing.assert_array_equal(lat.index, lat.position)
    assert len({int(i) for lat in from_data.utts.values() for i in lat.index}) > 4


def test_encode_cli_writes_scp_and_lists_unreadable_audio(tiny, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(tiny["data"], data)
    bad = sorted((data / "wav").glob("*.wav"))[1]
    bad.write_bytes(b"RIFF not really a wav")
    out = tmp_path / "enc"
    r = run_cli("encode", "--model", str(tiny["sfvq"]), "--data", str(data), "--out", str(out), "--save-z")
    assert r.returncode == 0, r.stderr
    assert "encoded 5 utterances" in r.stdout and f"skipped {bad.stem}" in r.stdout
    assert bad.stem in (out / "skipped.tsv").read_text()
    lines = (out / "latents.scp").read_text().splitlines()
    assert len(lines) == 5 and all(line.split()[1].startswith("latents/") for line in lines)
    back = load_latent_set(out)
    assert back.has_z and back.quantizer == "sfvq" and back.frame_rate == 50.0
    info = json.loads((out / "latent_info.json").read_text())
    assert info["n_indices"] == 16 and info["has_z"]


def test_analyze_tiny_models_side_by_side(tiny, tmp_path):
    out, tg = tmp_path / "out", tmp_path / "tg"
    r = run_cli("analyze_latents", "--model", str(tiny["sfvq"]), "--compare", str(tiny["vq"]), "--data",
                str(tiny["data"]), "--out", str(out), "--textgrid-out", str(tg), "--permutations", "100")
    assert r.returncode == 0, r.stderr
    models = json.loads((out / "metrics.json").read_text())["models"]
    assert [m["quantizer"] for m in models] == ["sfvq", "vq"]
    for m in models:
        assert m["frames"]["labelled"] == m["frames"]["total"] > 0
        assert m["skipped"] == {} and m["topographic_error"] is not None
        assert set(m["group_jsd"]["groups"]) >= {"vowels", "silence", "fricatives"}
    assert len(list(out.glob("fig*.png"))) == 8 and (out / "figures.pdf").stat().st_size > 10_000
    # the Praat index tier matches the encoder's indices (in the analysis orientation)
    lat, _ = encode_dataset(tiny["sfvq"], tiny["data"])
    utt = sorted(lat.utts)[0]
    idx = lat.utts[utt].index
    if models[0]["flipped"]:
        idx = 15 - idx
    grid = textgrid.TextGrid.fromFile(str(tg / f"{utt}.TextGrid"))
    tier = grid.getFirst("sfvq index")
    frame_labels = [next(iv.mark for iv in tier if iv.minTime <= (i + 0.5) / 50 < iv.maxTime) for i in range(len(idx))]
    assert frame_labels == [str(int(i)) for i in idx]
    assert grid.getFirst("phones")[0].mark == "sil"


@pytest.mark.parametrize("cli, args, message", [
    ("analyze_latents", ["--quantizer", "posthoc"], "has no post-hoc SFVQ"),
    ("encode", ["--quantizer", "posthoc"], "has no post-hoc SFVQ"),
    ("encode", ["--data", "/nonexistent/data"], "data directory not found"),
    ("encode", ["--nj", "0"], "--nj must be >= 1"),
])
def test_bad_input(tiny, tmp_path, capsys, cli, args, message):
    import importlib

    main = importlib.import_module(f"vc.cli.{cli}").main
    base = {"--model": str(tiny["vq"]), "--data": str(tiny["data"]), "--out": str(tmp_path / "o")}
    base.update(dict(zip(args[::2], args[1::2])))
    with pytest.raises(SystemExit) as info:
        main([x for kv in base.items() for x in kv])
    err = capsys.readouterr().err.strip()
    assert info.value.code == 1 and err.startswith("error:") and message in err
    assert not (tmp_path / "o").exists()


def test_dump_with_other_feature_settings_is_refused(tiny, tmp_path):
    dump = tmp_path / "dump"
    shutil.copytree(tiny["dump"], dump)
    cfg = (dump / "feature_config.yaml").read_text()
    (dump / "feature_config.yaml").write_text(cfg.replace("n_fft: 1024", "n_fft: 512"))
    with pytest.raises(Exception, match="other settings"):
        encode_dataset(tiny["sfvq"], dump)
