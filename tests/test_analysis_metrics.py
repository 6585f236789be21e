"""Arrangement metrics against hand-computed small cases and corpora ordered by construction."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.distance import jensenshannon

from vc.analysis import histograms as H
from vc.analysis import metrics as M
from vc.analysis.alignment import align, orient
from vc.analysis.results import analyze
from vc.analysis.synthetic import synthetic_corpus


def test_js_distance_hand_cases():
    assert M.js_distance([1, 0], [0, 1]) == pytest.approx(1.0)
    assert M.js_distance([0.3, 0.7], [0.3, 0.7]) == pytest.approx(0.0)
    # JSD([.5,.5,0], [0,.5,.5]) = 0.5 bit -> distance sqrt(0.5)
    assert M.js_distance([0.5, 0.5, 0], [0, 0.5, 0.5]) == pytest.approx(math.sqrt(0.5))
    # unnormalised counts are normalised first
    assert M.js_distance([2, 2, 0], [0, 1, 1]) == pytest.approx(math.sqrt(0.5))
    rng = np.random.default_rng(1)
    p, q = rng.random((5, 7)), rng.random((5, 7))
    ref = [jensenshannon(a, b, base=2) for a, b in zip(p, q)]
    np.testing.assert_allclose(M.js_distance(p, q), ref, rtol=1e-10)


def test_adjacent_jsd_hand_case_and_unused_indices():
    # p(phone | k) = (1,0), (.5,.5), (0,1): both adjacent pairs have JSD 0.311278 bit
    counts = np.array([[2, 1, 0], [0, 1, 2]])
    expected = math.sqrt(0.5 * math.log2(1 / 0.75) + 0.5 * (0.5 * math.log2(0.5 / 0.75) + 0.5))
    res = M.adjacent_jsd(counts, n_perm=100)
    assert res["value"] == pytest.approx(expected)
    assert expected == pytest.approx(0.557923, abs=1e-6)
    # an unused index between two used ones is skipped, not compared
    gap = np.array([[2, 0, 1, 0], [0, 0, 1, 2]])
    assert M.adjacent_jsd(gap, n_perm=100)["value"] == pytest.approx(expected)
    assert M.adjacent_jsd(gap, n_perm=100)["used_indices"] == 3
    assert math.isnan(M.adjacent_jsd(np.array([[1, 1]]), n_perm=100)["z"])


def test_mutual_information_hand_cases():
    assert M.mutual_information(np.array([[2, 0], [0, 2]])) == pytest.approx(1.0)
    assert M.mutual_information(np.array([[1, 1], [1, 1]])) == pytest.approx(0.0)
    h = -(0.25 * math.log2(0.25) + 0.75 * math.log2(0.75))
    assert M.mutual_information(np.array([[3, 1], [1, 3]])) == pytest.approx(1.0 - h)
    counts = np.array([[1, 1, 0, 0], [0, 0, 1, 1]])
    res = M.binned_mi(counts, widths=(1, 2, 4), n_perm=10)
    assert res["1"]["mi"] == pytest.approx(1.0)
    assert res["2"]["ratio"] == pytest.approx(1.0)
    assert res["4"]["mi"] == pytest.approx(0.0)
    np.testing.assert_array_equal(M.bin_columns(np.arange(5)[None], 2), [[1, 5, 4]])


def test_topographic_error_hand_case():
    line = np.array([[0.0], [1.0], [2.0], [3.0]])
    x = np.array([[0.4], [1.4], [2.6]])
    assert M.topographic_error(x, line) == 0.0
    swapped = line[[0, 2, 1, 3]]  # corner 1 and 2 exchanged: 0.4 -> nearest 0, second at index 2
    assert M.topographic_error(x, swapped) == pytest.approx(2 / 3)


def test_steps_usage_transitions():
    index = np.array([0, 10, 10, 3, 4, 9])
    same = np.array([True, True, True, False, True])  # utterance boundary between frames 3 and 4
    s = M.step_stats(index, same, max_step=4)
    assert s["n_steps"] == 4  # deltas 10, 0, 7, 5
    assert s["share_small"] == pytest.approx(0.25)
    assert s["share_small_changes"] == pytest.approx(0.0)
    assert s["repeat_share"] == pytest.approx(0.25)
    u = M.usage_stats(np.array([0, 0, 1, 1]), 4)
    assert u["perplexity"] == pytest.approx(2.0) and u["unused"] == 2
    t = H.transition_counts(index, same, 11)
    assert t.sum() == 4 and t[0, 10] == 1 and t[10, 10] == 1 and t[3, 4] == 0


def test_blackman_smoothing_and_peak_scale():
    h = np.zeros(21)
    h[10] = 1.0
    s = H.blackman_smooth(h, 7)
    assert s.sum() == pytest.approx(1.0) and (s >= 0).all()
    np.testing.assert_allclose(s, s[::-1])
    assert np.count_nonzero(s) == 5  # the length-7 Blackman window has zero end points
    np.testing.assert_allclose(H.peak_scale(np.array([[1.0, 4.0], [0.0, 0.0]])), [[0.25, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_zscore_ordered_vs_shuffled(seed):
    ordered, labels = synthetic_corpus(6000, n_indices=64, dim=4, ordered=True, seed=seed, with_z=False)
    shuffled, _ = synthetic_corpus(6000, n_indices=64, dim=4, ordered=False, seed=seed, with_z=False)
    z_ord = analyze(align(ordered, labels), n_perm=200, seed=seed).metrics["adjacent_jsd"]["z"]
    z_shuf = analyze(align(shuffled, labels), n_perm=200, seed=seed).metrics["adjacent_jsd"]["z"]
    assert z_ord < -10
    assert abs(z_shuf) < 3.5


def test_zscore_of_random_relabellings_is_centred():
    latents, labels = synthetic_corpus(6000, n_indices=64, dim=4, ordered=True, seed=3, with_z=False)
    counts = M.counts_matrix(align(latents, labels).phone, align(latents, labels).index, 66, 64)
    rng = np.random.default_rng(0)
    zs = [M.adjacent_jsd(counts[:, rng.permutation(64)], n_perm=200, seed=i)["z"] for i in range(10)]
    assert abs(np.mean(zs)) < 1.0
    assert max(abs(z) for z in zs) < 3.5


def test_order_sensitive_measures_separate_and_invariants_agree():
    ordered, labels = synthetic_corpus(8000, n_indices=64, dim=8, ordered=True, seed=5)
    shuffled, _ = synthetic_corpus(8000, n_indices=64, dim=8, ordered=False, seed=5)
    a = analyze(orient(align(ordered, labels)), n_perm=100).metrics
    b = analyze(orient(align(shuffled, labels)), n_perm=100).metrics
    assert a["flipped"] and not b["flipped"]  # synthetic silence sits at the top of the ordered curve
    # partition-only numbers do not depend on the order
    assert a["mutual_information"]["1"]["mi"] == pytest.approx(b["mutual_information"]["1"]["mi"])
    assert a["usage"]["perplexity"] == pytest.approx(b["usage"]["perplexity"])
    # order-sensitive numbers do
    assert a["mutual_information"]["8"]["ratio"] > b["mutual_information"]["8"]["ratio"] + 0.3
    assert b["mutual_information"]["8"]["ratio"] == pytest.approx(b["mutual_information"]["8"]["null_ratio"], abs=0.1)
    assert a["topographic_error"] < 0.2 < 0.8 < b["topographic_error"]
    assert a["steps"]["share_small_changes"] > 5 * b["steps"]["share_small_changes"]
    names = a["group_jsd"]["groups"]
    mat = np.array(a["group_jsd"]["matrix"])
    np.testing.assert_allclose(mat, mat.T)
    np.testing.assert_allclose(np.diag(mat), 0.0, atol=1e-6)
    assert names[-1] == "silence"
