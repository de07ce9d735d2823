"""Conformance: defender.get and defender.set (Microsoft Defender Antivirus exclusions).

On a real host the reads and check mode run everywhere; a change is made only
with a process exclusion whose name no real program has, and removed again.
"""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

KINDS = ("process", "path", "extension")


def sim_only(target: Target) -> SimHost:
    """The simulated host (skips on a real one: these tests change the Defender feature)."""
    if target.sim is None:
        pytest.skip("changes whether Defender is installed; simulated host only")
    return target.sim


def unused_name(target: Target) -> str:
    """A process name no real program has, unique to this test."""
    return f"winops-conformance-{target.scratch.rsplit(chr(92), 1)[-1]}.exe"


def exclusions(target: Target, kind: str) -> list[str]:
    got = target.one("defender.get")
    assert got["changed"] is False
    return got["exclusions"][kind]


def test_get_reports_the_three_lists(target: Target) -> None:
    got = target.one("defender.get")
    assert got["changed"] is False
    assert isinstance(got["available"], bool)
    assert sorted(got["exclusions"]) == sorted(KINDS)
    assert all(isinstance(got["exclusions"][k], list) for k in KINDS)
    if target.sim is not None:
        assert got == {"op": "defender.get", "changed": False, "available": True,
                       "exclusions": {"process": [], "path": [], "extension": []}}


def test_check_mode_reports_and_changes_nothing(target: Target) -> None:
    if not target.one("defender.get")["available"]:
        pytest.skip("Defender Antivirus does not run on this host")
    value = unused_name(target)
    res = target.one("defender.set", check_mode=True, kind="process", value=value,
                     state="present")
    assert (res["changed"], res["before"], res["after"]) == (True, False, True)
    assert res["kind"] == "process" and res["value"] == value
    assert value not in exclusions(target, "process")
    res = target.one("defender.set", check_mode=True, kind="process", value=value,
                     state="absent")
    assert (res["changed"], res["before"], res["after"]) == (False, False, False)


def test_add_readd_in_other_case_then_remove(target: Target) -> None:
    if not target.one("defender.get")["available"]:
        pytest.skip("Defender Antivirus does not run on this host")
    value = unused_name(target)
    try:
        res = target.one("defender.set", kind="process", value=value, state="present")
        assert (res["changed"], res["before"], res["after"]) == (True, False, True)
        assert value in exclusions(target, "process")
        # Exclusions are registry value names: another case is the same exclusion.
        again = target.one("defender.set", kind="process", value=value.upper(),
                           state="present")
        assert (again["changed"], again["before"], again["value"]) == (False, True, value)
        assert [v for v in exclusions(target, "process") if v.lower() == value] == [value]
        res = target.one("defender.set", kind="process", value=value.upper(), state="absent")
        assert (res["changed"], res["before"], res["after"]) == (True, True, False)
        assert value not in exclusions(target, "process")
        res = target.one("defender.set", kind="process", value=value, state="absent")
        assert res["changed"] is False
    finally:
        target.run([{"op": "defender.set",
                     "args": {"kind": "process", "value": value, "state": "absent"}}])


def test_each_kind_has_its_own_list(target: Target) -> None:
    sim = sim_only(target)
    sim.set_defender(exclusions={"process": ["go.exe"]})
    res = target.one("defender.set", kind="path", value="go.exe", state="present")
    assert (res["changed"], res["before"]) == (True, False)
    res = target.one("defender.set", kind="extension", value=".go", state="present")
    assert res["changed"] is True
    got = target.one("defender.get")["exclusions"]
    assert got == {"process": ["go.exe"], "path": ["go.exe"], "extension": [".go"]}


def test_without_the_feature_nothing_is_available(target: Target) -> None:
    sim = sim_only(target)
    sim.set_defender(installed=False)
    got = target.one("defender.get")
    assert got["available"] is False
    assert got["exclusions"] == {"process": [], "path": [], "extension": []}
    res = target.one("defender.set", kind="process", value="go.exe", state="present")
    assert res["failed"] is True and res["code"] == "not_found"
    assert "not installed" in res["message"] and "Windows-Defender" in res["message"]
    # Check mode fails the same way: the change could not be made.
    res = target.one("defender.set", check_mode=True, kind="process", value="go.exe",
                     state="absent")
    assert res["failed"] is True and res["code"] == "not_found"


def test_service_stopped_is_not_available(target: Target) -> None:
    sim = sim_only(target)
    sim.set_defender(running=False, exclusions={"process": ["go.exe"]})
    assert target.one("defender.get")["available"] is False
    res = target.one("defender.set", kind="process", value="go.exe", state="absent")
    assert res["failed"] is True and res["code"] == "not_found"
    assert "WinDefend" in res["message"]
    sim.set_defender(running=True)
    assert exclusions(target, "process") == ["go.exe"]


def test_a_failed_set_stops_the_batch(target: Target) -> None:
    sim = sim_only(target)
    sim.set_defender(installed=False)
    raw = target.run([
        {"op": "defender.get", "args": {}},
        {"op": "defender.set", "args": {"kind": "process", "value": "go.exe",
                                        "state": "present"}},
        {"op": "defender.get", "args": {}},
    ])
    assert raw["failed_op"]["index"] == 1 and raw["failed_op"]["code"] == "not_found"
    assert len(raw["results"]) == 1 and raw["changed"] is False


@pytest.mark.parametrize(("op", "args"), [
    ("defender.get", {"kind": "process"}),
    ("defender.set", {"kind": "file", "value": "go.exe", "state": "present"}),
    ("defender.set", {"kind": "process", "value": "", "state": "present"}),
    ("defender.set", {"kind": "process", "value": "go.exe", "state": "enabled"}),
    ("defender.set", {"kind": "process", "state": "present"}),
    ("defender.set", {"kind": "process", "value": "go.exe", "state": "present", "x": 1}),
])
def test_bad_arguments(target: Target, op: str, args: dict) -> None:
    res = target.one(op, check_mode=True, **args)
    assert res["failed"] is True and res["code"] == "invalid_argument"
