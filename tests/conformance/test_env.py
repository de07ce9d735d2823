"""Conformance: env.get, env.set, env.remove."""

from __future__ import annotations

import pytest

from .targets import Target

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize("scope", ["machine", "user"])
def test_set_check_apply_reapply(target: Target, scope: str) -> None:
    name = target.env_prefix + "GOPROXY"
    checked = target.one("env.set", check_mode=True, scope=scope, name=name, value="direct")
    assert checked["changed"] is True
    assert checked["before"] is None
    assert checked["after"] == {"value": "direct", "type": "REG_SZ"}
    assert target.one("env.get", scope=scope, names=[name])["vars"] == {}

    applied = target.run([{"op": "env.set", "args": {"scope": scope, "name": name,
                                                     "value": "direct"}}])
    assert applied["changed"] is True
    assert applied["broadcast"] is True
    assert target.one("env.get", scope=scope, names=[name])["vars"] == {
        name: {"value": "direct", "type": "REG_SZ"}
    }

    again = target.run([{"op": "env.set", "args": {"scope": scope, "name": name,
                                                   "value": "direct"}}])
    assert again["changed"] is False
    assert again["broadcast"] is False
    assert again["results"][0]["before"] == again["results"][0]["after"]


def test_names_are_case_insensitive_and_keep_stored_case(target: Target) -> None:
    name = target.env_prefix + "MixedCase"
    target.one("env.set", scope="user", name=name, value="one")
    res = target.one("env.set", scope="user", name=name.upper(), value="two")
    assert res["changed"] is True
    got = target.one("env.get", scope="user", names=[name.lower()])["vars"]
    assert got == {name: {"value": "two", "type": "REG_SZ"}}


def test_path_and_PATH_are_one_variable(target: Target) -> None:
    got = target.one("env.get", scope="machine", names=["PATH"])["vars"]
    assert list(got) == ["Path"]
    assert got["Path"]["type"] == "REG_EXPAND_SZ"
    # Stored unexpanded, as Windows keeps it.
    assert "%SystemRoot%" in got["Path"]["value"]


def test_expand_type_for_var_references_and_kept_on_plain_values(target: Target) -> None:
    name = target.env_prefix + "GOPATH"
    res = target.one("env.set", scope="user", name=name, value=r"%USERPROFILE%\go")
    assert res["after"] == {"value": r"%USERPROFILE%\go", "type": "REG_EXPAND_SZ"}
    # A later plain value keeps the expand type the variable already has.
    res = target.one("env.set", scope="user", name=name, value=r"D:\go")
    assert res["after"] == {"value": r"D:\go", "type": "REG_EXPAND_SZ"}
    # An explicit type wins.
    res = target.one("env.set", scope="user", name=name, value=r"D:\go", type="REG_SZ")
    assert res["changed"] is True
    assert res["after"]["type"] == "REG_SZ"
    got = target.one("env.get", scope="user", names=[name])["vars"][name]
    assert got == {"value": r"D:\go", "type": "REG_SZ"}


def test_compare_and_set_refuses_a_stale_expected_value(target: Target) -> None:
    name = target.env_prefix + "PATHLIKE"
    target.one("env.set", scope="user", name=name, value="a;b")
    ok = target.one("env.set", scope="user", name=name, value="a;b;c", expected="a;b")
    assert ok["changed"] is True
    stale = target.one("env.set", scope="user", name=name, value="a;b;d", expected="a;b")
    assert stale["failed"] is True
    assert stale["code"] == "conflict"
    assert target.one("env.get", scope="user", names=[name])["vars"][name]["value"] == "a;b;c"


def test_expected_null_means_must_be_absent(target: Target) -> None:
    name = target.env_prefix + "NEW"
    first = target.one("env.set", scope="user", name=name, value="x", expected=None)
    assert first["changed"] is True
    second = target.one("env.set", scope="user", name=name, value="y", expected=None)
    assert second["failed"] is True and second["code"] == "conflict"


def test_remove(target: Target) -> None:
    name = target.env_prefix + "GONE"
    target.one("env.set", scope="user", name=name, value="x")
    checked = target.one("env.remove", check_mode=True, scope="user", name=name)
    assert checked["changed"] is True
    assert target.one("env.get", scope="user", names=[name])["vars"] != {}
    res = target.one("env.remove", scope="user", name=name.lower())
    assert res["changed"] is True
    assert res["before"] == {"value": "x", "type": "REG_SZ"}
    assert res["after"] is None
    assert target.one("env.get", scope="user", names=[name])["vars"] == {}
    assert target.one("env.remove", scope="user", name=name)["changed"] is False


def test_value_over_windows_limit_is_refused(target: Target) -> None:
    name = target.env_prefix + "HUGE"
    res = target.one("env.set", scope="user", name=name, value="x" * 32768)
    assert res["failed"] is True
    assert res["code"] == "too_long"
    assert target.one("env.get", scope="user", names=[name])["vars"] == {}


def test_one_broadcast_per_batch(target: Target) -> None:
    ops = [
        {"op": "env.set", "args": {"scope": "user", "name": target.env_prefix + f"B{i}",
                                   "value": str(i)}}
        for i in range(3)
    ]
    res = target.run(ops)
    assert res["changed"] is True and res["broadcast"] is True
    if target.sim is not None:
        broadcasts = [e for e in target.sim.op_log() if e.get("op") == "broadcast"]
        assert len(broadcasts) == 1


def test_check_mode_never_broadcasts(target: Target) -> None:
    res = target.run(
        [{"op": "env.set", "args": {"scope": "user", "name": target.env_prefix + "C",
                                    "value": "1"}}],
        check_mode=True,
    )
    assert res["changed"] is True
    assert res["broadcast"] is False
