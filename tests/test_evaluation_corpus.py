"""Speaker similarity, ASR and DNSMOS on real speech: the committed mini corpus (recipes/mini/corpus)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from vc.audio import load_audio
from vc.datadir import DataDir
from vc.evaluation.asr import Recognizer, word_errors
from vc.evaluation.dnsmos import DnsMos
from vc.evaluation.pairs import select_pairs
from vc.evaluation.runner import Evaluator, copy_source, run_pairs
from vc.evaluation.speaker import SpeakerEncoder, cosine

CORPUS = Path(__file__).resolve().parents[1] / "recipes" / "mini" / "corpus"
SR = 16000


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, str]]:
    path = CORPUS / "manifest.tsv"
    assert path.is_file(), f"the mini corpus is part of the repository but {path} is missing"
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def _wav(row: dict[str, str]) -> np.ndarray:
    return load_audio(CORPUS / row["audio"], SR)


def test_speaker_similarity_same_speaker_beats_cross_speaker(manifest):
    sentences = ("h0110", "h0210", "h0310")
    speakers = sorted({r["speaker"] for r in manifest})
    assert len(speakers) >= 8
    enc = SpeakerEncoder()
    emb = {s: [enc.embed(_wav(r), SR) for r in manifest if r["speaker"] == s and r["sentence_id"] in sentences]
           for s in speakers}
    assert all(len(v) == len(sentences) for v in emb.values())
    same_all, cross_all = [], []
    for s in speakers:
        same = [cosine(a, b) for i, a in enumerate(emb[s]) for b in emb[s][i + 1:]]
        cross = {o: np.mean([cosine(a, b) for a in emb[s] for b in emb[o]]) for o in speakers if o != s}
        # every utterance pair of a speaker is closer than that speaker is, on average, to anyone else
        assert min(same) > max(cross.values()), (s, min(same), max(cross, key=cross.get), max(cross.values()))
        same_all += same
        cross_all += list(cross.values())
    assert np.mean(same_all) - np.mean(cross_all) > 0.2


@pytest.fixture(scope="module")
def test_set(manifest) -> DataDir:
    """The corpus' test sentences of four training speakers as a data directory."""
    keep = {"flite-kal", "flite-slt", "fest-sltlow", "espk-usm"}
    d = DataDir(root=CORPUS)
    for r in manifest:
        if r["split"] == "test" and r["speaker"] in keep:
            d.wav_scp[r["utt_id"]] = r["audio"]
            d.text[r["utt_id"]] = r["text"]
            d.utt2spk[r["utt_id"]] = r["speaker"]
    assert len(d.speakers) == 4 and len(d.utts) >= 8
    return d


def test_closer_to_target_share_separates_oracle_from_no_conversion(test_set):
    """Unconverted source speech is never closer to the target; the target's own speech always is."""
    ev = Evaluator(test_set, metrics=("speaker",), ref_utts=2, log=lambda s: None)
    pairs = select_pairs(test_set, test_set.speakers, n_pairs=6, seed=0)
    assert all(p.parallel for p in pairs)
    target_of = {(id(ev.wav(p.source_utt)), p.target_spk): p.target_utt for p in pairs}  # ev.wav is cached

    def oracle_convert(wav, sr, target, source):  # "converts" to the target's real utterance
        return ev.wav(target_of[(id(wav), target)]), sr

    oracle = run_pairs(ev, pairs, oracle_convert, "oracle")
    source = run_pairs(ev, pairs, copy_source, "source")
    assert [r["closer_to_target"] for r in oracle] == [1.0] * len(pairs)
    assert [r["closer_to_target"] for r in source] == [0.0] * len(pairs)
    for r in source:
        assert r["spk_sim_conv_target"] == pytest.approx(r["spk_sim_source_target"], abs=1e-5)


def test_asr_recognises_clear_corpus_speech(manifest):
    rec = Recognizer()
    rows = [r for r in manifest if (r["speaker"], r["sentence_id"]) in {("fest-sltlow", "h0210"), ("flite-kal", "h0110")}]
    assert len(rows) == 2
    for r in rows:
        assert word_errors(r["text"], rec.transcribe(_wav(r), SR)).rate <= 0.25
    backwards = _wav(rows[0])[::-1].copy()
    assert word_errors(rows[0]["text"], rec.transcribe(backwards, SR)).rate >= 0.5


def test_dnsmos_prefers_clean_over_noisy_speech(manifest):
    mos = DnsMos()
    rows = [r for r in manifest if r["sentence_id"] == "h0110" and r["speaker"] in ("flite-awb", "fest-ked")]
    rng = np.random.default_rng(0)
    for r in rows:
        clean = _wav(r)
        noisy = np.clip(clean + 0.1 * rng.standard_normal(clean.size).astype(np.float32), -1, 1)
        a, b = mos.score(clean, SR), mos.score(noisy, SR)
        assert set(a) == {"ovrl", "sig", "bak", "p808"} and all(1.0 <= v <= 5.0 for v in a.values())
        assert a["ovrl"] > b["ovrl"] + 0.5 and a["bak"] > b["bak"]
