"""flite (CMU Flite 2.2, Debian package ``flite``) through its C library, with the engine's own timings.

The ``flite`` command prints segment end times with ``-psdur`` but not which segments belong to
which word, so this module calls ``libflite`` directly (ctypes) and reads the same utterance
structure that ``-psdur`` prints: the Segment relation's ``end`` feature and, for words, the end
of the segment before the word's first segment and the end of its last segment.
"""
from __future__ import annotations

import ctypes
import ctypes.util
from functools import lru_cache

import numpy as np

from alignment import Segment, Synthesis, segments_from_ends

VOICES = ("kal16", "awb", "rms", "slt")

_vp = ctypes.c_void_p


class _Wave(ctypes.Structure):
    """``cst_wave`` from cst_wave.h."""

    _fields_ = [
        ("type", ctypes.c_char_p),
        ("sample_rate", ctypes.c_int),
        ("num_samples", ctypes.c_int),
        ("num_channels", ctypes.c_int),
        ("samples", ctypes.POINTER(ctypes.c_short)),
    ]


def _load(name: str) -> ctypes.CDLL:
    path = ctypes.util.find_library(name) or f"lib{name}.so.1"
    try:
        return ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:  # pragma: no cover - depends on the machine
        raise RuntimeError(f"cannot load {path}: install the Debian package 'flite'") from exc


@lru_cache(maxsize=1)
def _lib() -> ctypes.CDLL:
    lib = _load("flite")
    _load("flite_usenglish")
    _load("flite_cmulex")
    lib.flite_init()
    for fn in ("flite_synth_text", "utt_relation", "relation_head", "item_next", "utt_wave"):
        getattr(lib, fn).restype = _vp
    lib.flite_synth_text.argtypes = [ctypes.c_char_p, _vp]
    lib.utt_relation.argtypes = [_vp, ctypes.c_char_p]
    lib.relation_head.argtypes = [_vp]
    lib.item_next.argtypes = [_vp]
    lib.utt_wave.argtypes = [_vp]
    lib.delete_utterance.argtypes = [_vp]
    lib.ffeature_float.restype = ctypes.c_float
    lib.ffeature_float.argtypes = [_vp, ctypes.c_char_p]
    lib.ffeature_string.restype = ctypes.c_char_p
    lib.ffeature_string.argtypes = [_vp, ctypes.c_char_p]
    lib.flite_feat_set_float.argtypes = [_vp, ctypes.c_char_p, ctypes.c_float]
    lib.get_param_float.restype = ctypes.c_float
    lib.get_param_float.argtypes = [_vp, ctypes.c_char_p, ctypes.c_float]
    return lib


@lru_cache(maxsize=None)
def _voice(name: str) -> tuple[int, int, float]:
    """(cst_voice pointer, its feature set, the voice's own duration_stretch)."""
    if name not in VOICES:
        raise ValueError(f"unknown flite voice {name!r}; choose from {VOICES}")
    _lib()
    vlib = _load(f"flite_cmu_us_{name}")
    register = getattr(vlib, f"register_cmu_us_{name}")
    register.restype = _vp
    register.argtypes = [ctypes.c_char_p]
    voice = register(None)
    if not voice:
        raise RuntimeError(f"flite voice {name} failed to register")
    features = ctypes.cast(voice, ctypes.POINTER(_vp))[1]  # cst_voice.features
    return voice, features, float(_lib().get_param_float(features, b"duration_stretch", 1.0))


def _items(lib: ctypes.CDLL, utt: int, relation: bytes):
    rel = lib.utt_relation(utt, relation)
    item = lib.relation_head(rel) if rel else None
    while item:
        yield item
        item = lib.item_next(item)


def synthesize(text: str, voice: str, duration_stretch: float | None = None) -> Synthesis:
    """Synthesize ``text`` with a flite voice.

    Args:
        text: one sentence.
        voice: one of :data:`VOICES`.
        duration_stretch: flite's ``duration_stretch`` feature (>1 is slower); None keeps the
            voice's own setting (kal16 ships with 1.1), as the ``flite`` command does.
    Returns:
        Synthesis with (samples,) float32 audio at the voice's rate (16 kHz for these voices),
        phones with flite's CMU-lexicon labels (``pau`` for pauses) and words.
    """
    lib = _lib()
    vox, features, default_stretch = _voice(voice)
    stretch = default_stretch if duration_stretch is None else duration_stretch
    lib.flite_feat_set_float(features, b"duration_stretch", float(stretch))
    utt = lib.flite_synth_text(text.encode("utf-8"), vox)
    if not utt:
        raise RuntimeError(f"flite failed on {text!r}")
    try:
        labels, ends = [], []
        for seg in _items(lib, utt, b"Segment"):
            labels.append(lib.ffeature_string(seg, b"name").decode())
            ends.append(lib.ffeature_float(seg, b"end"))
        words = []
        for w in _items(lib, utt, b"Word"):
            name = lib.ffeature_string(w, b"name").decode()
            start = lib.ffeature_float(w, b"R:SylStructure.daughter1.daughter1.R:Segment.p.end")
            end = lib.ffeature_float(w, b"R:SylStructure.daughtern.daughtern.R:Segment.end")
            words.append(Segment(float(start), float(end), name))
        wave = ctypes.cast(lib.utt_wave(utt), ctypes.POINTER(_Wave)).contents
        if wave.num_channels != 1:
            raise RuntimeError("flite returned multi-channel audio")
        samples = np.ctypeslib.as_array(wave.samples, shape=(wave.num_samples,))
        wav = samples.astype(np.float32) / 32768.0
        rate = int(wave.sample_rate)
    finally:
        lib.delete_utterance(utt)
    return Synthesis(wav=wav, sample_rate=rate, phones=segments_from_ends(labels, ends), words=words)
