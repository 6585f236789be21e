"""TextGrid reading, frame labels, checks, writer; phone normalisation and groups."""

from __future__ import annotations

from pathlib import Path

import pytest

from vc.errors import UserError
from vc.phones import ARPABET, CMU_PHONES, KNOWN_PHONES, PHONE_GROUPS, group_of, normalize_phone, unknown_phones
from vc.textgrids import Interval, check_textgrid, frame_labels, read_textgrid, read_tier, textgrid_duration, write_textgrid

# Hand-made, MFA style: capitalised tier names, stress digits, "sp", an empty interval.
LONG = '''File type = "ooTextFile"
Object class = "TextGrid"

xmin = 0
xmax = 0.5
tiers? <exists>
size = 2
item []:
    item [1]:
        class = "IntervalTier"
        name = "Words"
        xmin = 0
        xmax = 0.5
        intervals: size = 3
        intervals [1]:
            xmin = 0
            xmax = 0.1
            text = ""
        intervals [2]:
            xmin = 0.1
            xmax = 0.35
            text = "HAT"
        intervals [3]:
            xmin = 0.35
            xmax = 0.5
            text = ""
    item [2]:
        class = "IntervalTier"
        name = "Phones"
        xmin = 0
        xmax = 0.5
        intervals: size = 5
        intervals [1]:
            xmin = 0
            xmax = 0.1
            text = ""
        intervals [2]:
            xmin = 0.1
            xmax = 0.17
            text = "HH"
        intervals [3]:
            xmin = 0.17
            xmax = 0.3
            text = "AE1"
        intervals [4]:
            xmin = 0.3
            xmax = 0.35
            text = "T"
        intervals [5]:
            xmin = 0.35
            xmax = 0.5
            text = "sp"
'''

SHORT = '''File type = "ooTextFile short"
"TextGrid"

0
0.3
<exists>
1
"IntervalTier"
"phones"
0
0.3
2
0
0.12
"S"
0.12
0.3
"IY1"
'''


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    path = tmp_path / "hat.TextGrid"
    path.write_text(LONG, encoding="utf-8")
    return path


def test_read_long_format_and_normalise(grid: Path) -> None:
    tiers = read_textgrid(grid)
    assert list(tiers) == ["Words", "Phones"]
    assert [iv.label for iv in tiers["Phones"]] == ["", "HH", "AE1", "T", "sp"]
    phones = read_tier(grid)  # "phones" matches "Phones"
    assert [iv.label for iv in phones] == ["sil", "hh", "ae", "t", "sil"]
    assert phones[2] == Interval(0.17, 0.3, "ae")
    words = read_tier(grid, "WORDS")
    assert [iv.label for iv in words] == ["", "HAT", ""]
    assert textgrid_duration(grid) == pytest.approx(0.5)


def test_frame_labels_by_hand(grid: Path) -> None:
    phones = read_tier(grid)
    # 100 Hz, frame centres at 5, 15, ..., 55 ms ... past the 0.5 s end -> "sil".
    got = frame_labels(phones, 52, 100.0)
    assert got[:10] == ["sil"] * 10
    assert got[10:17] == ["hh"] * 7
    assert got[17:30] == ["ae"] * 13
    assert got[30:35] == ["t"] * 5
    assert got[35:] == ["sil"] * 17
    # 50 Hz latents, centres at 10, 30, 50, ... ms.
    assert frame_labels(phones, 9, 50.0)[4:9] == ["sil", "hh", "hh", "hh", "ae"]
    # offset 0: reference time is the frame start; a boundary belongs to the later interval.
    assert frame_labels(phones, 18, 100.0, offset=0.0)[16:18] == ["hh", "ae"]
    assert frame_labels([], 3, 100.0) == ["sil"] * 3
    assert frame_labels(phones, 0, 100.0) == []


def test_gap_gets_default() -> None:
    ivs = [Interval(0.2, 0.3, "b"), Interval(0.0, 0.1, "a")]  # unsorted on purpose
    assert frame_labels(ivs, 4, 10.0) == ["a", "sil", "b", "sil"]
    assert frame_labels(ivs, 4, 10.0, default="?") == ["a", "?", "b", "?"]


def test_short_format_and_utf16(tmp_path: Path) -> None:
    short = tmp_path / "short.TextGrid"
    short.write_text(SHORT, encoding="utf-8")
    assert [iv.label for iv in read_tier(short)] == ["s", "iy"]
    utf16 = tmp_path / "u16.TextGrid"
    utf16.write_text(LONG.replace('"HAT"', '"HÄT"'), encoding="utf-16")
    assert read_tier(utf16, "words")[1].label == "HÄT"


