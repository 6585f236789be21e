"""Training-section defaults and the step schedules: LR, SFVQ growth, VQ codeword replacement."""

from __future__ import annotations

from typing import Any, Callable

from vc.errors import UserError

TRAINING_DEFAULTS: dict[str, Any] = {
    "steps": 20000, "batch_size": 32, "segment_frames": 64, "lr": 4e-4, "lr_milestones": [0.6, 0.8],
    "lr_gamma": 0.5, "warmup_steps": 0, "loss": "l1", "grad_clip": 1.0, "log_every": 50,
    "dev_every": 1000, "dev_max_utts": 200, "checkpoint_every": 1000, "keep_checkpoints": 3,
    "seed": 0, "amp": True,
}
QUANTIZER_TRAINING_DEFAULTS: dict[str, Any] = {
    "name": "sfvq", "bits": 8, "gradient": "nsvq",
    "grow_until": 0.5,      # SFVQ: reach 2**bits corners at this fraction of training (equal stages)
    "grow_steps": None,     # or an explicit list of steps at which to double the corners
    "replace_every": 500,   # VQ: replace rarely used codewords every N steps (0: never)
    "replace_until": 0.8,   # ... up to this fraction of training
}


def merged_section(config: dict[str, Any], section: str, defaults: dict[str, Any]) -> dict[str, Any]:
    """``defaults`` updated by ``config[section]``; unknown keys are a UserError."""
    given = config.get(section) or {}
    if not isinstance(given, dict):
        raise UserError(f"config section '{section}' must be a mapping")
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise UserError(f"unknown key(s) in config section '{section}': {', '.join(unknown)} "
                        f"(valid: {', '.join(sorted(defaults))})")
    return {**defaults, **given}


def growth_steps(qcfg: dict[str, Any], total_steps: int, start_corners: int, max_corners: int) -> list[int]:
    """Steps (before which) the quantizer doubles its corners, from ``start_corners`` to ``max_corners``.

    Default: ``log2(max/start)`` growths at equal intervals, the last at ``grow_until * total_steps``,
    so every stage including the first gets the same number of steps and the full-size curve trains for
    the remaining ``1 - grow_until`` of training.

    Args:
        qcfg: quantizer section (``grow_steps`` or ``grow_until``).
        total_steps: training steps.
        start_corners: corners active at the start (4 for SFVQ).
        max_corners: ``2**bits``.

    Returns:
        Sorted list of step numbers (empty if nothing grows).
    """
    n = 0
    c = start_corners
    while c < max_corners:
        c *= 2
        n += 1
    if n == 0:
        return []
    if qcfg.get("grow_steps") is not None:
        steps = sorted(int(s) for s in qcfg["grow_steps"])
        if len(steps) != n or steps[0] < 1:
            raise UserError(f"quantizer.grow_steps needs {n} positive steps to go from {start_corners} to "
                            f"{max_corners} corners, got {steps}")
        return steps
    frac = float(qcfg["grow_until"])
    if not 0.0 < frac <= 1.0:
        raise UserError(f"quantizer.grow_until must be in (0, 1], got {frac}")
    return [max(1, round(frac * total_steps * (i + 1) / n)) for i in range(n)]


def replacement_due(qcfg: dict[str, Any], step: int, total_steps: int) -> bool:
    """Whether codeword replacement runs after ``step`` completed steps."""
    every = int(qcfg.get("replace_every") or 0)
    return every > 0 and step % every == 0 and step <= float(qcfg["replace_until"]) * total_steps


def lr_lambda(tcfg: dict[str, Any]) -> Callable[[int], float]:
    """LR multiplier per step: linear warm-up, then ``lr_gamma`` at each milestone (fractions of steps)."""
    total = int(tcfg["steps"])
    warm = int(tcfg["warmup_steps"])
    gamma = float(tcfg["lr_gamma"])
    miles = sorted(round(float(m) * total) if float(m) <= 1.0 else int(m) for m in tcfg["lr_milestones"])

    def factor(step: int) -> float:
        f = min(1.0, (step + 1) / warm) if warm > 0 else 1.0
        return f * gamma ** sum(step >= m for m in miles)

    return factor
