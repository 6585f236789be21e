"""espeak-ng (Debian ``libespeak-ng1``) through its C API, with phoneme events for exact timings.

The library is initialised with phoneme events enabled; in synchronous mode the synthesis
callback receives the audio and, interleaved with it, an event per word and per phoneme.  Each
event's ``sample`` field is the sample index where that phoneme (or word) starts in the output,
so the phone tier is built from start times, and a word spans its own phonemes.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import numpy as np

from alignment import Segment, Synthesis, normalize_words, segments_from_starts

# espeak_EVENT_TYPE
_EV_LIST_TERMINATED, _EV_WORD, _EV_PHONEME, _EV_END = 0, 1, 7, 5
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE, _PARAM_PITCH, _PARAM_RANGE = 1, 3, 4


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` from speak_lib.h."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Engine:
    """The process-wide espeak-ng instance (the C library keeps global state)."""

    def __init__(self) -> None:
        path = ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1"
        try:
            self.lib = ctypes.CDLL(path)
        except OSError as exc:  # pragma: no cover - depends on the machine
            raise RuntimeError(f"cannot load {path}: install the Debian package 'libespeak-ng1'") from exc
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, None, _INITIALIZE_PHONEME_EVENTS)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self.chunks: list[np.ndarray] = []
        self.events: list[tuple[int, int, int, int, str]] = []
        self._cb = _Callback(self._callback)  # keep a reference: the C side holds the pointer
        self.lib.espeak_SetSynthCallback(self._cb)

    def _callback(self, wav, n, events) -> int:
        if n > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).copy())
        i = 0
        while events[i].type != _EV_LIST_TERMINATED:
            ev = events[i]
            name = bytes(ev.id.string).split(b"\0", 1)[0].decode() if ev.type == _EV_PHONEME else ""
            self.events.append((ev.type, ev.text_position, ev.length, ev.sample, name))
            i += 1
        return 0


@lru_cache(maxsize=1)
def _engine() -> _Engine:
    return _Engine()


def synthesize(text: str, voice: str, rate: int = 175, pitch: int = 50, pitch_range: int = 50) -> Synthesis:
    """Synthesize ``text`` with espeak-ng.

    Args:
        text: one sentence (ASCII).
        voice: voice name, optionally with a variant (``en-us``, ``en-gb-x-rp+f3``).
        rate: words per minute (espeak ``-s``).
        pitch: base pitch 0-99 (espeak ``-p``).
        pitch_range: pitch range 0-99.
    Returns:
        Synthesis with (samples,) float32 audio at espeak's rate (22050 Hz), phones with espeak-ng
        phoneme mnemonics (``_``, ``_:`` for pauses) and words spelled as in ``text``.
    """
    eng = _engine()
    lib = eng.lib
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise ValueError(f"espeak-ng has no voice {voice!r}")
    for param, value in ((_PARAM_RATE, rate), (_PARAM_PITCH, pitch), (_PARAM_RANGE, pitch_range)):
        if lib.espeak_SetParameter(param, int(value), 0) != 0:
            raise RuntimeError(f"espeak_SetParameter({param}, {value}) failed")
    eng.chunks, eng.events = [], []
    data = text.encode("utf-8")
    status = lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
    if status != 0 or lib.espeak_Synchronize() != 0:
        raise RuntimeError(f"espeak-ng failed on {text!r} (status {status})")
    wav = np.concatenate(eng.chunks).astype(np.float32) / 32768.0
    sr = eng.sample_rate
    labels: list[str] = []
    starts: list[float] = []
    owner: list[int] = []  # index of the WORD event a phoneme follows, -1 for pauses
    word_pos: list[int] = []  # 1-based character position of each WORD event
    for etype, pos, _length, sample, name in eng.events:
        if etype == _EV_WORD:
            word_pos.append(pos)
        elif etype == _EV_PHONEME:
            labels.append(name)
            starts.append(sample / sr)
            owner.append(-1 if name.startswith("_") else max(len(word_pos) - 1, 0))
    phones = segments_from_starts(labels, starts, len(wav) / sr)
    offset = len(phones) - len(labels)  # 1 if a leading silence segment was added
    phones = attach_closures(phones, np.concatenate(eng.chunks), sr)
    words = _words(text, data, word_pos, owner, [p for p in phones[offset:]], voice)
    return Synthesis(wav=wav, sample_rate=sr, phones=phones, words=words)


#: espeak-ng phonemes made of a silent closure and a release.
STOPS = frozenset({"p", "b", "t", "d", "k", "g", "tS", "dZ", "t#", "t2", "d#", "?"})


def attach_closures(phones: list[Segment], pcm: np.ndarray, sample_rate: int, min_keep: float = 0.01) -> list[Segment]:
    """Move each stop's start back to the start of its closure.

    espeak-ng writes a stop's closure as exact digital silence and sends the stop's phoneme event
    at the release, so the closure would otherwise count as the end of the phone before.  Where a
    run of zero samples (at least 2 ms) ends exactly at a stop's event, the boundary moves to the
    start of that run, provided the phone before keeps at least ``min_keep`` seconds and is not a
    pause.  (Before a voiced stop espeak-ng usually writes a voice bar; then nothing moves.)

    Args:
        phones: contiguous segments with espeak-ng labels.
        pcm: (samples,) int16 engine output.
        sample_rate: its rate.
    Returns:
        The segments with adjusted boundaries.
    """
    out = list(phones)
    for i in range(1, len(out)):
        seg, prev = out[i], out[i - 1]
        if seg.label not in STOPS or prev.label.startswith("_") or prev.label == "sil":
            continue
        event = int(round(seg.start * sample_rate))
        start = event
        while start > 0 and pcm[start - 1] == 0:
            start -= 1
        if event - start < 0.002 * sample_rate:
            continue
        t = start / sample_rate
        if t - prev.start < min_keep:
            continue
        out[i - 1] = Segment(prev.start, t, prev.label)
        out[i] = Segment(t, seg.end, seg.label)
    return out


def _isolated_phoneme_count(word: str) -> int:
    """Number of phonemes espeak-ng gives ``word`` on its own (current voice)."""
    lib = _engine().lib
    lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
    lib.espeak_TextToPhonemes.argtypes = [ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int]
    ptr = ctypes.c_char_p(word.encode("utf-8"))
    out = lib.espeak_TextToPhonemes(ctypes.byref(ptr), _CHARS_UTF8, ord(" ") << 8) or b""
    return len(out.split())


def _words(
    text: str, data: bytes, word_pos: list[int], owner: list[int], phones: list[Segment], voice: str
) -> list[Segment]:
    """Word segments from WORD events.

    espeak-ng sends no WORD event for an unstressed function word that it joins to the word before
    (``on the`` -> one event, phonemes ``O2 n D @2``).  Such a group's text span holds several words;
    the trailing words get as many of the group's phonemes as espeak-ng gives them in isolation.
    """
    groups: dict[int, list[Segment]] = {}
    for seg, who in zip(phones, owner, strict=True):
        if who >= 0:
            groups.setdefault(who, []).append(seg)
    words: list[Segment] = []
    for g, segs in sorted(groups.items()):
        begin = word_pos[g] - 1
        end = word_pos[g + 1] - 1 if g + 1 < len(word_pos) else len(data)
        tokens = normalize_words(data[begin:end].decode("utf-8"))
        if not tokens:
            raise RuntimeError(f"espeak-ng phonemes without a word at {begin} in {text!r}")
        counts = [_isolated_phoneme_count(tok) for tok in tokens[1:]]
        first = len(segs) - sum(counts)
        if first < 1:
            raise RuntimeError(f"cannot split espeak-ng word group {tokens} over {len(segs)} phonemes in {text!r}")
        i = 0
        for tok, n in zip(tokens, [first, *counts]):
            words.append(Segment(segs[i].start, segs[i + n - 1].end, tok))
            i += n
    return words
