"""The training loop: growth schedule, VQ replacement, dev loss, checkpoints, exact resume, AMP, DDP."""

from __future__ import annotations

import copy
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from tqdm import tqdm

from vc.checkpoint import (CHECKPOINT_DIR, MODEL_FILE, list_checkpoints, load_checkpoint, model_payload,
                           save_checkpoint)
from vc.config import save_config
from vc.errors import UserError
from vc.fileio import write_text_atomic
from vc.model import build_model, reconstruction_loss
from vc.train.data import SegmentSampler, f0_center_from_stats, iter_batches_full, load_utterances
from vc.train.distributed import DistContext
from vc.train.logbook import JsonlLog, plot_losses
from vc.train.schedule import (QUANTIZER_TRAINING_DEFAULTS, TRAINING_DEFAULTS, growth_steps, lr_lambda,
                               merged_section, replacement_due)


class Trainer:
    """Train a :class:`vc.model.VQVAE` on a feature dump.

    Args:
        config: full config dict (sections model, quantizer, training; features come from the dump).
        train_dump: :class:`vc.dump.FeatureDump` of the training set (its statistics are used).
        dev_dump: optional dump for the dev loss (speakers must be training speakers).
        expdir: output directory (log.jsonl, loss.png, checkpoints/, model.pt, summary.json).
        ctx: :class:`vc.train.distributed.DistContext`.
        resume: continue from the newest checkpoint in ``expdir`` (fresh start if there is none).
        progress: show a tqdm bar on rank 0.
    """

    def __init__(self, config: dict[str, Any], train_dump, dev_dump, expdir: str | Path, ctx: DistContext,
                 resume: bool = False, progress: bool = True) -> None:
        self.config = copy.deepcopy(config)
        self.t = merged_section(config, "training", TRAINING_DEFAULTS)
        self.q = merged_section(config, "quantizer", QUANTIZER_TRAINING_DEFAULTS)
        self.ctx = ctx
        self.exp = Path(expdir)
        self.progress = progress
        self.total = int(self.t["steps"])
        if self.total < 1:
            raise UserError("training.steps must be >= 1")
        self.speakers = list(train_dump.speakers)
        self.mel_stats = train_dump.mel_stats
        self.f0_stats = dict(train_dump.f0_stats)
        self.feature_config = train_dump.feature_config
        f0_center = f0_center_from_stats(self.f0_stats)
        utts, _ = load_utterances(train_dump, self.speakers, self.mel_stats, self.f0_stats, f0_center)
        self.sampler = SegmentSampler(utts, int(self.t["segment_frames"]))
        self.dev = []
        if dev_dump is not None:
            self.dev, skipped = load_utterances(dev_dump, self.speakers, self.mel_stats, self.f0_stats, f0_center)
            self.dev = self.dev[: int(self.t["dev_max_utts"])]
            if not self.dev:
                raise UserError(f"dev set has no utterance of a training speaker ({len(skipped)} skipped)")
        torch.manual_seed(int(self.t["seed"]))  # same initial weights on every rank and every run
        self.model = build_model(self.config, len(self.speakers), self.feature_config.n_mels, f0_center)
        self.model.to(ctx.device)
        self.use_amp = bool(self.t["amp"]) and ctx.device.type == "cuda"
        self.opt = torch.optim.Adam(self.model.parameters(), lr=float(self.t["lr"]))
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lr_lambda(self.t))
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.use_amp)
        qz = self.model.quantizer
        self.grow_at = set(growth_steps(self.q, self.total, qz.active_corners, 2 ** int(self.q["bits"]))) \
            if qz.can_grow else set()
        self.gen = torch.Generator().manual_seed(int(self.t["seed"]) * 1000 + ctx.rank)
        torch.manual_seed(int(self.t["seed"]) * 1000 + 7919 * (ctx.rank + 1))
        self.step = 0
        ckpts = list_checkpoints(self.exp)
        if resume and ckpts:
            self._restore(ckpts[-1])
        elif not resume and (ckpts or (self.exp / MODEL_FILE).exists()):
            raise UserError(f"{self.exp} already holds a trained model or checkpoints; pass --resume to continue "
                            f"or choose another --exp")
        else:
            self._init_quantizer()
        self.ddp = (DistributedDataParallel(self.model, device_ids=[ctx.device.index] if ctx.device.type == "cuda"
                                            else None) if ctx.distributed else None)
        if ctx.is_main:
            self.exp.mkdir(parents=True, exist_ok=True)
            save_config(self.exp / "config.yaml", self.config)
        self.log = JsonlLog(self.exp / "log.jsonl", self.step if resume else None) if ctx.is_main else None

    # ------------------------------------------------------------------ state
    def _init_quantizer(self) -> None:
        """Place the first corners/codewords on encoder outputs of one batch (rank 0's wins under DDP)."""
        qz = self.model.quantizer
        if not hasattr(qz, "init_from"):
            return
        g = torch.Generator().manual_seed(int(self.t["seed"]) * 1000 + 999)
        batch = self.sampler.sample(max(int(self.t["batch_size"]), 8), g)
        with torch.no_grad():
            z = self.model.encode(batch["mel"].to(self.ctx.device))
        qz.init_from(z.reshape(-1, z.shape[-1]).float())

    def _rng_state(self) -> dict[str, Any]:
        state = {"data": self.gen.get_state(), "torch": torch.get_rng_state()}
        if self.ctx.device.type == "cuda":
            state["cuda"] = torch.cuda.get_rng_state(self.ctx.device)
        return state

    def _restore(self, path: Path) -> None:
        data = load_checkpoint(path)
        for section in ("model", "quantizer"):
            old = {k: v for k, v in (data["config"].get(section) or {}).items()}
            new = self.config.get(section) or {}
            if section == "quantizer":
                keep = {"name", "bits", "gradient"}
                old = {k: v for k, v in old.items() if k in keep}
                new = {k: v for k, v in new.items() if k in keep}
            if old != new:
                raise UserError(f"--resume: config section '{section}' differs from the checkpoint {path}")
        if list(data["speakers"]) != self.speakers:
            raise UserError(f"--resume: training speakers differ from those of {path}")
        self.model.load_state_dict(data["model"])
        buffers = dict(self.model.named_buffers())
        with torch.no_grad():
            for k, v in data.get("extra_buffers", {}).items():  # e.g. VQ usage counts since the last replacement
                if k in buffers:
                    buffers[k].copy_(v)
        self.opt.load_state_dict(data["optimizer"])
        self.sched.load_state_dict(data["scheduler"])
        self.scaler.load_state_dict(data["scaler"])
        self.step = int(data["step"])
        rngs = data["rng"]
        if len(rngs) == self.ctx.world_size:
            mine = rngs[self.ctx.rank]
            self.gen.set_state(mine["data"])
            torch.set_rng_state(mine["torch"])
            if "cuda" in mine and self.ctx.device.type == "cuda":
                torch.cuda.set_rng_state(mine["cuda"], self.ctx.device)
        elif self.ctx.is_main:
            print(f"note: {path} was written by {len(rngs)} processes, now {self.ctx.world_size}; "
                  f"random streams restart (not bit-exact)", file=sys.stderr)
        if self.ctx.is_main:
            print(f"resuming from {path} at step {self.step}", file=sys.stderr)

    def _payload(self) -> dict[str, Any]:
        return model_payload(self.model, self.config, self.speakers, self.mel_stats, self.f0_stats,
                             self.feature_config, self.step)

    def _save_checkpoint(self) -> None:
        rngs = self.ctx.gather_objects(self._rng_state())
        if not self.ctx.is_main:
            return
        payload = self._payload()
        persistent = set(self.model.state_dict())
        extra = {k: v.detach().cpu().clone() for k, v in self.model.named_buffers() if k not in persistent}
        payload.update(optimizer=self.opt.state_dict(), scheduler=self.sched.state_dict(),
                       scaler=self.scaler.state_dict(), rng=rngs, extra_buffers=extra)
        save_checkpoint(self.exp / CHECKPOINT_DIR / f"ckpt_{self.step:08d}.pt", payload)
        for old in list_checkpoints(self.exp)[: -max(1, int(self.t["keep_checkpoints"]))]:
            old.unlink(missing_ok=True)

    # ------------------------------------------------------------------ steps
    def _grow(self) -> None:
        qz = self.model.quantizer
        qz.grow()
        for p in qz.parameters():  # the rows moved: stale Adam moments would push the wrong corners
            self.opt.state.pop(p, None)
        self.ctx.broadcast_module(qz)

    def _train_step(self) -> tuple[float, float]:
        batch = self.sampler.sample(int(self.t["batch_size"]), self.gen)
        dev = self.ctx.device
        mel, f0, spk = batch["mel"].to(dev), batch["f0"].to(dev), batch["speaker"].to(dev)
        net = self.ddp if self.ddp is not None else self.model
        with torch.autocast(device_type=dev.type, dtype=torch.float16, enabled=self.use_amp):
            out = net(mel, spk, f0)
        loss = reconstruction_loss(out.mel, mel, self.t["loss"])
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        if float(self.t["grad_clip"]) > 0:
            self.scaler.unscale_(self.opt)
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), float(self.t["grad_clip"]))
        self.scaler.step(self.opt)
        self.scaler.update()
        self.sched.step()
        return float(loss.detach()), float(out.perplexity.detach())

    @torch.no_grad()
    def evaluate(self) -> dict[str, float]:
        """Dev reconstruction loss (hard quantisation, eval mode) and perplexity over the dev set."""
        self.model.eval()
        total, frames, indices = 0.0, 0, []
        dev = self.ctx.device
        for b in iter_batches_full(self.dev):
            out = self.model(b["mel"].to(dev), b["speaker"].to(dev), b["f0"].to(dev))
            n = b["mel"].shape[1]
            total += float(reconstruction_loss(out.mel, b["mel"].to(dev), self.t["loss"])) * n
            frames += n
            indices.append(out.index.reshape(-1).cpu())
        self.model.train()
        idx = torch.cat(indices)
        p = torch.bincount(idx).float() / len(idx)
        ppl = float(torch.exp(-(p[p > 0] * p[p > 0].log()).sum()))
        return {"dev_loss": total / max(frames, 1), "dev_perplexity": ppl}

    def train(self, until: int | None = None) -> dict[str, Any]:
        """Run (or continue) training to ``training.steps``; returns the summary written to summary.json.

        Args:
            until: stop after this step instead (a checkpoint is written there and no final model),
                e.g. to split a run into time-limited jobs that each continue with ``--resume``.
        """
        ctx, qz = self.ctx, self.model.quantizer
        if self.step >= self.total and (self.exp / MODEL_FILE).is_file() and (self.exp / "summary.json").is_file():
            if ctx.is_main:
                print(f"{self.exp} is already trained to step {self.step}; nothing to do", file=sys.stderr)
            return json.loads((self.exp / "summary.json").read_text(encoding="utf-8"))
        self.model.train()
        bar = tqdm(total=self.total, initial=self.step, disable=not (ctx.is_main and self.progress),
                   mininterval=1.0 if sys.stderr.isatty() else 30.0, desc=f"train {self.exp.name}")
        seg_frames = int(self.t["batch_size"]) * int(self.t["segment_frames"]) * ctx.world_size
        t0, steps0, acc = time.time(), self.step, []
        last_dev: dict[str, float] = {}
        stop = self.total if until is None else min(int(until), self.total)
        while self.step < stop:
            if self.step in self.grow_at and qz.can_grow:
                self._grow()
            loss, ppl = self._train_step()
            if not math.isfinite(loss):
                raise RuntimeError(f"training diverged at step {self.step + 1} (loss {loss})")
            acc.append((loss, ppl))
            self.step += 1
            bar.update(1)
            if replacement_due(self.q, self.step, self.total):
                n = qz.replace_unused() if ctx.is_main else 0
                ctx.broadcast_module(qz)
                if self.log is not None and n:
                    self.log.write({"step": self.step, "replaced": int(n)})
            if self.step % int(self.t["log_every"]) == 0 or self.step == self.total:
                rec = {"step": self.step, "loss": float(np.mean([a[0] for a in acc])),
                       "perplexity": float(np.mean([a[1] for a in acc])), "active_corners": qz.active_corners,
                       "lr": self.sched.get_last_lr()[0],
                       "frames_per_s": seg_frames * (self.step - steps0) / max(time.time() - t0, 1e-9)}
                if ctx.distributed:
                    rec["replica_max_diff"] = ctx.replica_difference(self.model)
                acc = []
                if self.log is not None:
                    self.log.write(rec)
                    bar.set_postfix(loss=f"{rec['loss']:.3f}", K=qz.active_corners)
            if self.dev and (self.step % int(self.t["dev_every"]) == 0 or self.step == self.total):
                if ctx.is_main:
                    last_dev = self.evaluate()
                    self.log.write({"step": self.step, **last_dev})
                    plot_losses(self.exp / "log.jsonl", self.exp / "loss.png", self.exp.name)
                ctx.barrier()
            if self.step % int(self.t["checkpoint_every"]) == 0 or self.step in (self.total, stop):
                self._save_checkpoint()
        bar.close()
        if self.step < self.total:
            return {"step": self.step, "stopped_early": True}
        summary = {"step": self.step, "active_corners": qz.active_corners, "quantizer": self.q["name"],
                   "loss_kind": self.t["loss"], "world_size": ctx.world_size,
                   "train_frames_per_s": seg_frames * (self.step - steps0) / max(time.time() - t0, 1e-9)
                   if self.step > steps0 else None, **last_dev}
        if ctx.is_main:
            save_checkpoint(self.exp / MODEL_FILE, self._payload())
            plot_losses(self.exp / "log.jsonl", self.exp / "loss.png", self.exp.name)
            write_text_atomic(self.exp / "summary.json", json.dumps(summary, indent=2) + "\n")
        ctx.barrier()
        return summary
