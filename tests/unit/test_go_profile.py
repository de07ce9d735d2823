"""win_go_profile's pure logic: the marked block in a PowerShell profile."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.winops.golang.plugins.module_utils import go_profile as gp
from ansible_collections.winops.golang.plugins.module_utils.go_profile_block import (
    MARK_BEGIN,
    MARK_END,
    render_block,
    render_body,
)

ROOT = r"C:\Program Files\GoToolchains"
BLOCK = render_block(ROOT)
BOM = codecs.BOM_UTF8


def crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


# -- the block ---------------------------------------------------------------------------


def test_block_shape() -> None:
    lines = BLOCK.split("\n")
    assert lines[0] == MARK_BEGIN and lines[-2] == MARK_END and lines[-1] == ""
    assert "format 1, sha256 " in lines[1]
    assert BLOCK.isascii()
    assert "Register-ArgumentCompleter -Native -CommandName 'go', 'go.exe'" in BLOCK
    assert "function Use-GoVersion" in BLOCK
    assert "[string]$InstallRoot = 'C:\\Program Files\\GoToolchains'" in BLOCK
    for word in ("build", "telemetry", "'mod' = 'download edit graph init tidy vendor verify why'",
                 "'work' = 'edit init sync use vendor'", "'env' = '-w -u -json -changed'",
                 "-race", "-ldflags", "-trimpath", "-buildvcs", "-short"):
        assert word in BLOCK, word


def test_block_parts_and_quoting() -> None:
    only = render_block(ROOT, completer=False)
    assert "Register-ArgumentCompleter -Native" not in only and "Use-GoVersion" in only
    assert "function Use-GoVersion" not in render_block(ROOT, use_go_version=False)
    with pytest.raises(ValueError):
        render_body(ROOT, completer=False, use_go_version=False)
    assert "'D:\\Bob''s Go'" in render_block("D:\\Bob's Go")
    odd = render_block("D:\\Développement\\Go")
    assert odd.isascii() and "FromBase64String('" in odd
    assert render_block("D:\\Go") != BLOCK


# -- adding ------------------------------------------------------------------------------


def test_new_file_is_utf8_bom_crlf() -> None:
    change = gp.apply(None, BLOCK)
    assert change.changed and change.before is None
    assert change.after == BOM + crlf(BLOCK).encode()
    assert (change.encoding, change.newline, change.had_block) == ("utf-8-bom", "crlf", False)
    assert change.before_text == "" and change.after_text == crlf(BLOCK)


def test_empty_file_gets_bom_and_crlf() -> None:
    assert gp.apply(b"", BLOCK).after == BOM + crlf(BLOCK).encode()


def test_added_to_existing_crlf_bom_profile() -> None:
    user = BOM + "Set-Location C:\\src\r\n# café\r\n".encode()
    change = gp.apply(user, BLOCK)
    assert change.changed and change.encoding == "utf-8-bom" and change.newline == "crlf"
    assert change.after == user + crlf(BLOCK).encode()
    assert "café" in change.after_text  # shown decoded in the diff


def test_no_final_newline_gets_one_before_the_block() -> None:
    change = gp.apply(b"Import-Module posh-git", BLOCK)
    assert change.after == b"Import-Module posh-git\r\n" + crlf(BLOCK).encode()


def test_lf_file_keeps_lf_and_no_bom_file_stays_byte_for_byte() -> None:
    user = b"$x = '\xe9t\xe9'\n"  # cp1252 text, no BOM: read in the ANSI code page
    change = gp.apply(user, BLOCK)
    assert change.encoding == "no-bom" and change.newline == "lf"
    assert change.after == user + BLOCK.encode()


def test_utf16_profile_stays_utf16() -> None:
    user = codecs.BOM_UTF16_LE + "'hé' | Out-Null\r\n".encode("utf-16-le")
    change = gp.apply(user, BLOCK)
    assert change.encoding == "utf-16le"
    assert change.after == user + crlf(BLOCK).encode("utf-16-le")
    assert gp.apply(change.after, None).after == user
    with pytest.raises(gp.ProfileError):
        gp.apply(user + b"\x00", BLOCK)


# -- idempotence, replacing, removing ----------------------------------------------------


def test_second_apply_changes_nothing() -> None:
    first = gp.apply(b"# mine\r\n", BLOCK)
    again = gp.apply(first.after, BLOCK)
    assert not again.changed and again.after == first.after and again.had_block
    assert not again.edited


def test_replaced_in_place_when_the_install_root_changes() -> None:
    head, tail = BOM + b"# before\r\n", b"# after\r\n"
    data = head + crlf(BLOCK).encode() + tail
    change = gp.apply(data, render_block(r"D:\Go"))
    assert change.changed and not change.edited
    assert change.after == head + crlf(render_block(r"D:\Go")).encode() + tail


def test_block_at_end_without_newline_is_replaced_without_adding_one() -> None:
    data = b"# x\n" + BLOCK.rstrip("\n").encode()
    change = gp.apply(data, render_block(r"D:\Go"))
    assert change.after == b"# x\n" + render_block(r"D:\Go").rstrip("\n").encode()
    assert not gp.apply(data, BLOCK).changed


def test_removed_leaving_the_rest_byte_identical() -> None:
    head, tail = BOM + b"# before\r\n", b"\r\n# after\r\n"
    change = gp.apply(head + crlf(BLOCK).encode() + tail, None)
    assert change.changed and change.after == head + tail
    assert not gp.apply(head + tail, None).changed
    assert gp.apply(None, None).after is None and not gp.apply(None, None).changed


def test_hand_edited_block_is_reported_and_replaced() -> None:
    edited = BLOCK.replace("Use-GoVersion 1.22.5", "Use-GoVersion 1.21.0")
    change = gp.apply(edited.encode(), BLOCK)
    assert change.changed and change.edited and change.after == BLOCK.encode()


@pytest.mark.parametrize("text", [
    f"{MARK_BEGIN}\n# no end\n",
    f"# start\n{MARK_END}\n",
    f"{MARK_END}\n{MARK_BEGIN}\n",
    BLOCK + BLOCK,
    BLOCK + f"{MARK_BEGIN}\n",
    f"  {MARK_BEGIN}  \n" + BLOCK,
])
def test_damaged_markers_are_refused(text: str) -> None:
    for block in (BLOCK, None):
        with pytest.raises(gp.ProfileError, match="nothing was changed"):
            gp.apply(text.encode(), block)


def test_marker_text_inside_a_line_is_not_a_marker() -> None:
    data = f"# see '{MARK_BEGIN}' below\n".encode()
    assert gp.apply(data, BLOCK).after == data + BLOCK.encode()


# -- properties ----------------------------------------------------------------------------

_user_lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n\ufeff"),
            max_size=30).filter(lambda s: "winops.golang" not in s),
    max_size=8,
)


@st.composite
def _profiles(draw: st.DrawFn) -> bytes:
    lines = draw(_user_lines)
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    final = draw(st.booleans())
    text = newline.join(lines) + (newline if final and lines else "")
    encoding = draw(st.sampled_from(["utf-8-bom", "utf-8", "utf-16le"]))
    if encoding == "utf-8-bom":
        return BOM + text.encode("utf-8")
    if encoding == "utf-16le":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("utf-8")


@given(_profiles(), st.sampled_from([ROOT, r"D:\Go", "E:\\Ünïcode\\Go"]))
def test_applying_twice_equals_once(data: bytes, root: str) -> None:
    block = render_block(root)
    once = gp.apply(data, block)
    twice = gp.apply(once.after, block)
    assert not twice.changed and twice.after == once.after
    gone = gp.apply(once.after, None)
    assert not gp.apply(gone.after, None).changed


_ENCODE = {
    "utf-8-bom": lambda t: BOM + t.encode("utf-8"),
    "no-bom": lambda t: t.encode("utf-8"),
    "utf-16le": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
}


@given(_user_lines, _user_lines, st.sampled_from(["\r\n", "\n"]), st.sampled_from(sorted(_ENCODE)),
       st.booleans(), st.booleans())
def test_user_text_outside_the_block_is_never_changed(
        head: list[str], tail: list[str], newline: str, encoding: str, final: bool,
        remove: bool) -> None:
    # User text, a block, more user text: replacing or removing the block keeps
    # the bytes on either side, the encoding and the line endings.
    before = "".join(line + newline for line in head)
    after = newline.join(tail) + (newline if final and tail else "")
    old = render_block(r"D:\Old").replace("\n", newline)
    data = _ENCODE[encoding](before + old + after)
    change = gp.apply(data, None if remove else BLOCK)
    assert change.changed and change.encoding == encoding
    if remove:
        assert change.after == _ENCODE[encoding](before + after)
    else:
        assert change.after == _ENCODE[encoding](before + BLOCK.replace("\n", newline) + after)


# -- where the profile is ------------------------------------------------------------------


def test_profile_paths() -> None:
    from ansible_collections.winops.golang.plugins.action.win_go_profile import profile_path

    facts = {"dirs": {"system_root": r"C:\Windows"},
             "user": {"name": "Administrator", "profile": r"C:\Users\Administrator"}}
    assert profile_path("all_users", None, facts) == \
        r"C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1"
    assert profile_path("user", None, facts) == \
        r"C:\Users\Administrator\Documents\WindowsPowerShell\profile.ps1"
    assert profile_path("user", "administrator", facts) == \
        r"C:\Users\Administrator\Documents\WindowsPowerShell\profile.ps1"
    assert profile_path("user", "builder", facts) == \
        r"C:\Users\builder\Documents\WindowsPowerShell\profile.ps1"
    with pytest.raises(ValueError, match="set path"):
        profile_path("all_users", None, {"dirs": {}})
