#!/usr/bin/env python
"""VCTK data preparation: Kaldi data directories from a VCTK 0.92 or 0.80 tree.

Layouts recognised under ``--db-root`` (directly or in a ``VCTK-Corpus-0.92`` / ``VCTK-Corpus``
sub-directory):

* 0.92: ``wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac`` (and ``_mic2``), ``txt/pNNN/pNNN_MMM.txt``,
  ``speaker-info.txt`` (IDs ``p225``);
* 0.80: ``wav48/pNNN/pNNN_MMM.wav``, ``txt/pNNN/pNNN_MMM.txt``, ``speaker-info.txt`` (IDs ``225``).

Utterances without a transcript (all of p315) are skipped and counted. The audio stays where it
is (48 kHz); the feature extractor resamples it to the model rate. Output under ``--out``::

    train/ dev/ test/      the training speakers, split by utterance per speaker
    heldout/               every utterance of the held-out (unseen) speakers
    all/                   everything, for alignment
    spk2gender, speaker_info.tsv, heldout_speakers, prep_report.txt

The test utterances of each speaker are the ones whose text the most speakers share (VCTK's
common elicitation sentences), so converted test speech can be compared with a real target
utterance of the same sentence; dev utterances are drawn at random (``--seed``) from the rest.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from vc.datadir import DataDir, write_data_dir  # noqa: E402
from vc.errors import UserError, cli_entry  # noqa: E402
from vc.fileio import write_text_atomic  # noqa: E402

EXPECTED = (
    "a VCTK tree: 0.92 layout wav48_silence_trimmed/pNNN/pNNN_MMM_mic1.flac + txt/pNNN/pNNN_MMM.txt "
    "+ speaker-info.txt, or 0.80 layout wav48/pNNN/pNNN_MMM.wav + txt/ + speaker-info.txt"
)
_UTT_092 = re.compile(r"^(?P<utt>(?P<spk>[ps]\d+)_\d+)_(?P<mic>mic[12])\.flac$")
_UTT_080 = re.compile(r"^(?P<utt>(?P<spk>[ps]\d+)_\d+)\.wav$")


@dataclass
class Corpus:
    """A located VCTK tree."""

    root: Path
    version: str  # "0.92" or "0.80"

    @property
    def audio_dir(self) -> Path:
        return self.root / ("wav48_silence_trimmed" if self.version == "0.92" else "wav48")


def locate(db_root: Path) -> Corpus:
    """Find the VCTK tree under ``db_root``.

    Raises:
        UserError: saying what was expected and what was found.
    """
    if not db_root.is_dir():
        raise UserError(f"--db-root {db_root} does not exist; expected {EXPECTED}")
    for cand in (db_root, db_root / "VCTK-Corpus-0.92", db_root / "VCTK-Corpus"):
        if (cand / "wav48_silence_trimmed").is_dir() and (cand / "txt").is_dir():
            return Corpus(cand, "0.92")
        if (cand / "wav48").is_dir() and (cand / "txt").is_dir():
            return Corpus(cand, "0.80")
    found = sorted(p.name + ("/" if p.is_dir() else "") for p in db_root.iterdir())[:12]
    raise UserError(
        f"--db-root {db_root} is not a VCTK tree: expected {EXPECTED}; "
        f"found: {', '.join(found) if found else 'an empty directory'}"
    )


def read_speaker_info(corpus: Corpus) -> dict[str, dict[str, str]]:
    """Parse ``speaker-info.txt`` into speaker id (``pNNN``) -> {age, gender, accent, region}.

    Raises:
        UserError: the file is missing.
    """
    path = corpus.root / "speaker-info.txt"
    if not path.is_file():
        raise UserError(f"{path} not found; expected {EXPECTED}")
    info: dict[str, dict[str, str]] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split()
        if not parts or parts[0].upper() == "ID" or not re.match(r"^[ps]?\d+$", parts[0]):
            continue
        spk = parts[0] if parts[0][0] in "ps" else f"p{parts[0]}"
        fields = parts[1:] + [""] * 4
        info[spk] = {"age": fields[0], "gender": fields[1].upper()[:1], "accent": fields[2],
                     "region": " ".join(parts[4:]) if len(parts) > 4 else ""}
    return info


def scan(corpus: Corpus, mic: str) -> tuple[dict[str, Path], dict[str, str], Counter, Counter]:
    """List audio and transcripts.

    Returns:
        ``(audio, text, no_text, no_audio)``: utt -> audio file, utt -> transcript, and per-speaker
        counts of audio files without a transcript and transcripts without audio.
    """
    audio: dict[str, Path] = {}
    pattern = _UTT_092 if corpus.version == "0.92" else _UTT_080
    for spk_dir in sorted(p for p in corpus.audio_dir.iterdir() if p.is_dir()):
        for f in sorted(spk_dir.iterdir()):
            m = pattern.match(f.name)
            if m and (corpus.version == "0.80" or m.group("mic") == mic):
                audio[m.group("utt")] = f
    text: dict[str, str] = {}
    for spk_dir in sorted(p for p in (corpus.root / "txt").iterdir() if p.is_dir()):
        for f in sorted(spk_dir.glob("*.txt")):
            line = " ".join(f.read_text(encoding="utf-8", errors="replace").split())
            if line:
                text[f.stem] = line
    no_text = Counter(u.split("_")[0] for u in audio if u not in text)
    no_audio = Counter(u.split("_")[0] for u in text if u not in audio)
    return audio, text, no_text, no_audio


def split(
    utts_by_spk: dict[str, list[str]], text: dict[str, str], n_dev: int, n_test: int, seed: int
) -> dict[str, list[str]]:
    """Split each speaker's utterances into train/dev/test (see module docstring).

    Returns:
        ``{"train": [...], "dev": [...], "test": [...]}``.
    """
    shared = Counter()
    for utts in utts_by_spk.values():
        shared.update({_norm(text[u]) for u in utts})
    out: dict[str, list[str]] = {"train": [], "dev": [], "test": []}
    rng = random.Random(seed)
    for spk, utts in sorted(utts_by_spk.items()):
        utts = sorted(utts)
        keep_train = max(1, len(utts) - n_dev - n_test)
        n_test_s = min(n_test, max(0, len(utts) - keep_train))
        test = sorted(utts, key=lambda u: (-shared[_norm(text[u])], u))[:n_test_s]
        rest = [u for u in utts if u not in set(test)]
        rng.shuffle(rest)
        n_dev_s = min(n_dev, max(0, len(rest) - 1))
        out["test"] += test
        out["dev"] += rest[:n_dev_s]
        out["train"] += rest[n_dev_s:]
    return {k: sorted(v) for k, v in out.items()}


def _norm(s: str) -> str:
    return re.sub(r"[^a-z ]", "", s.lower()).strip()


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description="Kaldi data directories from a VCTK 0.92 or 0.80 tree.")
    p.add_argument("--db-root", required=True, type=Path, help="directory holding the VCTK tree")
    p.add_argument("--out", required=True, type=Path, help="output directory (e.g. data)")
    p.add_argument("--mic", choices=("mic1", "mic2"), default="mic1", help="microphone of VCTK 0.92 (default mic1)")
    p.add_argument("--heldout-speakers", default="", help="comma-separated speakers kept out of training")
    p.add_argument("--num-heldout", type=int, default=0,
                   help="if --heldout-speakers is empty, hold out this many speakers (the last ones by id)")
    p.add_argument("--dev-per-speaker", type=int, default=5, help="dev utterances per training speaker")
    p.add_argument("--test-per-speaker", type=int, default=5, help="test utterances per training speaker")
    p.add_argument("--max-speakers", type=int, default=0, help="use at most this many speakers (0: all)")
    p.add_argument("--max-utts-per-speaker", type=int, default=0, help="at most this many utterances each (0: all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--check", action="store_true", help="only check that --db-root holds a VCTK tree")
    return p


@cli_entry
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    corpus = locate(args.db_root)
    info = read_speaker_info(corpus)
    if args.check:
        print(f"VCTK {corpus.version} at {corpus.root}")
        return 0
    audio, text, no_text, no_audio = scan(corpus, args.mic)
    if not audio:
        raise UserError(f"{corpus.audio_dir}: no audio files for {args.mic} (expected {EXPECTED})")
    utts_by_spk: dict[str, list[str]] = {}
    for utt in sorted(audio):
        if utt in text:
            utts_by_spk.setdefault(utt.split("_")[0], []).append(utt)
    speakers = sorted(utts_by_spk)
    if args.max_speakers > 0:
        speakers = speakers[: args.max_speakers]
    if args.max_utts_per_speaker > 0:
        utts_by_spk = {s: u[: args.max_utts_per_speaker] for s, u in utts_by_spk.items()}
    utts_by_spk = {s: utts_by_spk[s] for s in speakers}
    if args.heldout_speakers:
        heldout = sorted(s.strip() for s in args.heldout_speakers.split(",") if s.strip())
        unknown = [s for s in heldout if s not in utts_by_spk]
        if unknown:
            raise UserError(f"--heldout-speakers: unknown speaker(s) {', '.join(unknown)} "
                            f"(known: {', '.join(speakers[:10])}{' ...' if len(speakers) > 10 else ''})")
    else:
        heldout = speakers[len(speakers) - args.num_heldout:] if args.num_heldout > 0 else []
    if len(heldout) >= len(speakers):
        raise UserError(f"holding out {len(heldout)} of {len(speakers)} speakers leaves none for training")
    train_spk = {s: u for s, u in utts_by_spk.items() if s not in heldout}
    sets = split(train_spk, text, args.dev_per_speaker, args.test_per_speaker, args.seed)
    sets["heldout"] = sorted(u for s in heldout for u in utts_by_spk[s])
    sets["all"] = sorted(u for us in utts_by_spk.values() for u in us)
    for name, utts in sets.items():
        if not utts:
            continue
        write_data_dir(args.out / name, DataDir(
            wav_scp={u: str(audio[u].resolve()) for u in utts},
            text={u: text[u] for u in utts},
            utt2spk={u: u.split("_")[0] for u in utts},
        ))
    genders = {s: info.get(s, {}).get("gender", "") for s in speakers}
    write_text_atomic(args.out / "spk2gender", "".join(f"{s} {g.lower()}\n" for s, g in genders.items() if g))
    write_text_atomic(args.out / "speaker_info.tsv", "speaker\tage\tgender\taccent\tregion\tutterances\n" + "".join(
        f"{s}\t{info.get(s, {}).get('age', '')}\t{genders[s]}\t{info.get(s, {}).get('accent', '')}\t"
        f"{info.get(s, {}).get('region', '')}\t{len(utts_by_spk[s])}\n" for s in speakers))
    write_text_atomic(args.out / "heldout_speakers", "".join(f"{s}\n" for s in heldout))
    lines = [
        f"VCTK {corpus.version} at {corpus.root} (mic {args.mic if corpus.version == '0.92' else 'n/a'})",
        f"speakers: {len(speakers)} ({len(speakers) - len(heldout)} training, {len(heldout)} held out)",
        *(f"{name}: {len(utts)} utterances" for name, utts in sets.items()),
        f"skipped {sum(no_text.values())} utterance(s) without a transcript"
        + (f" ({', '.join(f'{s}: {n}' for s, n in sorted(no_text.items()))})" if no_text else ""),
        f"skipped {sum(no_audio.values())} transcript(s) without {args.mic} audio"
        + (f" ({', '.join(f'{s}: {n}' for s, n in sorted(no_audio.items()))})" if no_audio else ""),
    ]
    missing_info = [s for s in speakers if s not in info]
    if missing_info:
        lines.append(f"speakers missing from speaker-info.txt: {', '.join(missing_info)}")
    write_text_atomic(args.out / "prep_report.txt", "\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    main()
