"""Transcript normalisation and pronunciation lookup for the built-in forced aligner.

A transcript such as ``"Mr. Smith's 1990 well-known bookcase."`` becomes a list of aligner words,
each either present in the pronunciation dictionary (CMUdict, as shipped with pocketsphinx) or
given a pronunciation derived from dictionary words (numbers spelled out, hyphenated parts,
possessive ``'s``, two-part compounds). Tokens that cannot be resolved are out-of-vocabulary
(OOV) and reported by the caller.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**9, "billion"), (10**6, "million"), (1000, "thousand"), (100, "hundred"))
_ORDINAL_IRREGULAR = {
    "one": "first", "two": "second", "three": "third", "five": "fifth",
    "eight": "eighth", "nine": "ninth", "twelve": "twelfth",
}
_SIBILANTS = {"S", "Z", "SH", "ZH", "CH", "JH"}
_VOICELESS = {"P", "T", "K", "F", "TH"}
#: Suffix of the stand-in word for an OOV token (never a dictionary word itself).
OOV_SUFFIX = "__oov"
_TOKEN_RE = re.compile(r"[a-z0-9']+(?:[-.][a-z0-9']+)*")
_ORDINAL_RE = re.compile(r"^(\d+)(st|nd|rd|th)$")


def cardinal_words(n: int) -> list[str]:
    """Spell out a non-negative integer below 10**12 in English words.

    Args:
        n: the number.

    Returns:
        Words, e.g. ``cardinal_words(1205) == ["one", "thousand", "two", "hundred", "five"]``.
    """
    if n < 0 or n >= 10**12:
        raise ValueError(f"number out of range: {n}")
    if n < 20:
        return [_ONES[n]]
    if n < 100:
        tens, ones = divmod(n, 10)
        return [_TENS[tens]] + ([_ONES[ones]] if ones else [])
    for scale, name in _SCALES:
        if n >= scale:
            high, rest = divmod(n, scale)
            return cardinal_words(high) + [name] + (cardinal_words(rest) if rest else [])
    raise AssertionError("unreachable")


def number_words(digits: str) -> list[str]:
    """Read a digit string the way a speaker most likely would.

    Four-digit numbers from 1100 to 1999 and 2010 to 2099 are read as years ("nineteen ninety"),
    other numbers as cardinals; ordinals like ``21st`` are handled by :func:`ordinal_words`.

    Args:
        digits: a string of ASCII digits.

    Returns:
        Words.
    """
    n = int(digits)
    if len(digits) == 4 and (1100 <= n <= 1999 or 2010 <= n <= 2099):
        high, low = divmod(n, 100)
        if low == 0:
            return cardinal_words(high) + ["hundred"]
        return cardinal_words(high) + (["oh"] if low < 10 else []) + cardinal_words(low)
    return cardinal_words(n)


def ordinal_words(n: int) -> list[str]:
    """Spell out an ordinal ("twenty first").

    Args:
        n: the number (>= 1).

    Returns:
        Words; the last one is the ordinal form.
    """
    words = cardinal_words(n)
    last = words[-1]
    if last in _ORDINAL_IRREGULAR:
        words[-1] = _ORDINAL_IRREGULAR[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


def tokenize(text: str) -> list[str]:
    """Lower-case a transcript and split it into word tokens.

    Punctuation is dropped; apostrophes, inner hyphens and inner periods are kept for the lexicon
    to resolve ("don't", "well-known", "p.m"). ``&`` and ``%`` become words; accents are removed.

    Args:
        text: one transcript line.

    Returns:
        Tokens in order.
    """
    # Accented letters lose their accents ("café" -> "cafe"), as CMUdict spells them.
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = text.replace("&", " and ").replace("%", " percent ")
    return [tok for tok in _TOKEN_RE.findall(text) if any(c.isalnum() for c in tok)]


@dataclass
class Resolution:
    """How a transcript maps onto aligner words.

    Attributes:
        words: aligner words in order (all in the dictionary once ``additions`` are added).
        additions: new dictionary entries needed, word -> space-separated ARPAbet phones.
        oov: tokens that could not be resolved (the transcript cannot be aligned as is).
        derived: tokens resolved by rule rather than a dictionary entry (for the OOV report).
    """

    words: list[str] = field(default_factory=list)
    additions: dict[str, str] = field(default_factory=dict)
    oov: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)


class Lexicon:
    """Resolve tokens against a pronunciation dictionary given as a lookup function.

    Args:
        lookup: returns the space-separated phones of a dictionary word, or None if absent
            (``pocketsphinx.Decoder.lookup_word`` fits).
    """

    def __init__(self, lookup: Callable[[str], str | None]) -> None:
        self._lookup = lookup
        self._cache: dict[str, tuple[list[str], dict[str, str]] | None] = {}

    def pronunciation(self, word: str) -> str | None:
        """Phones of a dictionary word (first variant), or None."""
        return self._lookup(word)

    def resolve(self, text: str, oov_phones: str | None = None) -> Resolution:
        """Map a transcript onto aligner words.

        Args:
            text: one transcript line.
            oov_phones: if given, each OOV token still becomes a word, ``TOKEN__oov``, with this
                pronunciation (e.g. a garbage model); otherwise OOV tokens are left out.

        Returns:
            A :class:`Resolution`; ``oov`` is non-empty if some token has no pronunciation.
        """
        res = Resolution()
        for token in tokenize(text):
            found = self._resolve_token(token)
            if found is None:
                res.oov.append(token)
                if oov_phones is not None:
                    res.words.append(token + OOV_SUFFIX)
                    res.additions[token + OOV_SUFFIX] = oov_phones
                continue
            words, additions = found
            if additions or words != [token]:
                res.derived.append(token)
            res.words.extend(words)
            res.additions.update(additions)
        return res

    def _resolve_token(self, token: str) -> tuple[list[str], dict[str, str]] | None:
        if token not in self._cache:
            self._cache[token] = self._resolve_uncached(token)
        return self._cache[token]

    def _resolve_uncached(self, token: str) -> tuple[list[str], dict[str, str]] | None:
        if self._lookup(token) is not None:
            return [token], {}
        stripped = token.strip("'.")
        if stripped != token:
            return self._resolve_token(stripped) if stripped else None
        if token.isdigit():
            return self._join(number_words(token)) if len(token) < 13 else None
        match = _ORDINAL_RE.match(token)
        if match and int(match.group(1)) > 0:
            return self._join(ordinal_words(int(match.group(1))))
        if "." in token and self._lookup(token + ".") is not None:
            return [token + "."], {}
        if "-" in token or "." in token:
            return self._join([p for p in re.split(r"[-.]", token) if p])
        if token.endswith("'s") and len(token) > 2:
            return self._possessive(token)
        return self._compound(token)

    def _join(self, parts: list[str]) -> tuple[list[str], dict[str, str]] | None:
        words: list[str] = []
        additions: dict[str, str] = {}
        for part in parts:
            found = self._resolve_token(part)
            if found is None:
                return None
            words.extend(found[0])
            additions.update(found[1])
        return words, additions

    def _possessive(self, token: str) -> tuple[list[str], dict[str, str]] | None:
        base = self._resolve_token(token[:-2])
        if base is None or len(base[0]) != 1:
            return None
        phones = base[1].get(base[0][0]) or self._lookup(base[0][0])
        if phones is None:
            return None
        last = phones.split()[-1]
        suffix = "IH Z" if last in _SIBILANTS else "S" if last in _VOICELESS else "Z"
        return [token], {**base[1], token: f"{phones} {suffix}"}

    def _compound(self, token: str) -> tuple[list[str], dict[str, str]] | None:
        if not token.isalpha():
            return None
        for cut in range(len(token) - 3, 2, -1):
            head, tail = self._lookup(token[:cut]), self._lookup(token[cut:])
            if head is not None and tail is not None:
                return [token], {token: f"{head} {tail}"}
        return None
