"""Metrics, occurrence normalisation, k-means, distributions and the fitting loop."""

from __future__ import annotations

import math

import pytest
import torch

from sfvq import SpaceFillingVQ, VectorQuantizer, build_quantizer
from sfvq.distributions import DISTRIBUTIONS, sample
from sfvq.fit import FitConfig, fit, lr_at, split_holdout, stage_epochs
from sfvq.kmeans import kmeans
from sfvq.metrics import (
    curve_length,
    kl_to_uniform,
    mean_pair_distance,
    mse,
    perplexity,
    smoothness,
    topographic_error,
    usage_counts,
)


def test_usage_and_perplexity() -> None:
    index = torch.tensor([[0, 1], [1, 3]])
    torch.testing.assert_close(usage_counts(index, 5), torch.tensor([1.0, 2.0, 0.0, 1.0, 0.0]))
    assert float(perplexity(torch.arange(8), 8)) == pytest.approx(8.0)
    assert float(perplexity(torch.zeros(10, dtype=torch.long), 8)) == pytest.approx(1.0)
    assert float(kl_to_uniform(torch.ones(16))) == pytest.approx(0.0, abs=1e-6)
    assert float(kl_to_uniform(torch.tensor([1.0, 0.0, 0.0, 0.0]))) == pytest.approx(math.log(4))


def test_line_codebook_measures() -> None:
    k = 10
    line = torch.stack([torch.arange(k, dtype=torch.float32), torch.zeros(k)], dim=1)
    assert float(curve_length(line)) == pytest.approx(k - 1)
    # Mean |i − j| over distinct pairs is (k + 1) / 3.
    assert float(mean_pair_distance(line)) == pytest.approx((k + 1) / 3, rel=1e-5)
    assert float(smoothness(line)) == pytest.approx(3 / (k + 1), rel=1e-5)
    shuffled = line[torch.randperm(k, generator=torch.Generator().manual_seed(1))]
    assert float(smoothness(shuffled)) > float(smoothness(line))
    x = line + 0.01 * torch.randn(k, 2)
    assert float(topographic_error(x, line)) == 0.0
    assert float(topographic_error(x, shuffled)) > 0.0
    assert float(mse(torch.zeros(3, 2), torch.ones(3, 2))) == pytest.approx(1.0)


def test_random_order_smoothness_is_about_one() -> None:
    assert 0.9 < float(smoothness(torch.randn(256, 16))) < 1.1


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
def test_normalize_occurrence_evens_out_usage(kind: str) -> None:
    data = sample("laplace", 4000, dim=2, seed=3)
    q = build_quantizer(kind, bits=4, dim=2, gradient="none")
    if kind == "sfvq":
        q.grow()
        q.grow()
    with torch.no_grad():  # a codebook with very uneven use
        q.weight.copy_(torch.randn(16, 2) * 0.3 + torch.tensor([1.5, 0.0]))
    before = float(kl_to_uniform(usage_counts(q.project(data).index, q.active_corners)))
    q.normalize_occurrence(data)
    after = float(kl_to_uniform(usage_counts(q.project(data).index, q.active_corners)))
    assert after < 0.5 * before


def test_kmeans_finds_separated_clusters() -> None:
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [10.0, 10.0]])
    gen = torch.Generator().manual_seed(0)
    x = (centres.repeat_interleave(50, dim=0) + 0.1 * torch.randn(200, 2, generator=gen))
    result = kmeans(x, 4, restarts=3, seed=0)
    key = lambda c: c[:, 0].round() * 100 + c[:, 1].round()  # noqa: E731
    found = result.centroids[torch.argsort(key(result.centroids))]
    torch.testing.assert_close(found, centres[torch.argsort(key(centres))], atol=0.1, rtol=0)
    assert result.sse / 200 < 0.05
    with pytest.raises(ValueError, match="N >= k"):
        kmeans(x[:3], 4)


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_distributions_are_seeded(name: str) -> None:
    a, b, c = sample(name, 500, 2, seed=1), sample(name, 500, 2, seed=1), sample(name, 500, 2, seed=2)
    assert a.shape == (500, 2) and a.dtype == torch.float32
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_pentagon_points_are_inside() -> None:
    x = sample("pentagon", 5000, 2, seed=0).double()
    angles = math.pi / 2 + 2 * math.pi * torch.arange(6, dtype=torch.float64) / 5
    v = torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)
    for i in range(5):
        edge, rel = v[i + 1] - v[i], x - v[i]
        assert bool((edge[0] * rel[:, 1] - edge[1] * rel[:, 0] >= -1e-6).all())  # left of every edge
    assert float(x[:, 1].max()) > 0.9 and float(x[:, 1].min()) < -0.75


