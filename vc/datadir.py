"""Kaldi-style data directories: ``wav.scp``, ``utt2spk``, ``spk2utt``, ``text``, ``textgrid.scp``.

Each file has one ``key value`` entry per line, sorted by key (C/byte order). ``wav.scp`` and
``textgrid.scp`` map an utterance to a file path (piped commands are not supported); relative
paths are resolved against the data directory itself (the same rule as ``feats.scp``).
``spk2utt`` is always derived from ``utt2spk``. ``wav.scp`` and ``utt2spk`` are required,
``text`` and ``textgrid.scp`` optional.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from vc.errors import UserError
from vc.fileio import write_text_atomic

__all__ = [
    "DataDir",
    "read_data_dir",
    "write_data_dir",
    "validate_data_dir",
    "read_scp",
    "write_scp",
    "parse_scp_lines",
    "resolve_path",
]

REQUIRED = ("wav.scp", "utt2spk")
OPTIONAL = ("text", "textgrid.scp")


@dataclass
class DataDir:
    """An in-memory data directory.

    Attributes:
        wav_scp: utt -> audio path (as written in the file).
        text: utt -> transcript (may be empty).
        utt2spk: utt -> speaker.
        textgrid_scp: utt -> TextGrid path.
        root: directory the relative paths are resolved against (set by :func:`read_data_dir`).
    """

    wav_scp: dict[str, str] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)
    utt2spk: dict[str, str] = field(default_factory=dict)
    textgrid_scp: dict[str, str] = field(default_factory=dict)
    root: Path | None = None

    @property
    def utts(self) -> list[str]:
        """Sorted utterance ids (keys of ``wav_scp``)."""
        return sorted(self.wav_scp)

    @property
    def spk2utt(self) -> dict[str, list[str]]:
        """Speaker -> sorted utterances, derived from ``utt2spk`` (speakers sorted)."""
        out: dict[str, list[str]] = {}
        for utt in sorted(self.utt2spk):
            out.setdefault(self.utt2spk[utt], []).append(utt)
        return dict(sorted(out.items()))

    @property
    def speakers(self) -> list[str]:
        """Sorted speaker ids."""
        return sorted(set(self.utt2spk.values()))

    def wav_path(self, utt: str) -> Path:
        """Resolved audio path of ``utt`` (KeyError if absent)."""
        return resolve_path(self.wav_scp[utt], self.root)

    def textgrid_path(self, utt: str) -> Path | None:
        """Resolved TextGrid path of ``utt``, or None if it has no entry."""
        entry = self.textgrid_scp.get(utt)
        return None if entry is None else resolve_path(entry, self.root)

    def subset(self, utts: list[str]) -> "DataDir":
        """A new DataDir restricted to ``utts`` (same root)."""
        keep = set(utts)
        pick = lambda d: {k: v for k, v in d.items() if k in keep}  # noqa: E731
        return DataDir(pick(self.wav_scp), pick(self.text), pick(self.utt2spk), pick(self.textgrid_scp), self.root)


def resolve_path(entry: str, root: str | os.PathLike | None) -> Path:
    """Resolve a path from an scp file: absolute as is, relative against ``root`` (or the cwd)."""
    p = Path(entry).expanduser()
    if p.is_absolute() or root is None:
        return p
    return Path(root) / p


def parse_scp_lines(path: str | os.PathLike, min_fields: int = 1, max_fields: int | None = None):
    """Parse a ``key value`` file, collecting problems instead of raising.

    Args:
        path: the file.
        min_fields: minimum whitespace-separated fields per line including the key.
        max_fields: maximum fields (``None``: the value is the rest of the line).

    Returns:
        ``(entries, problems)``: ``entries`` is a list of ``(line_no, key, value)``; ``problems``
        lists ``"file:line: message"`` strings (malformed lines, duplicate keys, unsorted keys).
    """
    entries: list[tuple[int, str, str]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    prev: str | None = None
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as err:
        return [], [f"{path}: not UTF-8 text ({err})"]
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            problems.append(f"{path}:{no}: empty line")
            continue
        parts = line.split(maxsplit=1)
        key, value = parts[0], (parts[1].strip() if len(parts) > 1 else "")
        n = 1 + len(value.split()) if value else 1
        if n < min_fields or (max_fields is not None and n > max_fields):
            want = f"{min_fields}" if max_fields == min_fields else f"{min_fields}+"
            problems.append(f"{path}:{no}: expected {want} fields, got {n}: {line!r}")
            continue
        if key in seen:
            problems.append(f"{path}:{no}: duplicate key '{key}' (first on line {seen[key]})")
            continue
        seen[key] = no
        if prev is not None and key < prev:
            problems.append(f"{path}:{no}: not sorted: '{key}' comes after '{prev}'")
        prev = key
        entries.append((no, key, value))
    return entries, problems


_FIELDS = {"wav.scp": (2, None), "utt2spk": (2, 2), "text": (1, None), "textgrid.scp": (2, None)}


def read_scp(path: str | os.PathLike, min_fields: int = 2, max_fields: int | None = None) -> dict[str, str]:
    """Read a ``key value`` file strictly.

    Raises:
        UserError: missing file or any problem :func:`parse_scp_lines` reports (first three listed).
    """
    if not Path(path).is_file():
        raise UserError(f"missing file: {path}")
    entries, problems = parse_scp_lines(path, min_fields, max_fields)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise UserError("; ".join(problems[:3]) + more)
    return {k: v for _, k, v in entries}


def write_scp(path: str | os.PathLike, mapping: dict[str, str]) -> None:
    """Write ``key value`` lines sorted by key, atomically.

    Raises:
        UserError: a key is empty or contains whitespace, or a value contains a newline.
    """
    lines = []
    for key in sorted(mapping):
        value = str(mapping[key])
        if not key or any(c.isspace() for c in key):
            raise UserError(f"writing {path}: invalid key {key!r} (empty or contains whitespace)")
        if "\n" in value or "\r" in value:
            raise UserError(f"writing {path}: value for '{key}' contains a newline")
        lines.append(f"{key} {value}".rstrip() + "\n")
    write_text_atomic(path, "".join(lines))


def read_data_dir(path: str | os.PathLike) -> DataDir:
    """Read a data directory strictly (use :func:`validate_data_dir` for a full report).

    Args:
        path: the directory.

    Returns:
        A :class:`DataDir` with ``root=path``.

    Raises:
        UserError: missing directory/required file, malformed lines, or utt2spk not covering wav.scp.
    """
    root = Path(path)
    if not root.is_dir():
        raise UserError(f"data directory not found: {root}")
    d = DataDir(root=root)
    d.wav_scp = read_scp(root / "wav.scp", *_FIELDS["wav.scp"])
    d.utt2spk = read_scp(root / "utt2spk", *_FIELDS["utt2spk"])
    for name, attr in (("text", "text"), ("textgrid.scp", "textgrid_scp")):
        if (root / name).is_file():
            setattr(d, attr, read_scp(root / name, *_FIELDS[name]))
    missing = sorted(set(d.wav_scp) - set(d.utt2spk))
    if missing:
        raise UserError(f"{root / 'utt2spk'}: no speaker for {len(missing)} utterance(s) of wav.scp, e.g. '{missing[0]}'")
    return d


def write_data_dir(path: str | os.PathLike, d: DataDir) -> None:
    """Write ``d`` as a data directory: sorted files, ``spk2utt`` derived, each file atomic.

    ``text`` / ``textgrid.scp`` are written when non-empty; a stale one left from an earlier
    write is removed so the directory stays consistent.

    Raises:
        UserError: utt2spk's keys differ from wav.scp's, or an optional map has utterances
            not in wav.scp.
    """
    root = Path(path)
    utts = set(d.wav_scp)
    if set(d.utt2spk) != utts:
        diff = sorted(utts ^ set(d.utt2spk))
        raise UserError(f"writing {root}: utt2spk and wav.scp differ in {len(diff)} utterance(s), e.g. '{diff[0]}'")
    for name, m in (("text", d.text), ("textgrid.scp", d.textgrid_scp)):
        extra = sorted(set(m) - utts)
        if extra:
            raise UserError(f"writing {root}: {name} has utterance '{extra[0]}' that is not in wav.scp")
    root.mkdir(parents=True, exist_ok=True)
    write_scp(root / "wav.scp", d.wav_scp)
    write_scp(root / "utt2spk", d.utt2spk)
    write_scp(root / "spk2utt", {s: " ".join(u) for s, u in d.spk2utt.items()})
    for name, m in (("text", d.text), ("textgrid.scp", d.textgrid_scp)):
        if m:
            write_scp(root / name, m)
        else:
            (root / name).unlink(missing_ok=True)


def validate_data_dir(path: str | os.PathLike, check_audio: bool = True, check_textgrids: bool = True) -> list[str]:
    """Check a data directory and return every problem found (empty list if valid).

    Checks: required files exist; every line well formed, keys unique and sorted; utt2spk,
    text, textgrid.scp and spk2utt consistent with wav.scp; audio and TextGrid files exist;
    optionally audio headers readable and TextGrids valid (phone tier, known labels, end
    within 50 ms of the audio). Messages name ``file:line``.

    Args:
        path: the directory.
        check_audio: open each audio header with soundfile (cheap) to catch corrupt files.
        check_textgrids: run :func:`vc.textgrids.check_textgrid` on each TextGrid.

    Returns:
        Problem messages.
    """
    # Imported here so reading/writing data dirs does not pull in soundfile/textgrid.
    import soundfile as sf

    from vc.textgrids import check_textgrid

    root = Path(path)
    if not root.is_dir():
        return [f"{root}: data directory not found"]
    problems: list[str] = []
    tables: dict[str, list[tuple[int, str, str]]] = {}
    for name in REQUIRED + OPTIONAL + ("spk2utt",):
        f = root / name
        if not f.is_file():
            if name in REQUIRED:
                problems.append(f"{f}: missing (required)")
            continue
        lo, hi = _FIELDS.get(name, (2, None))
        entries, probs = parse_scp_lines(f, lo, hi)
        tables[name] = entries
        problems += probs
    wav = {k: (no, v) for no, k, v in tables.get("wav.scp", [])}
    utt2spk = {k: (no, v) for no, k, v in tables.get("utt2spk", [])}
    if "wav.scp" in tables and "utt2spk" in tables:
        for utt in sorted(set(wav) - set(utt2spk)):
            problems.append(f"{root / 'wav.scp'}:{wav[utt][0]}: utterance '{utt}' has no utt2spk entry")
        for utt in sorted(set(utt2spk) - set(wav)):
            problems.append(f"{root / 'utt2spk'}:{utt2spk[utt][0]}: utterance '{utt}' is not in wav.scp")
    for name in OPTIONAL:
        if name not in tables:
            continue
        table = {k: no for no, k, _ in tables[name]}
        for utt in sorted(set(table) - set(wav)):
            problems.append(f"{root / name}:{table[utt]}: utterance '{utt}' is not in wav.scp")
        for utt in sorted(set(wav) - set(table)):
            problems.append(f"{root / 'wav.scp'}:{wav[utt][0]}: utterance '{utt}' has no {name} entry")
    if "spk2utt" in tables:
        derived = {}
        for utt, (_, spk) in sorted(utt2spk.items()):
            derived.setdefault(spk, []).append(utt)
        for no, spk, value in tables["spk2utt"]:
            if sorted(value.split()) != derived.get(spk):
                problems.append(f"{root / 'spk2utt'}:{no}: speaker '{spk}' does not match utt2spk")
        for spk in sorted(set(derived) - {k for _, k, _ in tables["spk2utt"]}):
            problems.append(f"{root / 'spk2utt'}: speaker '{spk}' of utt2spk is missing")
    durations: dict[str, float] = {}
    for utt, (no, entry) in sorted(wav.items()):
        where = f"{root / 'wav.scp'}:{no}"
        if entry.endswith("|"):
            problems.append(f"{where}: '{utt}': piped commands are not supported, give a file path")
            continue
        p = resolve_path(entry, root)
        if not p.is_file():
            problems.append(f"{where}: '{utt}': audio file not found: {p}")
        elif check_audio:
            try:
                info = sf.info(str(p))
                durations[utt] = info.frames / info.samplerate
                if info.frames == 0:
                    problems.append(f"{where}: '{utt}': audio file is empty: {p}")
            except Exception as err:  # soundfile raises LibsndfileError / RuntimeError
                problems.append(f"{where}: '{utt}': cannot read audio file {p}: {err}")
    for no, utt, entry in tables.get("textgrid.scp", []):
        where = f"{root / 'textgrid.scp'}:{no}"
        p = resolve_path(entry, root)
        if not p.is_file():
            problems.append(f"{where}: '{utt}': TextGrid not found: {p}")
        elif check_textgrids:
            problems += [f"{where}: '{utt}': {msg}" for msg in check_textgrid(p, durations.get(utt))]
    return problems
