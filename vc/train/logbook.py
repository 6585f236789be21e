"""Training log as JSON lines, and the loss plot drawn from it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from vc.fileio import atomic_path, write_text_atomic


class JsonlLog:
    """Append-only JSON-lines log; every record has a ``step``.

    Args:
        path: the ``.jsonl`` file.
        resume_step: if given, drop records with ``step > resume_step`` (written after the checkpoint
            a run resumes from), so a resumed log reads like an uninterrupted one.
    """

    def __init__(self, path: str | os.PathLike, resume_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_step is None:
            write_text_atomic(self.path, "")
        elif self.path.exists():
            kept = [r for r in read_log(self.path) if int(r.get("step", 0)) <= resume_step]
            write_text_atomic(self.path, "".join(json.dumps(r) + "\n" for r in kept))

    def write(self, record: dict[str, Any]) -> None:
        """Append one record (flushed at once)."""
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def read_log(path: str | os.PathLike) -> list[dict[str, Any]]:
    """All records of a JSON-lines log (a torn last line is ignored)."""
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return out


def plot_losses(log_path: str | os.PathLike, png_path: str | os.PathLike, title: str = "") -> None:
    """Draw training and dev loss (left axis) and perplexity/active corners (right) over steps.

    Args:
        log_path: the training ``log.jsonl``.
        png_path: output PNG (written atomically).
        title: figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs = read_log(log_path)
    train = [r for r in recs if "loss" in r]
    dev = [r for r in recs if "dev_loss" in r]
    fig, ax = plt.subplots(figsize=(7, 4))
    if train:
        ax.plot([r["step"] for r in train], [r["loss"] for r in train], label="train loss", lw=1)
    if dev:
        ax.plot([r["step"] for r in dev], [r["dev_loss"] for r in dev], "o-", label="dev loss", lw=1.5)
    ax.set_xlabel("step")
    ax.set_ylabel("reconstruction loss")
    ax.grid(alpha=0.3)
    if train and "perplexity" in train[0]:
        ax2 = ax.twinx()
        ax2.plot([r["step"] for r in train], [r["perplexity"] for r in train], color="tab:green", lw=0.8,
                 alpha=0.6, label="perplexity")
        ax2.plot([r["step"] for r in train], [r["active_corners"] for r in train], color="tab:gray", lw=0.8,
                 ls="--", label="active corners")
        ax2.set_ylabel("perplexity / corners")
        ax2.legend(loc="center right", fontsize=8)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(title)
    fig.tight_layout()
    with atomic_path(png_path) as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)
