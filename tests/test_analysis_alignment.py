"""Frame alignment at exact boundaries, skip rules, Praat export read back with the textgrid package."""

from __future__ import annotations

import numpy as np
import pytest
import textgrid

from vc.analysis.alignment import align, read_phone_labels, textgrids_from_dir
from vc.analysis.latents import LatentSet, UttLatents, load_latent_set
from vc.analysis.praat import export_textgrids, runs
from vc.textgrids import Interval, write_textgrid


def _set(lengths: dict[str, int], k: int = 8) -> LatentSet:
    s = LatentSet(name="m", quantizer="sfvq", n_indices=k, codebook=np.eye(k, dtype=np.float32))
    for utt, n in lengths.items():
        idx = np.arange(n) % k
        s.utts[utt] = UttLatents(idx, idx.astype(np.float32) + 0.25)
    return s


def test_frames_take_the_phone_at_their_centre_half_open(tmp_path):
    # frame i (50 Hz) covers [0.02 i, 0.02 (i+1)), centre 0.02 i + 0.01
    ivs = [Interval(0.0, 0.09, "sil"), Interval(0.09, 0.1, "S"), Interval(0.1, 0.2, "IY1")]
    write_textgrid(tmp_path / "u1.TextGrid", {"phones": ivs}, xmax=0.2)
    labels = read_phone_labels({"u1": str(tmp_path / "u1.TextGrid")}, ["u1"])
    al = align(_set({"u1": 10}), labels)
    got = [al.phones[i] for i in al.phone]
    # frame 4's centre is exactly 0.09 = the sil|s boundary: it belongs to the later interval
    assert got == ["sil"] * 4 + ["s"] + ["iy"] * 5


def test_skips_and_dropped_frames_are_listed(tmp_path):
    good = [Interval(0.0, 0.1, "sil"), Interval(0.1, 0.2, "AA1")]
    write_textgrid(tmp_path / "good.TextGrid", {"phones": good}, xmax=0.2)
    write_textgrid(tmp_path / "short.TextGrid", {"phones": [Interval(0.0, 0.1, "aa")]}, xmax=0.1)
    write_textgrid(tmp_path / "words.TextGrid", {"words": good}, xmax=0.2)
    write_textgrid(tmp_path / "odd.TextGrid", {"phones": [Interval(0.0, 0.1, "aa"), Interval(0.1, 0.2, "xyz")]},
                   xmax=0.2)
    (tmp_path / "broken.TextGrid").write_text("this is not a TextGrid\n")
    utts = ["broken", "good", "missing", "odd", "short", "words"]
    mapping = textgrids_from_dir(tmp_path, utts)
    assert "missing" not in mapping
    labels = read_phone_labels(mapping, utts, nj=2)
    al = align(_set({u: 10 for u in utts}), labels)
    assert set(al.skipped) == {"broken", "missing", "short", "words"}
    assert "no TextGrid" in al.skipped["missing"]
    assert "ends at 0.100 s" in al.skipped["short"] and "0.200 s" in al.skipped["short"]
    assert "no 'phones' tier" in al.skipped["words"]
    assert "broken.TextGrid" in al.skipped["broken"]
    assert al.dropped == {"odd": {"xyz": 5}}
    # skipped utterances keep their frames (label-free measures use them) but no phone labels
    assert al.index.size == 60
    assert np.count_nonzero(al.phone >= 0) == 10 + 5
    assert set(al.intervals) == {"good", "odd"}
    same = al.same_utt
    assert same.size == 59 and np.count_nonzero(~same) == 5


def test_latent_set_round_trip(tmp_path):
    s = _set({"a": 5, "b": 7})
    s.utts["a"].z = np.ones((5, 3), np.float32)
    s.utts["b"].z = np.zeros((7, 3), np.float32)
    s.save(tmp_path / "enc")
    back = load_latent_set(tmp_path / "enc")
    assert back.quantizer == "sfvq" and back.n_indices == 8 and back.has_z
    np.testing.assert_array_equal(back.utts["b"].index, s.utts["b"].index)
    np.testing.assert_allclose(back.utts["a"].position, s.utts["a"].position)
    np.testing.assert_array_equal(back.codebook, s.codebook)


def test_runs():
    assert runs(np.array([3, 3, 1, 1, 1, 3])) == [(0, 2, 3), (2, 5, 1), (5, 6, 3)]
    assert runs(np.array([])) == []


def test_textgrid_export_reads_back(tmp_path):
    ivs = [Interval(0.0, 0.05, "sil"), Interval(0.05, 0.13, "s"), Interval(0.13, 0.21, "iy")]
    write_textgrid(tmp_path / "u.TextGrid", {"phones": ivs}, xmax=0.21)
    labels = read_phone_labels({"u": str(tmp_path / "u.TextGrid")}, ["u"])
    a = _set({"u": 10})
    a.utts["u"] = UttLatents(np.array([0, 0, 1, 1, 1, 5, 5, 5, 2, 2]),
                             np.array([0.1, 0.1, 1.0, 1.2, 1.2, 5.0, 5.0, 5.0, 2.0, 2.0], np.float32))
    b = _set({"u": 10})
    b.name = "vq"
    b.quantizer = "vq"
    sets = [align(a, labels), align(b, labels)]
    written = export_textgrids(sets, tmp_path / "out")
    assert [p.name for p in written] == ["u.TextGrid"]
    grid = textgrid.TextGrid.fromFile(str(written[0]))
    names = [t.name for t in grid.tiers]
    assert names == ["phones", "m index", "m position", "vq index", "vq position"]
    assert grid.maxTime == pytest.approx(0.21)
    idx_tier = grid.tiers[1]
    assert [iv.mark for iv in idx_tier if iv.mark] == ["0", "1", "5", "2"]
    assert [(round(iv.minTime, 3), round(iv.maxTime, 3)) for iv in idx_tier if iv.mark] == \
        [(0.0, 0.04), (0.04, 0.1), (0.1, 0.16), (0.16, 0.2)]
    pos_marks = [iv.mark for iv in grid.tiers[2] if iv.mark]
    assert pos_marks == ["0.10", "1.00", "1.20", "5.00", "2.00"]
    assert [iv.mark for iv in grid.tiers[0]] == ["sil", "s", "iy"]
