"""``vc-convert``: convert a speech file to a training speaker's voice with a trained model."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from vc.errors import UserError, cli_entry


def repo_root() -> Path:
    """The checkout holding the ``vc`` package (where ``recipes/`` lives)."""
    return Path(__file__).resolve().parents[2]


def newest_model(root: Path | None = None) -> Path:
    """Newest ``model.pt`` (by modification time) under ``recipes/*/exp/*/``.

    Raises:
        UserError: none found.
    """
    from vc.checkpoint import load_checkpoint

    root = root or repo_root()
    found = sorted(root.glob("recipes/*/exp/*/model.pt"), key=lambda p: p.stat().st_mtime, reverse=True)
    for path in found:  # other tools keep their own model.pt files under exp/ too: skip those
        try:
            load_checkpoint(path)
        except UserError:
            continue
        return path.parent
    raise UserError(f"no trained voice-conversion model under {root / 'recipes'}/*/exp/ "
                    f"(run bash recipes/mini/run.sh or pass --model EXPDIR)")


def check_writable(path: Path) -> None:
    """Fail early (before converting) if ``path`` cannot be written.

    Raises:
        UserError: the path is a directory, or its directory cannot be created or written.
    """
    if path.is_dir():
        raise UserError(f"output path is a directory: {path}")
    parent = path.parent if str(path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".vc-convert-", dir=parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as err:
        raise UserError(f"cannot write output {path}: {err.strerror or err}") from None


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of ``vc-convert``."""
    p = argparse.ArgumentParser(prog="vc-convert", description="Convert speech to a training speaker's voice.")
    p.add_argument("source", nargs="?", help="source audio file (any rate/channels libsndfile reads)")
    p.add_argument("target", nargs="?", help="target speaker (see --list-speakers)")
    p.add_argument("--model", default=None,
                   help="experiment directory or .pt file (default: newest recipes/*/exp/*/model.pt)")
    p.add_argument("-o", "--output", default=None,
                   help="output wav (default: SRC_to_TARGET.wav in the working directory)")
    p.add_argument("--list-speakers", action="store_true", help="print the model's target speakers and exit")
    p.add_argument("--batch", default=None, metavar="PAIRS",
                   help="convert many files: lines 'SRC_PATH TARGET OUT_PATH' (existing outputs are kept)")
    p.add_argument("--source-speaker", default=None,
                   help="source is this training speaker: use its F0 statistics instead of the utterance's")
    p.add_argument("--vocoder", default=None, help="vocoder name overriding the model config's")
    p.add_argument("--device", default="cpu", choices=["auto", "cpu", "cuda"])
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    """Entry point of ``vc-convert``."""
    args = build_parser().parse_args(argv)
    from vc.runtime import limit_threads, pick_device

    if args.threads is not None:
        limit_threads(args.threads)
    from vc.audio import load_audio, save_audio
    from vc.convert import Converter

    if not args.list_speakers and not args.batch and (args.source is None or args.target is None):
        raise UserError("need SOURCE and TARGET (or --list-speakers, or --batch PAIRS)")
    model_dir = Path(args.model) if args.model else newest_model()
    if not args.model:
        print(f"using model {model_dir}", file=sys.stderr)
    conv = Converter.from_pretrained(model_dir, device=pick_device(args.device), vocoder=args.vocoder)
    if args.list_speakers:
        print("\n".join(conv.speakers))
        return 0
    if args.batch:
        return _convert_batch(conv, Path(args.batch), args.source_speaker)
    conv._speaker_id(args.target)  # unknown target: fail before any work
    if args.source_speaker and args.source_speaker not in conv.speakers:
        raise UserError(f"unknown --source-speaker '{args.source_speaker}'; known: {', '.join(conv.speakers)}")
    out = Path(args.output) if args.output else Path.cwd() / f"{Path(args.source).stem}_to_{args.target}.wav"
    check_writable(out)
    wav = load_audio(args.source, conv.sample_rate, peak_normalize=True,
                     min_samples=int(0.1 * conv.sample_rate))
    y, sr = conv.convert(wav, conv.sample_rate, args.target, source_speaker=args.source_speaker)
    try:
        save_audio(out, y, sr)
    except OSError as err:
        raise UserError(f"cannot write output {out}: {err.strerror or err}") from None
    print(f"wrote {out} ({len(y) / sr:.2f} s, {sr} Hz, speaker {args.target})", file=sys.stderr)
    return 0


def _convert_batch(conv, pairs_file: Path, source_speaker: str | None) -> int:
    """Convert every line ``SRC TARGET OUT`` of ``pairs_file``; outputs that exist are skipped."""
    from tqdm import tqdm

    from vc.audio import load_audio, save_audio

    if not pairs_file.is_file():
        raise UserError(f"pairs file not found: {pairs_file}")
    jobs = []
    for n, line in enumerate(pairs_file.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 3:
            raise UserError(f"{pairs_file}:{n}: expected 'SRC_PATH TARGET OUT_PATH', got {line!r}")
        conv._speaker_id(parts[1])
        jobs.append(parts)
    done = 0
    for src, target, out in tqdm(jobs, desc="convert", mininterval=10.0, disable=not sys.stderr.isatty()):
        if Path(out).is_file():
            continue
        check_writable(Path(out))
        wav = load_audio(src, conv.sample_rate, peak_normalize=True, min_samples=int(0.1 * conv.sample_rate))
        y, sr = conv.convert(wav, conv.sample_rate, target, source_speaker=source_speaker)
        try:
            save_audio(out, y, sr)
        except OSError as err:
            raise UserError(f"cannot write output {out}: {err.strerror or err}") from None
        done += 1
    print(f"converted {done} file(s), {len(jobs) - done} already there ({pairs_file})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
