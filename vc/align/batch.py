"""Align every utterance of a Kaldi data directory into MFA-style TextGrids.

Output layout (``OUT``)::

    OUT/<speaker>/<utt>.TextGrid   tiers "words" and "phones" (phones normalised, silence "sil")
    OUT/textgrid.scp               utt -> absolute TextGrid path, aligned utterances only
    OUT/failed.txt                 utt -> reason, one per line (empty file when none failed)
    OUT/oov.txt                    OOV token -> count, most frequent first

A TextGrid that already exists is kept (an interrupted run resumes) unless ``overwrite``.
Utterances are processed by ``nj`` worker processes, each with its own pocketsphinx decoder.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from vc.align.sphinx import SAMPLE_RATE, AlignmentFailed, PocketsphinxAligner
from vc.audio import load_audio
from vc.datadir import DataDir, write_scp
from vc.errors import UserError
from vc.fileio import write_text_atomic
from vc.textgrids import write_textgrid

__all__ = ["BatchReport", "align_data_dir", "textgrid_path"]


@dataclass
class BatchReport:
    """Outcome of a batch alignment.

    Attributes:
        aligned: utt -> TextGrid path (absolute), including ones kept from an earlier run.
        failed: utt -> reason.
        oov: OOV token -> number of occurrences in the utterances aligned in this run.
        derived: tokens given a rule-built pronunciation -> occurrences.
        reused: number of TextGrids kept from an earlier run.
    """

    aligned: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    oov: Counter = field(default_factory=Counter)
    derived: Counter = field(default_factory=Counter)
    reused: int = 0


def textgrid_path(out_dir: str | os.PathLike, speaker: str, utt: str) -> Path:
    """Where the TextGrid of ``utt`` goes: ``out_dir/speaker/utt.TextGrid`` (absolute)."""
    return Path(out_dir).resolve() / speaker / f"{utt}.TextGrid"


_WORKER: dict[str, object] = {}


def _init_worker(oov: str) -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _WORKER["aligner"] = PocketsphinxAligner(oov=oov)


def _align_one(job: tuple[str, str, str, str]) -> tuple[str, str | None, list[str], list[str]]:
    """Align one utterance in a worker; returns (utt, error or None, oov tokens, derived tokens)."""
    utt, wav_path, text, out_path = job
    aligner: PocketsphinxAligner = _WORKER["aligner"]  # type: ignore[assignment]
    try:
        wav = load_audio(wav_path, SAMPLE_RATE, peak_normalize=True)
        result = aligner.align(wav, text)
        write_textgrid(out_path, {"words": result.words, "phones": result.phones}, xmax=result.duration)
    except (AlignmentFailed, UserError) as err:
        oov = aligner.lexicon.resolve(text).oov
        return utt, str(err), oov, []
    return utt, None, result.oov, result.derived


def align_data_dir(
    data: DataDir,
    out_dir: str | os.PathLike,
    nj: int = 1,
    oov: str = "skip",
    overwrite: bool = False,
    progress: bool = True,
) -> BatchReport:
    """Align all utterances of ``data`` and write TextGrids, ``textgrid.scp`` and the reports.

    Args:
        data: a data directory with ``wav.scp``, ``utt2spk`` and ``text``.
        out_dir: output directory (created).
        nj: number of worker processes.
        oov: OOV policy of :class:`~vc.align.sphinx.PocketsphinxAligner` (``skip`` or ``spn``).
        overwrite: re-align utterances whose TextGrid exists.
        progress: show a tqdm bar on stderr.

    Returns:
        A :class:`BatchReport`. Failures never raise; they are listed in the report and ``failed.txt``.

    Raises:
        UserError: ``nj < 1``, or the data directory has no utterances.
    """
    if nj < 1:
        raise UserError(f"--nj must be at least 1, got {nj}")
    utts = data.utts
    if not utts:
        raise UserError(f"data directory {data.root} has no utterances")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = BatchReport()
    jobs = []
    for utt in utts:
        path = textgrid_path(out, data.utt2spk[utt], utt)
        text = data.text.get(utt, "").strip()
        if not text:
            report.failed[utt] = "no transcript"
        elif path.is_file() and not overwrite:
            report.aligned[utt] = str(path)
            report.reused += 1
        else:
            jobs.append((utt, str(data.wav_path(utt)), text, str(path)))
    if jobs:
        _run_jobs(jobs, nj, oov, progress, report)
    write_scp(out / "textgrid.scp", report.aligned)
    write_text_atomic(out / "failed.txt", "".join(f"{u} {r}\n" for u, r in sorted(report.failed.items())))
    write_text_atomic(out / "oov.txt", "".join(f"{w} {n}\n" for w, n in report.oov.most_common()))
    return report


def _run_jobs(jobs: list[tuple[str, str, str, str]], nj: int, oov: str, progress: bool, report: BatchReport) -> None:
    nj = min(nj, len(jobs))
    bar = tqdm(total=len(jobs), desc="align", unit="utt", disable=not progress, dynamic_ncols=True)
    paths = {job[0]: job[3] for job in jobs}

    def collect(item: tuple[str, str | None, list[str], list[str]]) -> None:
        utt, error, oov_tokens, derived = item
        report.oov.update(oov_tokens)
        report.derived.update(derived)
        if error is None:
            report.aligned[utt] = paths[utt]
        else:
            report.failed[utt] = error
        bar.update(1)

    try:
        if nj == 1:
            _init_worker(oov)
            for job in jobs:
                collect(_align_one(job))
        else:
            ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
            with ctx.Pool(nj, initializer=_init_worker, initargs=(oov,)) as pool:
                for item in pool.imap_unordered(_align_one, jobs, chunksize=4):
                    collect(item)
    finally:
        bar.close()
        _WORKER.clear()
