"""PATH values as lists: split/join, matching, placing and removing entries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.module_utils import path_list as pl

OURS = r"C:\Program Files\GoToolchains\current\bin"
SYSTEM = r"%SystemRoot%\system32;%SystemRoot%;%SystemRoot%\System32\Wbem"


def test_split_and_join_keep_every_segment() -> None:
    assert pl.split(None) == [] and pl.split("") == []
    assert pl.split("a;;b;") == ["a", "", "b", ""]
    assert pl.join(pl.split("a;;b;")) == "a;;b;"


@pytest.mark.parametrize(("a", "b"), [
    (r"C:\Go\bin", r"c:\go\BIN"),
    (r"C:\Go\bin", "C:/Go/bin/"),
    (r"C:\Go\bin", r"C:\Go\bin\\"),
    (r"C:\Go\bin", r'"C:\Go\bin"'),
    (r"C:\Go\bin", r"  C:\Go\bin "),
    (r"\\fs01\tools\bin", r"\\FS01\tools\bin\\"),
    ("C:\\", "c:\\"),
])
def test_same_entry(a: str, b: str) -> None:
    assert pl.same_entry(a, b)


def test_different_entries_and_empty_ones() -> None:
    assert not pl.same_entry(r"C:\Go\bin", r"C:\Go\bin2")
    assert not pl.same_entry("", "")
    assert not pl.same_entry(r"%GOROOT%\bin", r"C:\Go\bin")


def test_references_compare_through_expand_but_stay_unexpanded() -> None:
    expand = pl.expander({"ProgramFiles": r"C:\Program Files"})
    value = r"%SystemRoot%;%ProgramFiles%\GoToolchains\current\bin"
    assert pl.contains(value, OURS, expand)
    assert pl.ensure_before(value, OURS, [], expand) == value
    assert pl.remove(value, [OURS], expand) == "%SystemRoot%"
    # Unknown references are left as written.
    assert pl.expander({})("%NOPE%\\bin") == "%NOPE%\\bin"
    # "50% off" is not a reference.
    assert pl.expander({"off": "x"})("50% off, 20% on") == "50% off, 20% on"


def test_ensure_appends_when_no_other_go() -> None:
    assert pl.ensure_before(SYSTEM, OURS, []) == SYSTEM + ";" + OURS
    # A trailing ';' is reused rather than leaving an empty entry behind.
    assert pl.ensure_before(SYSTEM + ";", OURS, []) == SYSTEM + ";" + OURS
    assert pl.ensure_before(None, OURS, []) == OURS
    assert pl.ensure_before("", OURS, []) == OURS


def test_ensure_goes_right_before_the_first_other_go() -> None:
    value = SYSTEM + r";C:\tools;C:\Program Files\Go\bin;C:\other;C:\sdk\go1.21\bin"
    got = pl.ensure_before(value, OURS, [r"C:\Program Files\Go\bin", r"C:\sdk\go1.21\bin"])
    assert got == SYSTEM + r";C:\tools;" + OURS + r";C:\Program Files\Go\bin;C:\other;" \
        r"C:\sdk\go1.21\bin"


def test_ensure_moves_ours_ahead_and_drops_duplicates() -> None:
    value = r"C:\Program Files\Go\bin;a;" + OURS + ";b;" + OURS.lower() + "\\"
    got = pl.ensure_before(value, OURS, [r"C:\Program Files\Go\bin"])
    assert got == OURS + r";C:\Program Files\Go\bin;a;b"


def test_ensure_keeps_an_existing_spelling_in_place() -> None:
    value = "a;" + OURS.upper() + r";C:\Program Files\Go\bin"
    assert pl.ensure_before(value, OURS, [r"C:\Program Files\Go\bin"]) == value
    assert pl.ensure_before("a;" + OURS + ";b;" + OURS, OURS, []) == "a;" + OURS + ";b"


def test_place_first_and_remove() -> None:
    assert pl.place_first("a;" + OURS + ";b", OURS) == OURS + ";a;b"
    assert pl.remove("a;" + OURS + ";b;" + OURS, [OURS]) == "a;b"
    assert pl.remove(None, [OURS]) == ""


def test_too_long_is_refused() -> None:
    long_value = "C:\\a;D:\\" + "y" * (pl.MAX_PATH_VALUE - 20)
    assert len(long_value) < pl.MAX_PATH_VALUE < len(long_value) + len(OURS) + 1
    with pytest.raises(pl.PathTooLongError, match="32767"):
        pl.ensure_before(long_value, OURS, [])


# -- properties -----------------------------------------------------------------

_component = st.text(alphabet="abcdefgXYZ019 _-.", min_size=1, max_size=8).filter(
    lambda c: c.strip(" .") == c and c not in (".", ".."))
_dir = st.builds(lambda drive, parts: drive + ":\\" + "\\".join(parts),
                 st.sampled_from("CDcd"), st.lists(_component, min_size=1, max_size=3))
_entry = st.one_of(
    _dir,
    st.builds(lambda d: d + "\\", _dir),
    st.builds(lambda p: "%SystemRoot%\\" + p, _component),
    st.builds(lambda p: "%USERPROFILE%\\" + p, _component),
    st.just(""),
)
_go_dirs = [r"C:\Program Files\Go\bin", r"C:\sdk\go1.21\bin", r"%USERPROFILE%\go\bin"]
_value = st.lists(st.one_of(_entry, st.sampled_from(_go_dirs + [OURS, OURS.upper()])),
                  max_size=12).map(";".join)


def _keys(entries: list[str]) -> list[str]:
    return [pl.normalize(e) for e in entries]


@given(_value, st.lists(st.sampled_from(_go_dirs), max_size=3))
def test_ensure_is_idempotent(value: str, others: list[str]) -> None:
    once = pl.ensure_before(value, OURS, others)
    assert pl.ensure_before(once, OURS, others) == once


@given(_value, st.lists(st.sampled_from(_go_dirs), max_size=3))
def test_ensure_has_ours_once_ahead_of_other_go(value: str, others: list[str]) -> None:
    got = pl.split(pl.ensure_before(value, OURS, others))
    keys = _keys(got)
    mine = [i for i, k in enumerate(keys) if k == pl.normalize(OURS)]
    assert len(mine) == 1
    other_keys = {pl.normalize(o) for o in others}
    assert all(i > mine[0] for i, k in enumerate(keys) if k in other_keys)


@given(_value, st.lists(st.sampled_from(_go_dirs), max_size=3))
def test_untouched_entries_keep_their_text_and_order(value: str, others: list[str]) -> None:
    before = [e for e in pl.split(value) if e and not pl.same_entry(e, OURS)]
    after = [e for e in pl.split(pl.ensure_before(value, OURS, others))
             if e and not pl.same_entry(e, OURS)]
    # Exactly the same entries, same spelling (%VAR% kept), same order.
    assert after == before


@given(_value)
def test_no_duplicates_of_ours_after_place_first(value: str) -> None:
    got = pl.split(pl.place_first(value, OURS))
    assert got[0] == OURS
    assert sum(1 for e in got if pl.same_entry(e, OURS)) == 1


@given(_value)
def test_remove_then_ensure_round_trip(value: str) -> None:
    removed = pl.remove(value, [OURS])
    assert not pl.contains(removed, OURS)
    assert pl.contains(pl.ensure_before(removed, OURS, []), OURS)
    assert "%" not in removed or any("%" in e for e in pl.split(value))
