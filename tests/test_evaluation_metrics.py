"""Evaluation metrics on synthetic signals: DTW, MCD, F0, edit distances, summary statistics."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from vc.evaluation.asr import char_errors, edit_counts, normalize_text, word_errors
from vc.evaluation.dtw import accumulated_cost, dtw_path, euclidean_cost
from vc.evaluation.f0 import extract_f0, f0_metrics
from vc.evaluation.mcd import (
    McepConfig,
    frame_distortion,
    mcd_from_cepstra,
    mel_cepstral_distortion,
    mel_cepstrum,
    warp_frequency,
)
from vc.evaluation.report import mean_interval, summarize

SR = 16000


def speech_like(seconds: float = 1.5, f0: float = 130.0, seed: int = 0, formants=(700, 1200, 2600)) -> np.ndarray:
    """A vowel-like signal: glottal-ish pulse train through formant resonators plus a noise floor."""
    from scipy.signal import lfilter

    rng = np.random.default_rng(seed)
    n = int(seconds * SR)
    t = np.arange(n) / SR
    f = f0 * (1 + 0.1 * np.sin(2 * np.pi * 1.3 * t))
    phase = np.cumsum(f) / SR
    src = np.diff(np.floor(phase), prepend=0.0)  # one impulse per period
    x = lfilter([1.0], [1.0, -0.95], src)
    for fc in formants:
        r = np.exp(-np.pi * 80 / SR)
        x = lfilter([1 - r], [1, -2 * r * np.cos(2 * np.pi * fc / SR), r * r], x)
    x = x / np.max(np.abs(x)) * 0.8
    return (x + 1e-3 * rng.standard_normal(n)).astype(np.float32)


# ---------------------------------------------------------------- DTW
def _naive_acc(cost: np.ndarray) -> np.ndarray:
    n, m = cost.shape
    acc = np.full((n, m), np.inf)
    for i in range(n):
        for j in range(m):
            if i == 0 and j == 0:
                acc[i, j] = cost[0, 0]
                continue
            prev = min(acc[i - 1, j] if i else np.inf, acc[i, j - 1] if j else np.inf,
                       acc[i - 1, j - 1] if i and j else np.inf)
            acc[i, j] = cost[i, j] + prev
    return acc


@pytest.mark.parametrize("shape", [(1, 1), (1, 7), (6, 1), (9, 13), (17, 5)])
def test_dtw_accumulation_matches_naive_recursion(shape):
    cost = np.random.default_rng(1).random(shape)
    acc, _ = accumulated_cost(cost)
    np.testing.assert_allclose(acc, _naive_acc(cost))
    i, j = dtw_path(cost)
    assert (i[0], j[0]) == (0, 0) and (i[-1], j[-1]) == (shape[0] - 1, shape[1] - 1)
    assert np.all(np.diff(i) >= 0) and np.all(np.diff(j) >= 0) and np.all(np.diff(i) + np.diff(j) >= 1)
    assert np.all(np.diff(i) <= 1) and np.all(np.diff(j) <= 1)
    np.testing.assert_allclose(cost[i, j].sum(), acc[-1, -1])


@pytest.mark.parametrize("factor", [0.5, 1.0, 1.6, 2.3])
def test_dtw_recovers_time_stretch(factor):
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.standard_normal((60, 4)), axis=0)  # distinct frames
    m = int(round(60 * factor))
    idx = np.minimum((np.arange(m) / factor).astype(int), 59)  # stretched copy: y[j] = x[idx[j]]
    y = x[idx]
    i, j = dtw_path(euclidean_cost(x, y))
    on_path = set(zip(i.tolist(), j.tolist()))
    assert all((int(idx[jj]), jj) in on_path for jj in range(m))  # each copy meets its original
    if factor >= 1:  # nothing dropped: the whole path costs nothing
        assert np.allclose(euclidean_cost(x, y)[i, j], 0.0, atol=1e-5)


def test_dtw_rejects_bad_cost():
    with pytest.raises(ValueError):
        dtw_path(np.zeros((0, 3)))
    with pytest.raises(ValueError):
        dtw_path(np.array([[0.0, np.nan]]))


# ---------------------------------------------------------------- MCD
def test_warping_inverse_and_monotonic():
    w = np.linspace(0, np.pi, 101)
    b = warp_frequency(w, 0.42)
    assert np.all(np.diff(b) > 0) and b[0] == 0 and math.isclose(b[-1], np.pi)
    np.testing.assert_allclose(warp_frequency(b, -0.42), w, atol=1e-12)


def test_mel_cepstrum_shape():
    wav = speech_like(1.0)
    mc = mel_cepstrum(wav, SR)
    assert mc.shape == (1 + wav.size // 160, 25)
    assert mel_cepstrum(wav, SR, McepConfig(order=12)).shape[1] == 13


@pytest.mark.parametrize("use_dtw", [True, False])
def test_mcd_of_signal_with_itself_is_zero(use_dtw):
    wav = speech_like()
    assert mel_cepstral_distortion(wav, wav, SR, use_dtw=use_dtw) == 0.0


@pytest.mark.parametrize("use_dtw", [True, False])
def test_mcd_grows_with_distortion(use_dtw):
    wav = speech_like()
    noise = np.random.default_rng(3).standard_normal(wav.size).astype(np.float32)
    values = [mel_cepstral_distortion(wav, wav + s * noise, SR, use_dtw=use_dtw) for s in (0.003, 0.01, 0.03, 0.1)]
    assert 0 < values[0] and all(a < b for a, b in zip(values, values[1:])), values
    assert values[-1] > 5.0


def test_mcd_ignores_gain_and_sees_spectral_shape():
    wav = speech_like()
    assert mel_cepstral_distortion(wav, 0.3 * wav, SR, use_dtw=False) < 0.05  # c0 excluded
    other = speech_like(formants=(300, 2200, 3000))  # another vowel
    assert mel_cepstral_distortion(wav, other, SR) > 3.0


def test_mcd_equals_rms_log_spectral_distance():
    a = mel_cepstrum(speech_like(0.5), SR)[20]
    b = mel_cepstrum(speech_like(0.5, formants=(400, 1900, 2500)), SR)[20]
    beta = np.linspace(0, np.pi, 20001)
    m = np.arange(1, a.size)[:, None]
    la, lb = (a[1:, None] * np.cos(m * beta)).sum(0), (b[1:, None] * np.cos(m * beta)).sum(0)
    rms_db = 20 / np.log(10) * np.sqrt(np.mean((la - lb) ** 2))
    np.testing.assert_allclose(frame_distortion(a[None], b[None])[0], rms_db, rtol=1e-3)


def test_mcd_dtw_on_time_stretched_copy():
    vowels = ((700, 1200, 2600), (300, 2200, 3000), (500, 900, 2400))
    wav = np.concatenate([speech_like(0.3, formants=f) for f in vowels])
    # the same vowel sequence, with the 2nd vowel twice and the 3rd 1.5 times as long
    stretched = np.concatenate([speech_like(d, formants=f) for d, f in zip((0.3, 0.6, 0.45), vowels)])
    with_dtw = mel_cepstral_distortion(wav, stretched, SR)
    without = mel_cepstral_distortion(wav, stretched, SR, use_dtw=False)
    assert with_dtw < 1.5 and without > 3 * with_dtw, (with_dtw, without)
    ref, hyp = mel_cepstrum(wav, SR), mel_cepstrum(stretched, SR)
    _, (i, j) = mcd_from_cepstra(ref, hyp)
    assert i[-1] == len(ref) - 1 and j[-1] == len(hyp) - 1
    # the middle of the stretched 2nd vowel is paired with the 2nd vowel of the reference
    mid = int(0.6 * SR) // 160
    assert np.all((i[j == mid] >= 30) & (i[j == mid] < 60))


# ---------------------------------------------------------------- F0
def _tone(f0_hz: np.ndarray) -> np.ndarray:
    ph = 2 * np.pi * np.cumsum(f0_hz) / SR
    return (0.5 * np.sin(ph) + 0.25 * np.sin(2 * ph) + 0.1 * np.sin(3 * ph)).astype(np.float32)


@pytest.mark.parametrize("cents", [0.0, 100.0, -300.0])
def test_f0_rmse_in_cents_on_tones(cents):
    t = np.arange(int(1.5 * SR)) / SR
    base = 120 + 60 * t  # a glide, so the correlation is defined
    f_ref, v_ref = extract_f0(_tone(base), SR)
    f_hyp, v_hyp = extract_f0(_tone(base * 2 ** (cents / 1200)), SR)
    sc = f0_metrics(f_ref, v_ref, f_hyp, v_hyp)
    assert abs(sc.f0_rmse_cents - abs(cents)) < 10.0
    assert sc.f0_corr > 0.99 and sc.vuv_error < 0.03 and sc.voiced_pairs > 100


def test_f0_vuv_error_and_path():
    t = np.arange(SR) / SR
    tone = _tone(150 + 0 * t)
    gapped = tone.copy()
    gapped[SR // 4: SR // 2] = 0.0
    f_a, v_a = extract_f0(tone, SR)
    f_b, v_b = extract_f0(gapped, SR)
    sc = f0_metrics(f_a, v_a, f_b, v_b)
    assert 0.2 < sc.vuv_error < 0.32
    assert sc.f0_rmse_cents < 5 and sc.voiced_pairs == int((v_a & v_b).sum())
    # a hand-made path that pairs frame 10 of the reference with every hypothesis frame
    path = (np.full(v_b.size, 10), np.arange(v_b.size))
    assert f0_metrics(f_a, v_a, f_b, v_b, path).vuv_error == pytest.approx(1 - v_b.mean())
    none = f0_metrics(f_a, v_a, np.zeros_like(f_a), np.zeros_like(v_a))
    assert math.isnan(none.f0_rmse_cents) and none.voiced_pairs == 0 and none.vuv_error == pytest.approx(v_a.mean())


# ---------------------------------------------------------------- WER / CER
def test_normalize_text():
    assert normalize_text("It's easy -- to TELL, the 'depth' of a well.") == "it's easy to tell the depth of a well"


def test_wer_on_hand_made_pair():
    e = word_errors("The cat sat on the mat.", "the cat sit on mat please")
    assert (e.substitutions, e.deletions, e.insertions, e.ref_length) == (1, 1, 1, 6)
    assert e.rate == pytest.approx(0.5)
    assert word_errors("a b c", "a b c").rate == 0.0
    assert word_errors("a b c", "").rate == 1.0
    assert word_errors("", "x").rate == float("inf") and word_errors("", "").rate == 0.0


def test_cer_and_levenshtein():
    assert edit_counts("kitten", "sitting").errors == 3
    c = char_errors("ab cd", "ab d")
    assert (c.errors, c.ref_length) == (1, 5)


# ---------------------------------------------------------------- summary statistics
def test_mean_interval_student_t_and_wilson():
    v = np.array([1.0, 2.0, 4.0, 7.0])
    s = mean_interval(v)
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert s["mean"] == pytest.approx(3.5) and s["ci95"] == pytest.approx([3.5 - half, 3.5 + half])
    p = mean_interval(np.array([1.0] * 9 + [0.0]), proportion=True)
    assert p["mean"] == pytest.approx(0.9) and 0.55 < p["ci95"][0] < 0.6 and 0.98 < p["ci95"][1] < 0.99
    assert mean_interval(np.array([]))["n"] == 0


def test_summarize_corpus_rates_and_nan():
    rows = [{"model": "a", "mcd_conv_target": 5.0, "wer_conv": 0.5, "word_errors_conv": 1, "ref_words": 2},
            {"model": "a", "mcd_conv_target": float("nan"), "wer_conv": 0.0, "word_errors_conv": 0, "ref_words": 8},
            {"model": "b", "mcd_conv_target": 7.0}]
    s = summarize(rows)
    assert s["models"]["a"]["metrics"]["mcd_conv_target"]["n"] == 1
    assert s["models"]["a"]["corpus"]["wer_conv"] == pytest.approx(0.1)
    assert s["models"]["b"]["pairs"] == 1 and "wer_conv" not in s["models"]["b"]["corpus"]
