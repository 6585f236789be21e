"""The whole analysis run: encode (or load) latents, align with phones, measure, draw, report, export."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from vc.analysis.alignment import (AlignedLatents, PhoneLabels, align, orient, phone_vocabulary,
                                   read_phone_labels, textgrid_map, textgrids_from_dir)
from vc.analysis.encoding import encode_dataset, load_posthoc
from vc.analysis.figures import save_figures
from vc.analysis.latents import LatentSet, is_latent_dir, load_latent_set
from vc.analysis.praat import export_textgrids
from vc.analysis.report import markdown_table, write_report
from vc.analysis.results import Analysis, analyze
from vc.checkpoint import find_model_file
from vc.errors import UserError
from vc.fileio import write_text_atomic
from vc.phones import KNOWN_PHONES


@dataclass
class AnalysisRun:
    """Outputs of :func:`run_analysis`.

    Attributes:
        analyses: one per latent set, in the order given.
        files: every file written.
        skipped: set name -> utt -> reason (encoding failures and unusable TextGrids).
    """

    analyses: list[Analysis]
    files: list[Path] = field(default_factory=list)
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)


def obtain_latents(model: str, data: str | None, quantizer: str, nj: int) -> tuple[LatentSet, dict[str, str]]:
    """Latents of ``model``: read an encoding directory (vc-encode output) or encode ``data`` now.

    Returns:
        (latents, utt -> reason for utterances that could not be encoded).
    """
    if is_latent_dir(model):
        return load_latent_set(model), {}
    if data is None:
        raise UserError(f"--data is needed to encode with model {model}")
    return encode_dataset(model, data, quantizer=quantizer, keep_z=True, nj=nj)


def check_inputs(models: list[str], data: str | None, quantizers: list[str], textgrids: str | None = None) -> None:
    """Fail early, before any work, on missing models/data/TextGrid directory or a missing post-hoc SFVQ."""
    if data is not None and not os.path.isdir(data):
        raise UserError(f"--data directory not found: {data}")
    if textgrids is not None and not os.path.isdir(textgrids):
        raise UserError(f"--textgrids directory not found: {textgrids}")
    for model, quantizer in zip(models, quantizers):
        if is_latent_dir(model):
            continue
        find_model_file(model)
        if quantizer == "posthoc":
            load_posthoc(model)


def labels_for(sets: list[LatentSet], data: str | None, textgrids: str | None, tier: str, nj: int
               ) -> PhoneLabels:
    """Read the phone tiers for the utterances of all sets (``--textgrids DIR`` or DATA/textgrid.scp)."""
    utts = sorted({u for s in sets for u in s.utts})
    if textgrids is not None:
        if not os.path.isdir(textgrids):
            raise UserError(f"--textgrids directory not found: {textgrids}")
        mapping = textgrids_from_dir(textgrids, utts)
    elif data is not None:
        mapping = textgrid_map(data)
    else:
        mapping = {}
    return read_phone_labels(mapping, utts, tier=tier, nj=nj)


def _skip_text(run: AnalysisRun) -> str:
    lines = []
    for name, skipped in run.skipped.items():
        for utt, reason in skipped.items():
            lines.append(f"{name}\t{utt}\t{reason}\n")
    for a in run.analyses:
        for utt, labs in a.aligned.dropped.items():
            listed = ", ".join(f"'{lab}' ({n} frames)" for lab, n in labs.items())
            lines.append(f"{a.name}\t{utt}\tunknown phone labels dropped: {listed}\n")
    return "".join(lines)


def run_analysis(models: list[str], data: str | None, out_dir: str | os.PathLike, quantizers: list[str],
                 textgrids: str | None = None, textgrid_out: str | None = None, nj: int = 1,
                 n_perm: int = 1000, seed: int = 0, plot_utts: list[str] | None = None,
                 group: str = "fricatives", tier: str = "phones", figures: bool = True,
                 log=None) -> AnalysisRun:
    """Analyse one or more models side by side and write figures, metrics.json/.md and TextGrids.

    Args:
        models: experiment directories (or vc-encode output directories), first = main model.
        data: feature dump or data directory (needed to encode; its textgrid.scp gives the labels).
        out_dir: output directory.
        quantizers: "joint" or "posthoc" per model.
        textgrids: directory of UTT.TextGrid files (instead of DATA/textgrid.scp).
        textgrid_out: directory for the Praat export (None: no export).
        nj: parallel processes for encoding and TextGrid reading.
        n_perm: random re-orderings for the z-score.
        plot_utts: utterances for figure 1 (default: chosen automatically).
        group: broad group for the per-phone histograms.
        tier: phone tier name.
        figures: draw the figures.
        log: stream for progress and skip messages (default: sys.stderr at call time).

    Returns:
        :class:`AnalysisRun`.
    """
    log = sys.stderr if log is None else log
    if len(quantizers) != len(models):
        raise UserError("one quantizer choice per model is needed")
    check_inputs(models, data, quantizers, textgrids)
    run = AnalysisRun(analyses=[])
    sets = []
    for model, quantizer in zip(models, quantizers):
        print(f"analysis: latents of {model} ({quantizer})", file=log)
        latents, skipped = obtain_latents(model, data, quantizer, nj)
        if not latents.utts:
            raise UserError(f"no utterance of {data} could be encoded with {model}")
        if latents.n_indices < 2:
            raise UserError(f"{model}: no quantizer with at least 2 indices to analyse")
        sets.append(latents)
        run.skipped[latents.name] = dict(skipped)
    names = [s.name for s in sets]
    for i, s in enumerate(sets):
        if names.count(s.name) > 1:
            s.name = f"{s.name} ({i + 1})"
    labels = labels_for(sets, data, textgrids, tier, nj)
    vocab = phone_vocabulary({iv.label for ivs in labels.intervals.values() for iv in ivs
                              if iv.label in KNOWN_PHONES})
    aligned: list[AlignedLatents] = []
    for s in sets:
        al = orient(align(s, labels, phones=vocab))
        run.skipped.setdefault(s.name, {}).update(al.skipped)
        if not al.intervals:
            first = next(iter(al.skipped.items()), ("", "no utterances"))
            hint = "" if textgrids or (data and textgrid_map(data)) else (
                f"; {data} has no textgrid.scp: give --textgrids DIR or a data directory with textgrid.scp")
            raise UserError(f"no utterance of {s.name} has usable phone labels (e.g. {first[0]}: {first[1]}){hint}")
        aligned.append(al)
        run.analyses.append(analyze(al, n_perm=n_perm, seed=seed))
    if plot_utts is not None:
        missing = [u for u in plot_utts if any(u not in al.utts for al in aligned)]
        if missing:
            print(f"analysis: warning: --plot-utts not found in every set, left out: {', '.join(missing)}", file=log)
        plot_utts = [u for u in plot_utts if u not in missing]
    out = Path(out_dir)
    settings = {"models": models, "quantizers": quantizers, "data": data, "textgrids": textgrids,
                "n_perm": n_perm, "seed": seed, "tier": tier}
    run.files += list(write_report(out, run.analyses, settings))
    if figures:
        run.files += save_figures(run.analyses, out, utts=plot_utts, group=group)
    if textgrid_out is not None:
        run.files += export_textgrids(aligned, textgrid_out)
    skip_text = _skip_text(run)
    write_text_atomic(out / "skipped.tsv", skip_text)
    run.files.append(out / "skipped.tsv")
    n_skip = sum(len(v) for v in run.skipped.values())
    if n_skip:
        shown = skip_text.splitlines()[:10]
        print(f"analysis: skipped {n_skip} utterance(s) (all listed in {out / 'skipped.tsv'}):", file=log)
        for line in shown:
            print("  " + line.replace("\t", ": ", 2), file=log)
    return run


def print_table(run: AnalysisRun, stream=None) -> None:
    """Print the markdown metric table of a run (default stream: sys.stdout at call time)."""
    (sys.stdout if stream is None else stream).write(markdown_table([a.metrics for a in run.analyses]))
