"""Phone labels: normalisation to lower-case ARPAbet and the broad phone groups.

Labels from CMUdict-based aligners (MFA, festival, flite) carry stress digits (``AH0``) and
several spellings of silence (``sil``, ``sp``, ``spn``, an empty interval). :func:`normalize_phone`
maps them all onto one lower-case inventory in which silence is ``"sil"``.

The broad groups follow Scanlon et al. (2007) as used by the SFVQ paper on TIMIT; TIMIT's
``h#`` becomes ``sil``. TIMIT-only symbols (closures, ``pau``, ``epi``, ``dx``, ``q``) are valid
labels but belong to no group, as in the paper.
"""

from __future__ import annotations

import re
from collections import OrderedDict

__all__ = [
    "ARPABET",
    "CMU_PHONES",
    "TIMIT_EXTRA",
    "KNOWN_PHONES",
    "PHONE_GROUPS",
    "SILENCE",
    "normalize_phone",
    "group_of",
    "unknown_phones",
]

SILENCE = "sil"

#: The 39 phones of CMUdict (lower case, no stress).
CMU_PHONES: frozenset[str] = frozenset(
    "aa ae ah ao aw ay b ch d dh eh er ey f g hh ih iy jh k l m n ng ow oy p r s sh t th "
    "uh uw v w y z zh".split()
)

#: ARPAbet proper: the CMUdict phones, the reduced/syllabic/flap symbols of the full
#: two-letter ARPAbet (ax axr ix ux el em en nx dx q wh), and ``sil``.
ARPABET: frozenset[str] = CMU_PHONES | frozenset(
    "ax axr ix ux el em en nx dx q wh".split()
) | frozenset([SILENCE])

#: Further TIMIT symbols (closures, pauses, devoiced schwa, syllabic eng, voiced h).
TIMIT_EXTRA: frozenset[str] = frozenset(
    "bcl dcl gcl pcl tcl kcl pau epi ax-h eng hv".split()
)

#: Every label :func:`normalize_phone` may legitimately return.
KNOWN_PHONES: frozenset[str] = ARPABET | TIMIT_EXTRA

#: Broad phone groups (order is the plotting order). Every member is in KNOWN_PHONES.
PHONE_GROUPS: "OrderedDict[str, tuple[str, ...]]" = OrderedDict(
    [
        ("plosives", ("p", "b", "t", "d", "k", "g", "jh", "ch")),
        ("fricatives", ("f", "v", "th", "dh", "s", "z", "sh", "zh", "hh", "hv")),
        ("nasals", ("m", "em", "n", "nx", "ng", "eng", "en")),
        ("vowels", ("iy", "ih", "ix", "eh", "ae", "aa", "ao", "ah", "ax", "ax-h", "uh", "uw", "ux")),
        ("diphthongs", ("ey", "aw", "ay", "oy", "ow")),
        ("approximants", ("l", "el", "r", "er", "axr", "w", "y")),
        ("silence", (SILENCE,)),
    ]
)

_GROUP_OF: dict[str, str] = {p: g for g, phones in PHONE_GROUPS.items() for p in phones}
_SILENCE_SPELLINGS = frozenset(["", "sil", "sp", "spn", "h#", "<sil>", "silence"])
_STRESS = re.compile(r"(?<=[a-z])[0-9]+$")


def normalize_phone(label: str) -> str:
    """Normalise one phone label.

    Strips whitespace and trailing stress digits, lower-cases, and maps the silence spellings
    ``""``, ``sil``, ``sp``, ``spn``, ``h#``, ``<sil>``, ``silence`` to ``"sil"``. Unknown labels are
    returned normalised but otherwise unchanged (check them against :data:`KNOWN_PHONES`).

    Args:
        label: a label as found in a TextGrid or alignment file, e.g. ``"AH0"``, ``"sp"``.

    Returns:
        The normalised label, e.g. ``"ah"``, ``"sil"``.
    """
    lab = label.strip().lower()
    lab = _STRESS.sub("", lab)
    if lab in _SILENCE_SPELLINGS:
        return SILENCE
    return lab


def group_of(phone: str) -> str | None:
    """Return the broad group of a (normalised or raw) phone label, or None if it has none.

    Args:
        phone: a phone label; it is normalised first.

    Returns:
        A key of :data:`PHONE_GROUPS` or ``None`` (closures, ``pau``, ``dx``, unknown labels).
    """
    return _GROUP_OF.get(normalize_phone(phone))


def unknown_phones(labels: list[str] | tuple[str, ...], known: frozenset[str] = KNOWN_PHONES) -> dict[str, int]:
    """Count the labels that are not in ``known`` after normalisation.

    Args:
        labels: raw or normalised labels.
        known: the accepted inventory (default :data:`KNOWN_PHONES`).

    Returns:
        ``{normalised_label: count}`` of the unknown ones, sorted by label; empty if all are known.
    """
    counts: dict[str, int] = {}
    for lab in labels:
        norm = normalize_phone(lab)
        if norm not in known:
            counts[norm] = counts.get(norm, 0) + 1
    return dict(sorted(counts.items()))