def test_read_errors(tmp_path: Path, grid: Path) -> None:
    with pytest.raises(UserError, match="no 'segments' tier.*Words, Phones"):
        read_tier(grid, "segments")
    with pytest.raises(UserError, match="not found"):
        read_tier(tmp_path / "missing.TextGrid")
    bad = tmp_path / "bad.TextGrid"
    bad.write_text("hello\n", encoding="utf-8")
    with pytest.raises(UserError, match=f"cannot parse TextGrid {bad}"):
        read_textgrid(bad)


def test_check_textgrid(tmp_path: Path, grid: Path) -> None:
    assert check_textgrid(grid, 0.5) == []
    assert check_textgrid(grid, 0.54) == []  # within 50 ms
    assert check_textgrid(grid, None) == []
    off = check_textgrid(grid, 0.6)
    assert len(off) == 1 and str(grid) in off[0] and "off by 100 ms" in off[0]
    assert check_textgrid(grid, 0.52, tolerance=0.01)  # the stricter corpus check
    odd = tmp_path / "odd.TextGrid"
    odd.write_text(LONG.replace('"T"', '"XQ"').replace('"HH"', '"#"'), encoding="utf-8")
    msgs = check_textgrid(odd, 0.5)
    assert len(msgs) == 1 and "unknown phone labels" in msgs[0] and "'xq'" in msgs[0] and "'#'" in msgs[0]
    nophones = tmp_path / "words.TextGrid"
    write_textgrid(nophones, {"words": [Interval(0.0, 0.5, "hat")]}, xmax=0.5)
    msgs = check_textgrid(nophones, 0.5)
    assert len(msgs) == 1 and "no 'phones' tier" in msgs[0] and str(nophones) in msgs[0]
    assert "not found" in check_textgrid(tmp_path / "gone.TextGrid", 1.0)[0]


def test_write_read_round_trip(tmp_path: Path) -> None:
    tiers = {
        "phones": [Interval(0.1, 0.25, "s"), Interval(0.25, 0.4, "iy")],
        "sfvq": [Interval(0.0, 0.02, "17"), Interval(0.02, 0.04, "18.5"), Interval(0.3, 0.45, 'say "hi"')],
    }
    path = tmp_path / "out" / "x.TextGrid"
    write_textgrid(path, tiers, xmax=0.45)
    back = read_textgrid(path)
    assert list(back) == ["phones", "sfvq"]
    assert [iv for iv in back["phones"] if iv.label] == tiers["phones"]
    assert back["phones"][0] == Interval(0.0, 0.1, "")  # gap filled for Praat
    assert [iv for iv in back["sfvq"] if iv.label] == tiers["sfvq"]
    assert textgrid_duration(path) == pytest.approx(0.45)
    with pytest.raises(UserError, match="overlaps"):
        write_textgrid(path, {"p": [Interval(0.0, 0.2, "a"), Interval(0.1, 0.3, "b")]}, xmax=1.0)
    with pytest.raises(UserError, match="exceeds"):
        write_textgrid(path, {"p": [Interval(0.0, 2.0, "a")]}, xmax=1.0)
    with pytest.raises(UserError, match="bad interval"):
        write_textgrid(path, {"p": [Interval(0.5, 0.5, "a")]}, xmax=1.0)
    assert textgrid_duration(path) == pytest.approx(0.45)  # failed writes left the file alone


@pytest.mark.parametrize(
    "raw, norm",
    [("AH0", "ah"), ("ih1", "ih"), ("ER2", "er"), ("SIL", "sil"), ("sp", "sil"), ("spn", "sil"), ("", "sil"),
     ("  ", "sil"), ("h#", "sil"), (" T ", "t"), ("ax-h", "ax-h"), ("pau", "pau"), ("xq", "xq")],
)
def test_normalize_phone(raw: str, norm: str) -> None:
    assert normalize_phone(raw) == norm


def test_phone_inventory_and_groups() -> None:
    assert len(CMU_PHONES) == 39 and "sil" in ARPABET and CMU_PHONES < ARPABET <= KNOWN_PHONES
    assert list(PHONE_GROUPS) == ["plosives", "fricatives", "nasals", "vowels", "diphthongs", "approximants", "silence"]
    assert PHONE_GROUPS["silence"] == ("sil",)
    members = [p for g in PHONE_GROUPS.values() for p in g]
    assert len(members) == len(set(members)) and set(members) <= KNOWN_PHONES
    # every CMU phone has a group
    assert all(group_of(p) is not None for p in CMU_PHONES)
    assert group_of("S") == "fricatives" and group_of("AY1") == "diphthongs" and group_of("sp") == "silence"
    assert group_of("er0") == "approximants" and group_of("dx") is None and group_of("pau") is None
    assert unknown_phones(["AA1", "zz", "ZZ", "sp", "q1", "#"]) == {"#": 1, "zz": 2}
