"""Windows path rules shared by the controller and the simulated host."""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.module_utils import winpath


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("C:/Program Files//Go/", r"C:\Program Files\Go"),
        ("c:", "c:\\"),
        ("C:\\", "C:\\"),
        (r"\\fs01\golang\\go1.22.zip", r"\\fs01\golang\go1.22.zip"),
    ],
)
def test_normalize(raw: str, normal: str) -> None:
    assert winpath.normalize(raw) == normal


@pytest.mark.parametrize(
    ("path", "message", "code"),
    [
        ("go\\bin", "is not absolute", "invalid_argument"),
        ("", "non-empty absolute", "invalid_argument"),
        (r"C:\a\..\b", "'.' or '..'", "invalid_argument"),
        (r"C:\a<b", "characters Windows forbids: <", "invalid_argument"),
        (r"C:\logs\aux.txt", "reserved device name 'aux.txt'", "invalid_argument"),
        ("C:\\dir.\\x", "ending in a space or dot", "invalid_argument"),
        (r"\\server", "not a valid UNC path", "invalid_argument"),
        ("C:\\" + "x" * 200 + "\\" + "y" * 57, "must be shorter than 260", "too_long"),
        ("C:\\a\\" + "n" * 256, "longer than 255 characters", "too_long"),
    ],
)
def test_validate_refuses_with_a_clear_message(path: str, message: str, code: str) -> None:
    with pytest.raises(winpath.WindowsPathError) as err:
        winpath.validate(path, "install_root")
    assert message in str(err.value)
    assert err.value.code == code
    if path:
        assert "install_root" in str(err.value)


def test_longest_allowed_path() -> None:
    path = "C:\\" + "x" * 200 + "\\" + "y" * 55
    assert len(path) == 259
    assert winpath.validate(path) == path


def test_components_parent_join_same() -> None:
    assert winpath.components(r"C:\a\b") == ["C:", "a", "b"]
    assert winpath.components(r"\\srv\share\a") == [r"\\srv\share", "a"]
    assert winpath.parent(r"C:\Go\bin") == r"C:\Go"
    assert winpath.parent(r"C:\Go") == "C:\\"
    assert winpath.parent(r"\\srv\share\go\bin") == r"\\srv\share\go"
    assert winpath.join("C:\\", "Program Files", "/Go/") == r"C:\Program Files\Go"
    assert winpath.same_path("c:\\program files\\GO\\", "C:/Program Files/go")
    assert not winpath.same_path(r"C:\Go1", r"C:\Go")
