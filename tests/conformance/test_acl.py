"""Conformance: acl.get, acl.set, acl.resolve."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import acl

from .targets import Target

pytestmark = pytest.mark.conformance

FULL = acl.RIGHTS["FullControl"]
MODIFY = acl.RIGHTS["Modify"] | acl.RIGHTS["Synchronize"]
READ = acl.RIGHTS["ReadAndExecute"] | acl.RIGHTS["Synchronize"]
DIR = ["ContainerInherit", "ObjectInherit"]


def _me(target: Target) -> dict[str, Any]:
    """The connected account: name and SID (resolved on the host)."""
    user = target.one("facts.get")["user"]
    name = f"{user['domain']}\\{user['name']}" if user.get("domain") else user["name"]
    got = target.one("acl.resolve", names=[name])
    assert got["accounts"][0]["exists"] is True, got
    return got["accounts"][0]


def _desired(sid: str) -> acl.Acl:
    return acl.protected_acl({"Administrators": FULL, "SYSTEM": FULL, sid: MODIFY},
                             owner="BUILTIN\\Administrators")


def _dir(target: Target, name: str) -> str:
    path = target.scratch + "\\" + name
    target.one("file.mkdir", path=path)
    return path


def test_get_reports_owner_protection_and_inherited_aces(target: Target) -> None:
    path = _dir(target, "plain")
    got = target.one("acl.get", path=path)
    assert got["exists"] is True
    assert got["protected"] is False
    assert acl.is_sid(got["owner"]["sid"])
    assert got["aces"], "a new directory inherits from its parent"
    assert all(a["inherited"] for a in got["aces"])
    assert {"sid", "name", "type", "rights", "inheritance", "propagation", "inherited"} <= set(
        got["aces"][0])
    assert target.one("acl.get", path=path + r"\nope") == {"op": "acl.get", "changed": False,
                                                           "exists": False}


def test_check_mode_apply_and_idempotent_reapply(target: Target) -> None:
    path = _dir(target, "gopath")
    me = _me(target)
    args = _desired(me["sid"]).set_args()
    before = target.one("acl.get", path=path)

    checked = target.one("acl.set", check_mode=True, path=path, **args)
    assert checked["changed"] is True
    assert checked["after"]["protected"] is True
    assert target.one("acl.get", path=path)["hash"] == before["hash"]

    applied = target.one("acl.set", path=path, **args)
    assert applied["changed"] is True
    assert applied["before"]["hash"] == before["hash"]
    got = target.one("acl.get", path=path)
    assert got["hash"] == applied["after"]["hash"]
    assert got["protected"] is True
    assert got["owner"]["sid"] == acl.ADMINISTRATORS
    assert not any(a["inherited"] for a in got["aces"]), "protection drops inherited ACEs"
    assert acl.compare(_desired(me["sid"]), acl.Acl.from_doc(got)) == []
    # canonical order and both SID and name for each ACE
    assert [a["sid"] for a in got["aces"]] == [acl.ADMINISTRATORS, acl.SYSTEM, me["sid"]]
    assert got["aces"][2]["name"].upper() == me["name"].upper()

    again = target.one("acl.set", path=path, **args)
    assert again["changed"] is False
    # the same ACL given with names instead of SIDs is the same ACL
    by_name = dict(args, aces=[dict(a, sid=acl.sid_name(a["sid"]) or me["name"])
                               for a in args["aces"]])
    assert target.one("acl.set", path=path, **by_name)["changed"] is False


def test_child_of_protected_directory_inherits(target: Target) -> None:
    path = _dir(target, "locked")
    me = _me(target)
    target.one("acl.set", path=path, **_desired(me["sid"]).set_args())
    target.one("file.write", path=path + r"\_netrc", content_b64="bWFjaGluZQ==")
    got = target.one("acl.get", path=path + r"\_netrc")
    assert [(a["sid"], a["rights"], a["inherited"]) for a in got["aces"]] == [
        (acl.ADMINISTRATORS, FULL, True), (acl.SYSTEM, FULL, True), (me["sid"], MODIFY, True)]


def test_stray_ace_is_found_and_removed(target: Target) -> None:
    path = _dir(target, "baseline")
    me = _me(target)
    desired = _desired(me["sid"])
    target.one("acl.set", path=path, **desired.set_args())
    stray = desired.set_args()
    stray["aces"].append({"sid": acl.USERS, "rights": acl.RIGHTS["Write"], "inheritance": DIR})
    target.one("acl.set", path=path, **stray)
    diff = acl.compare(desired, acl.Acl.from_doc(target.one("acl.get", path=path)))
    assert [d.kind for d in diff] == ["extra"]
    assert diff[0].have.sid == acl.USERS
    fixed = target.one("acl.set", path=path, **desired.set_args())
    assert fixed["changed"] is True
    assert acl.compare(desired, acl.Acl.from_doc(fixed["after"])) == []


def test_unprotect_brings_back_inherited_aces(target: Target) -> None:
    path = _dir(target, "reopen")
    target.one("acl.set", path=path, protected=True,
               aces=[{"sid": acl.ADMINISTRATORS, "rights": FULL, "inheritance": DIR}])
    res = target.one("acl.set", path=path, protected=False, aces=[])
    assert res["changed"] is True
    assert res["after"]["protected"] is False
    assert res["after"]["aces"] and all(a["inherited"] for a in res["after"]["aces"])


def test_compare_and_set(target: Target) -> None:
    path = _dir(target, "cas")
    first = target.one("acl.get", path=path)
    args = {"protected": True, "aces": [{"sid": acl.ADMINISTRATORS, "rights": FULL,
                                         "inheritance": DIR}]}
    ok = target.one("acl.set", path=path, expected=first["hash"], **args)
    assert ok["changed"] is True
    lost = target.one("acl.set", path=path, expected=first, protected=False, aces=[])
    assert lost.get("failed") and lost["code"] == "conflict"
    assert target.one("acl.get", path=path)["protected"] is True
    again = target.one("acl.set", path=path, expected=ok["after"], **args)
    assert again["changed"] is False


def test_failures(target: Target) -> None:
    path = _dir(target, "fail")
    missing = target.one("acl.set", path=path, protected=True, aces=[
        {"sid": "WINOPS-NO-SUCH-ACCOUNT-7f3e", "rights": FULL}])
    assert missing.get("failed") and missing["code"] == "not_found"
    gone = target.one("acl.set", path=path + r"\nope", protected=True, aces=[])
    assert gone.get("failed") and gone["code"] == "not_found"
    bad = target.one("acl.set", path=path, protected=True, aces=[
        {"sid": acl.USERS, "rights": FULL, "inheritance": ["Sideways"]}])
    assert bad.get("failed") and bad["code"] == "invalid_argument"
    resolved = target.one("acl.resolve", names=["WINOPS-NO-SUCH-ACCOUNT-7f3e", "SYSTEM"])
    assert [a["exists"] for a in resolved["accounts"]] == [False, True]
    assert resolved["accounts"][1]["sid"] == acl.SYSTEM


def test_access_denied_fault_applies_to_acl_set(sim_target: Target) -> None:
    path = _dir(sim_target, "denied")
    assert sim_target.sim is not None
    sim_target.sim.inject_fault("access_denied", op="acl.set", path=path)
    before = sim_target.one("acl.get", path=path)
    res = sim_target.one("acl.set", path=path, protected=True, aces=[])
    assert res.get("failed") and res["code"] == "access_denied"
    assert sim_target.one("acl.get", path=path)["hash"] == before["hash"]