def test_schedule_helpers() -> None:
    config = FitConfig(lr=1e-3)
    assert lr_at(0, 100, config) == pytest.approx(1e-3)
    assert lr_at(59, 100, config) == pytest.approx(1e-3)
    assert lr_at(60, 100, config) == pytest.approx(5e-4)
    assert lr_at(80, 100, config) == pytest.approx(2.5e-4)
    assert stage_epochs(SpaceFillingVQ(bits=5, dim=2), FitConfig(epochs_per_stage=2)) == [2, 2, 2, 2]
    assert stage_epochs(VectorQuantizer(bits=5, dim=2), FitConfig(epochs_per_stage=2)) == [8]
    assert stage_epochs(VectorQuantizer(bits=5, dim=2), FitConfig(vq_epochs=3)) == [3]
    train, held = split_holdout(100, 0.1, seed=0)
    assert len(held) == 10 and len(train) == 90 and len(set(train.tolist()) | set(held.tolist())) == 100


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
@pytest.mark.parametrize("gradient", ["none", "nsvq"])
def test_fit_runs_the_schedule_and_improves(kind: str, gradient: str) -> None:
    data = sample("pentagon", 3000, 2, seed=0)
    q = build_quantizer(kind, bits=4, dim=2, gradient=gradient)
    seen = []
    config = FitConfig(epochs_per_stage=1, batch_size=32, lr=1e-2, replace_every=20)
    result = fit(q, data, config, on_epoch=seen.append)
    assert seen == result.records
    expected_stages = 3 if kind == "sfvq" else 1
    assert [r["corners"] for r in result.records][-1] == 16 and q.active_corners == 16
    assert len({r["stage"] for r in result.records}) == expected_stages
    if kind == "sfvq":
        assert [r["corners"] for r in result.records] == [4, 8, 16]
    for i, r in enumerate(result.records):
        assert set(r) >= {"stage", "epoch", "loss", "heldout_mse", "perplexity", "usage", "lr", "replaced"}
        assert len(r["usage"]) == r["corners"] and sum(r["usage"]) == len(result.heldout_index)
        last_of_stage = i == len(result.records) - 1 or result.records[i + 1]["stage"] != r["stage"]
        if last_of_stage:  # both milestones (60 %, 80 %) passed
            assert r["lr"] == pytest.approx(2.5e-3)
    held = data[result.heldout_index]
    assert result.heldout_mse == pytest.approx(float(mse(held, q.project(held).quantized)), rel=1e-5)
    assert result.heldout_mse < 0.25 * float(held.var(dim=0).mean())  # far better than the mean alone
    if kind == "sfvq":
        assert result.records[-1]["heldout_mse"] < 0.6 * result.records[0]["heldout_mse"]
    assert not q.training


def test_fit_is_reproducible() -> None:
    data = sample("gaussian", 1000, 3, seed=0)
    runs = []
    for _ in range(2):
        q = SpaceFillingVQ(bits=3, dim=3, gradient="none")
        runs.append((fit(q, data, FitConfig(epochs_per_stage=1)).heldout_mse, q.codebook.detach().clone()))
    assert runs[0][0] == runs[1][0] and torch.equal(runs[0][1], runs[1][1])
