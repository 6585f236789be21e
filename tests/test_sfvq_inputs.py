"""Bad input gives one clear ValueError naming the problem."""

from __future__ import annotations

import pytest
import torch

from sfvq import SpaceFillingVQ, VectorQuantizer, build_quantizer
from sfvq.distributions import sample
from sfvq.fit import FitConfig, fit

BAD_INPUTS = {
    "wrong_dim": (torch.randn(5, 4), "last dimension must be 3"),
    "nan": (torch.tensor([[0.0, float("nan"), 1.0]]), "NaN or inf"),
    "inf": (torch.tensor([[0.0, float("inf"), 1.0], [1.0, 2.0, 3.0]]), "NaN or inf"),
    "empty": (torch.randn(0, 3), "empty batch"),
    "integer": (torch.ones(4, 3, dtype=torch.long), "floating-point"),
    "scalar": (torch.tensor(1.0), "last dimension"),
}


@pytest.mark.parametrize("kind", ["sfvq", "vq"])
@pytest.mark.parametrize("method", ["forward", "project", "init_from", "normalize_occurrence"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_inputs_raise_value_error(kind: str, method: str, case: str) -> None:
    q = build_quantizer(kind, bits=3, dim=3)
    x, message = BAD_INPUTS[case]
    call = q if method == "forward" else getattr(q, method)
    with pytest.raises(ValueError, match=message):
        call(x)


def test_error_messages_are_single_lines() -> None:
    q = SpaceFillingVQ(bits=3, dim=3)
    for x, _ in BAD_INPUTS.values():
        with pytest.raises(ValueError) as info:
            q(x)
        assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"bits": 0, "dim": 3}, "bits"),
        ({"bits": 2.5, "dim": 3}, "bits"),
        ({"bits": 3, "dim": 0}, "dim"),
        ({"bits": 3, "dim": 3, "gradient": "straight"}, "gradient"),
    ],
)
@pytest.mark.parametrize("cls", [SpaceFillingVQ, VectorQuantizer])
def test_bad_construction(cls, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cls(**kwargs)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown quantizer kind"):
        build_quantizer("pq", bits=3, dim=2)
    assert isinstance(build_quantizer("SFVQ", bits=3, dim=2), SpaceFillingVQ)


def test_growth_past_bits() -> None:
    q = SpaceFillingVQ(bits=3, dim=2)
    q.grow()
    with pytest.raises(ValueError, match="cannot grow past 2\\*\\*bits = 8"):
        q.grow()


def test_too_few_samples_for_init() -> None:
    with pytest.raises(ValueError, match="at least 8 samples"):
        VectorQuantizer(bits=3, dim=2).init_from(torch.randn(5, 2))
    with pytest.raises(ValueError, match="at least 4 samples"):
        SpaceFillingVQ(bits=3, dim=2).init_from(torch.randn(3, 2))


def test_decode_rejects_nan_and_empty() -> None:
    q = SpaceFillingVQ(bits=3, dim=2)
    with pytest.raises(ValueError, match="NaN or inf"):
        q.decode(torch.tensor([0.5, float("nan")]))
    with pytest.raises(ValueError, match="empty"):
        q.decode(torch.tensor([]))


@pytest.mark.parametrize(
    "config, message",
    [
        (FitConfig(batch_size=0), "batch_size"),
        (FitConfig(holdout=0.0), "holdout"),
        (FitConfig(epochs_per_stage=0), "epochs_per_stage"),
        (FitConfig(milestones=(1.5,)), "milestones"),
        (FitConfig(lr=-1.0), "lr"),
    ],
)
def test_fit_rejects_bad_config(config: FitConfig, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit(SpaceFillingVQ(bits=3, dim=2), torch.randn(100, 2), config)


def test_fit_rejects_bad_data() -> None:
    q = SpaceFillingVQ(bits=3, dim=2)
    with pytest.raises(ValueError, match="2-D"):
        fit(q, torch.randn(10, 2, 1))
    with pytest.raises(ValueError, match="dimension 3"):
        fit(q, torch.randn(10, 3))
    with pytest.raises(ValueError, match="NaN"):
        fit(q, torch.full((10, 2), float("nan")))


def test_distribution_errors() -> None:
    with pytest.raises(ValueError, match="2-D only"):
        sample("pentagon", 10, dim=3)
    with pytest.raises(ValueError, match="unknown distribution"):
        sample("banana", 10)
