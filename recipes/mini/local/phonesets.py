"""Explicit tables from each synthesizer's phone set to lower-case ARPAbet without stress, plus ``sil``.

Target inventory: the 39 CMUdict phones plus ``ax`` (the reduced vowel that flite's and festival's
lexicons use for unstressed ``ah``) plus ``sil``.  TIMIT-only allophones of the radio phone set
(``axr dx el em en hv ix nx``) are folded into that inventory.  Every native label must appear in
a table: an unknown label stops corpus generation instead of being guessed.
"""
from __future__ import annotations

ARPABET: frozenset[str] = frozenset(
    "aa ae ah ao aw ax ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th "
    "uh uw v w y z zh sil".split()
)

_CMU = [p for p in ARPABET if p not in ("sil",)]

#: festival's ``radio`` phone set (kal/ked diphone and cmu_us_slt_arctic_hts voices) and the
#: CMU lexicon phones that flite's US English voices use (a subset of radio).
RADIO_TO_ARPABET: dict[str, tuple[str, ...]] = {p: (p,) for p in _CMU}
RADIO_TO_ARPABET.update(
    {
        "pau": ("sil",),
        "h#": ("sil",),
        "brth": ("sil",),
        "axr": ("er",),
        "dx": ("t",),
        "el": ("l",),
        "em": ("m",),
        "en": ("n",),
        "hv": ("hh",),
        "ix": ("ih",),
        "nx": ("n",),
    }
)

#: espeak-ng English phoneme mnemonics (voices en-us, en-gb, en-gb-x-rp, en-gb-scotland) -> ARPAbet,
#: shared by rhotic and non-rhotic voices; the vowels that differ are in the two tables below.
_ESPEAK_COMMON: dict[str, tuple[str, ...]] = {
    # pauses
    "_": ("sil",),
    "_:": ("sil",),
    "_!": ("sil",),
    "_|": ("sil",),
    "_!_": ("sil",),
    # plosives and affricates
    "p": ("p",),
    "b": ("b",),
    "t": ("t",),
    "t#": ("t",),  # flapped t (en-us)
    "t2": ("t",),
    "?": ("t",),  # glottal stop for t (button)
    "d": ("d",),
    "d#": ("d",),
    "k": ("k",),
    "g": ("g",),
    "tS": ("ch",),
    "dZ": ("jh",),
    # fricatives
    "f": ("f",),
    "v": ("v",),
    "T": ("th",),
    "D": ("dh",),
    "s": ("s",),
    "z": ("z",),
    "S": ("sh",),
    "Z": ("zh",),
    "h": ("hh",),
    "x": ("hh",),
    # nasals
    "m": ("m",),
    "n": ("n",),
    "n-": ("n",),  # syllabic n
    "N": ("ng",),
    # approximants
    "l": ("l",),
    "L": ("l",),  # dark / syllabic l
    "l/": ("l",),
    "l/2": ("l",),
    "r": ("r",),
    "r-": ("r",),  # linking r
    "w": ("w",),
    "j": ("y",),
    ";": ("y",),  # linking glide between a front vowel and the next vowel (the evening)
    "w#": ("w",),  # voiceless w (Scottish when)
    # monophthongs
    "@": ("ax",),
    "@2": ("ax",),
    "@5": ("ax",),
    "@-": ("ax",),
    "a#": ("ax",),
    "3:": ("er",),
    "IR": ("er",),
    "VR": ("er",),
    "I": ("ih",),
    "I2": ("ih",),
    "I#": ("ih",),
    "i": ("iy",),
    "i:": ("iy",),
    "E": ("eh",),
    "e": ("eh",),
    "a": ("ae",),
    "aa": ("ae",),
    "A:": ("aa",),
    "A": ("aa",),
    "0": ("aa",),
    "O:": ("ao",),
    "O": ("ao",),
    "O2": ("ao",),  # en-us vowel of off, often, on
    "V": ("ah",),
    "U": ("uh",),
    "u:": ("uw",),
    "u": ("uw",),
    # diphthongs
    "eI": ("ey",),
    "aI": ("ay",),
    "aI2": ("ay",),
    "OI": ("oy",),
    "aU": ("aw",),
    "oU": ("ow",),
    "@U": ("ow",),
}

#: en-us: espeak-ng writes r-coloured vowels as single phonemes (car = k A@); they become vowel + r,
#: split by ``alignment.map_labels`` (first 60 % vowel, last 40 % r/er).
_ESPEAK_RHOTIC: dict[str, tuple[str, ...]] = {
    "3": ("er",),
    "o@": ("ao", "r"),
    "O@": ("ao", "r"),
    "A@": ("aa", "r"),
    "e@": ("eh", "r"),
    "i@": ("ih", "r"),
    "i@3": ("ih", "r"),
    "U@": ("uh", "r"),
    "aI@": ("ay", "er"),
    "aI3": ("ay", "er"),
    "aU@": ("aw", "er"),
    "aU3": ("aw", "er"),
}

#: en-gb voices: the same symbols are non-rhotic (car = k A@ is [kɑː]; a following r, where the
#: accent has one, is a phoneme of its own), centring diphthongs end in a schwa.
_ESPEAK_NON_RHOTIC: dict[str, tuple[str, ...]] = {
    "3": ("ax",),
    "o@": ("ao",),
    "O@": ("ao",),
    "A@": ("aa",),
    "e@": ("eh",),
    "i@": ("ih", "ax"),
    "i@3": ("ih", "ax"),
    "U@": ("uh", "ax"),
    "aI@": ("ay", "ax"),
    "aI3": ("ay", "ax"),
    "aU@": ("aw", "ax"),
    "aU3": ("aw", "ax"),
}


def espeak_table(rhotic: bool) -> dict[str, tuple[str, ...]]:
    """The espeak-ng -> ARPAbet table for a rhotic (en-us) or non-rhotic (en-gb) voice."""
    table = dict(_ESPEAK_COMMON)
    table.update(_ESPEAK_RHOTIC if rhotic else _ESPEAK_NON_RHOTIC)
    return table


def check_tables() -> None:
    """Raise ValueError if any table maps to a label outside :data:`ARPABET`."""
    tables = {"radio": RADIO_TO_ARPABET, "espeak-rhotic": espeak_table(True), "espeak": espeak_table(False)}
    for name, table in tables.items():
        for native, target in table.items():
            bad = [p for p in target if p not in ARPABET]
            if bad:
                raise ValueError(f"{name} table maps {native!r} to non-ARPAbet {bad}")


check_tables()
