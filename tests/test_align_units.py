"""Unit tests of the aligner's pure parts: transcript normalisation, lexicon, boundary scoring."""

from __future__ import annotations

import numpy as np
import pytest

from vc.align.lexicon import OOV_SUFFIX, Lexicon, cardinal_words, number_words, ordinal_words, tokenize
from vc.align.scoring import boundary_errors, score_corpus
from vc.textgrids import Interval

DICT = {
    "the": "DH AH", "cat": "K AE T", "dog": "D AO G", "book": "B UH K", "case": "K EY S",
    "well": "W EH L", "known": "N OW N", "nineteen": "N AY N T IY N", "ninety": "N AY N T IY",
    "twenty": "T W EH N T IY", "first": "F ER S T", "one": "W AH N", "hundred": "HH AH N D R AH D",
    "two": "T UW", "five": "F AY V", "bus": "B AH S", "don't": "D OW N T", "p.m.": "P IY EH M",
    "three": "TH R IY", "and": "AH N D", "percent": "P ER S EH N T", "oh": "OW", "fourth": "F AO R TH",
}


def lexicon() -> Lexicon:
    return Lexicon(DICT.get)


def test_tokenize_drops_punctuation_keeps_inner_marks() -> None:
    assert tokenize("The cat's  well-known, \u2018don\u2019t\u2019 -- 3 p.m.!") == [
        "the", "cat's", "well-known", "'don't'", "3", "p.m",
    ]
    assert tokenize("Rock & roll: 5%") == ["rock", "and", "roll", "5", "percent"]
    assert tokenize("' -- ...") == []
    assert tokenize("Caf\u00e9 NA\u00cfVE") == ["cafe", "naive"]


@pytest.mark.parametrize(
    "n, words",
    [(0, ["zero"]), (15, ["fifteen"]), (40, ["forty"]), (99, ["ninety", "nine"]),
     (105, ["one", "hundred", "five"]), (2001, ["two", "thousand", "one"]),
     (3_000_000, ["three", "million"])],
)
def test_cardinal_words(n: int, words: list[str]) -> None:
    assert cardinal_words(n) == words


@pytest.mark.parametrize(
    "digits, words",
    [("1990", ["nineteen", "ninety"]), ("1905", ["nineteen", "oh", "five"]), ("1900", ["nineteen", "hundred"]),
     ("2001", ["two", "thousand", "one"]), ("2024", ["twenty", "twenty", "four"]), ("250", ["two", "hundred", "fifty"])],
)
def test_number_words_years_and_cardinals(digits: str, words: list[str]) -> None:
    assert number_words(digits) == words


@pytest.mark.parametrize("n, last", [(1, "first"), (2, "second"), (4, "fourth"), (12, "twelfth"), (20, "twentieth"),
                                     (21, "first")])
def test_ordinal_words(n: int, last: str) -> None:
    assert ordinal_words(n)[-1] == last


def test_resolve_dictionary_words_and_rules() -> None:
    res = lexicon().resolve("The dog's 1990 well-known bookcase, 21st; 3 p.m.")
    assert res.oov == []
    assert res.words == ["the", "dog's", "nineteen", "ninety", "well", "known", "bookcase", "twenty", "first",
                         "three", "p.m."]
    # Possessive after a voiced consonant takes Z; the compound joins its parts' phones.
    assert res.additions == {"dog's": "D AO G Z", "bookcase": "B UH K K EY S"}
    assert sorted(res.derived) == ["1990", "21st", "3", "bookcase", "dog's", "p.m", "well-known"]


@pytest.mark.parametrize("token, suffix", [("cat's", "K AE T S"), ("bus's", "B AH S IH Z"), ("dog's", "D AO G Z")])
def test_possessive_suffix_follows_last_phone(token: str, suffix: str) -> None:
    res = lexicon().resolve(token)
    assert res.words == [token] and res.additions[token] == suffix


def test_oov_reported_or_kept_with_garbage_model() -> None:
    lex = lexicon()
    res = lex.resolve("the zorblax cat")
    assert res.oov == ["zorblax"] and res.words == ["the", "cat"]
    kept = lex.resolve("the zorblax cat", oov_phones="+SPN+")
    assert kept.words == ["the", "zorblax" + OOV_SUFFIX, "cat"]
    assert kept.additions == {"zorblax" + OOV_SUFFIX: "+SPN+"}
    # A compound needs two dictionary parts of at least three letters.
    assert lex.resolve("catx").oov == ["catx"]


def _ivs(spec: list[tuple[float, float, str]]) -> list[Interval]:
    return [Interval(a, b, lab) for a, b, lab in spec]


def test_boundary_errors_exact_and_shifted() -> None:
    ref = _ivs([(0, 0.1, "sil"), (0.1, 0.2, "k"), (0.2, 0.35, "ae"), (0.35, 0.4, "t"), (0.4, 0.5, "")])
    errs, n = boundary_errors(ref, ref)
    assert n == 4 and errs.tolist() == [0.0, 0.0, 0.0, 0.0]
    hyp = _ivs([(0, 0.11, "SIL"), (0.11, 0.2, "K"), (0.2, 0.33, "AE1"), (0.33, 0.45, "T"), (0.45, 0.5, "sp")])
    errs, n = boundary_errors(ref, hyp)
    assert n == 4
    np.testing.assert_allclose(errs, [0.01, 0.0, 0.02, 0.05], atol=1e-9)


def test_boundary_errors_skip_unpaired_neighbours() -> None:
    ref = _ivs([(0, 0.1, "sil"), (0.1, 0.2, "dh"), (0.2, 0.3, "ax"), (0.3, 0.4, "k"), (0.4, 0.5, "sil")])
    # The hypothesis inserts a phone between dh and ah: only boundaries whose both sides pair
    # with consecutive hypothesis phones are scored; "ax" pairs with "ah".
    hyp = _ivs([(0, 0.1, "sil"), (0.1, 0.15, "dh"), (0.15, 0.2, "y"), (0.2, 0.31, "ah"), (0.31, 0.4, "k"),
                (0.4, 0.5, "sil")])
    errs, n = boundary_errors(ref, hyp)
    assert n == 4
    np.testing.assert_allclose(sorted(errs), [0.0, 0.0, 0.01], atol=1e-9)


def test_score_corpus_summary() -> None:
    ref = _ivs([(0, 0.1, "sil"), (0.1, 0.2, "k"), (0.2, 0.3, "sil")])
    good = _ivs([(0, 0.11, "sil"), (0.11, 0.2, "k"), (0.2, 0.3, "sil")])
    bad = _ivs([(0, 0.05, "sil"), (0.05, 0.25, "k"), (0.25, 0.3, "sil")])
    s = score_corpus({"a": (ref, good), "b": (ref, bad)})
    assert s.n_reference == 4 and s.errors.size == 4
    assert s.mean == pytest.approx((0.01 + 0.0 + 0.05 + 0.05) / 4)
    assert s.within == pytest.approx(0.5) and s.coverage == pytest.approx(1.0)
    assert score_corpus({}).errors.size == 0
