"""Conformance: reg.get, reg.set, reg.remove."""

from __future__ import annotations

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance

VALUES = [
    ("REG_SZ", "plain text"),
    ("REG_EXPAND_SZ", r"%SystemRoot%\system32"),
    ("REG_MULTI_SZ", ["one", "two words"]),
    ("REG_DWORD", 0xFFFFFFFF),
    ("REG_DWORD", 0),
    ("REG_QWORD", 0xFFFFFFFFFFFFFFFF),
    ("REG_BINARY", "00ff10ab"),
    ("REG_NONE", ""),
]


@pytest.mark.parametrize(("kind", "value"), VALUES,
                         ids=[f"{kind}-{i}" for i, (kind, _value) in enumerate(VALUES)])
def test_every_type_round_trips(target: Target, kind: str, value: object) -> None:
    key = target.reg_scratch + r"\types"
    res = target.one("reg.set", path=key, name="v", type=kind, value=value)
    assert res["changed"] is True
    assert res["before"] is None
    assert res["after"] == {"type": kind, "value": value}
    got = target.one("reg.get", path=key, name="V")
    assert got["key_exists"] is True and got["exists"] is True
    assert (got["type"], got["value"]) == (kind, value)
    again = target.one("reg.set", path=key, name="v", type=kind, value=value)
    assert again["changed"] is False


def test_check_mode_creates_nothing(target: Target) -> None:
    key = target.reg_scratch + r"\a\b"
    res = target.one("reg.set", check_mode=True, path=key, name="x", type="REG_SZ", value="1")
    assert res["changed"] is True
    assert target.one("reg.get", path=key, name="x")["key_exists"] is False


def test_missing_key_and_value_are_not_failures(target: Target) -> None:
    got = target.one("reg.get", path=target.reg_scratch + r"\nope", name="x")
    assert got["key_exists"] is False and got["exists"] is False
    listing = target.one("reg.get", path=target.reg_scratch + r"\nope")
    assert listing["key_exists"] is False


def test_key_listing_and_default_value(target: Target) -> None:
    key = target.reg_scratch + r"\list"
    target.run([
        {"op": "reg.set", "args": {"path": key, "name": "", "type": "REG_SZ", "value": "dflt"}},
        {"op": "reg.set", "args": {"path": key + r"\Sub", "name": "n", "type": "REG_DWORD",
                                   "value": 7}},
    ])
    listing = target.one("reg.get", path=key)
    assert listing["values"] == {"": {"type": "REG_SZ", "value": "dflt"}}
    assert listing["subkeys"] == ["Sub"]


def test_type_change_is_a_change(target: Target) -> None:
    key = target.reg_scratch + r"\kind"
    target.one("reg.set", path=key, name="n", type="REG_SZ", value="1")
    res = target.one("reg.set", path=key, name="n", type="REG_DWORD", value=1)
    assert res["changed"] is True
    assert res["before"] == {"type": "REG_SZ", "value": "1"}


def test_key_names_are_case_insensitive(target: Target) -> None:
    key = target.reg_scratch + r"\CaseKey"
    target.one("reg.set", path=key, name="Val", type="REG_SZ", value="1")
    res = target.one("reg.set", path=key.upper(), name="VAL", type="REG_SZ", value="1")
    assert res["changed"] is False
    listing = target.one("reg.get", path=key.lower())
    assert list(listing["values"]) == ["Val"]


def test_compare_and_set(target: Target) -> None:
    key = target.reg_scratch + r"\cas"
    target.one("reg.set", path=key, name="n", type="REG_SZ", value="a")
    stale = target.one("reg.set", path=key, name="n", type="REG_SZ", value="c",
                       expected={"type": "REG_SZ", "value": "b"})
    assert stale["failed"] is True and stale["code"] == "conflict"
    assert target.one("reg.get", path=key, name="n")["value"] == "a"
    fresh = target.one("reg.set", path=key, name="n", type="REG_SZ", value="c",
                       expected={"type": "REG_SZ", "value": "a"})
    assert fresh["changed"] is True


def test_remove_value_then_key_tree(target: Target) -> None:
    key = target.reg_scratch + r"\rm"
    target.run([
        {"op": "reg.set", "args": {"path": key, "name": "a", "type": "REG_SZ", "value": "1"}},
        {"op": "reg.set", "args": {"path": key + r"\deep\er", "name": "b", "type": "REG_SZ",
                                   "value": "2"}},
    ])
    checked = target.one("reg.remove", check_mode=True, path=key, name="a")
    assert checked["changed"] is True
    assert target.one("reg.get", path=key, name="a")["exists"] is True
    res = target.one("reg.remove", path=key, name="a")
    assert res["changed"] is True and res["before"] == {"type": "REG_SZ", "value": "1"}
    assert target.one("reg.remove", path=key, name="a")["changed"] is False
    tree = target.one("reg.remove", path=key)
    assert tree["changed"] is True
    assert target.one("reg.get", path=key + r"\deep\er")["key_exists"] is False
    assert target.one("reg.remove", path=key)["changed"] is False


def test_invalid_hive_is_rejected(target: Target) -> None:
    res = target.one("reg.get", path=r"HKXX:\Software", name="x")
    assert res["failed"] is True and res["code"] == "invalid_argument"
