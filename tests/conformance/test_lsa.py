"""Conformance: lsa.get, lsa.grant and lsa.revoke (user rights of the host).

On a real host the reads and check mode run; grants and revokes run on the
simulated host only.
"""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

RIGHT = "SeServiceLogonRight"
ALL_SERVICES = "S-1-5-80-0"


def sim_only(target: Target) -> SimHost:
    """The simulated host (skips on a real one: these tests change user rights)."""
    if target.sim is None:
        pytest.skip("changes user rights; simulated host only")
    return target.sim


def holders(target: Target, right: str = RIGHT) -> dict[str, str | None]:
    got = target.one("lsa.get", right=right)
    assert got["changed"] is False
    return {a["sid"]: a["name"] for a in got["accounts"]}


def test_service_logon_right_default_holders(target: Target) -> None:
    seen = holders(target)
    # A clean Windows Server gives the right to every service SID, nothing else needed.
    assert seen[ALL_SERVICES] == "NT SERVICE\\ALL SERVICES"
    if target.sim is not None:
        assert seen == {ALL_SERVICES: "NT SERVICE\\ALL SERVICES"}


def test_a_right_nobody_holds_is_an_empty_list(target: Target) -> None:
    got = target.one("lsa.get", right="SeDenyServiceLogonRight")
    assert got["accounts"] == []


def test_check_mode_grant_and_revoke_change_nothing(target: Target) -> None:
    before = holders(target)
    res = target.one("lsa.grant", check_mode=True, right=RIGHT,
                     account="BUILTIN\\Backup Operators")
    assert (res["changed"], res["before"], res["after"]) == (True, False, True)
    assert res["sid"] == "S-1-5-32-551"
    res = target.one("lsa.revoke", check_mode=True, right=RIGHT,
                     account="NT SERVICE\\ALL SERVICES")
    assert (res["changed"], res["before"], res["after"]) == (True, True, False)
    assert holders(target) == before


def test_grant_then_regrant_then_revoke(target: Target) -> None:
    sim = sim_only(target)
    SimHost(sim.root, accounts=["gobuild"])
    res = target.one("lsa.grant", right=RIGHT, account=".\\gobuild")
    assert (res["changed"], res["before"], res["after"]) == (True, False, True)
    sid = res["sid"]
    assert holders(target)[sid] == "WINCONF01\\gobuild"
    # Another spelling of the same account: already held.
    again = target.one("lsa.grant", right=RIGHT, account="WINCONF01\\GOBUILD")
    assert again["changed"] is False and again["before"] is True
    res = target.one("lsa.revoke", right=RIGHT, account="gobuild")
    assert (res["changed"], res["before"], res["after"]) == (True, True, False)
    assert sid not in holders(target)
    assert target.one("lsa.revoke", right=RIGHT, account="gobuild")["changed"] is False


def test_grant_by_sid_and_to_a_domain_account(target: Target) -> None:
    sim = sim_only(target)
    res = target.one("lsa.grant", right="SeBatchLogonRight", account="S-1-5-19")
    assert res["changed"] is True
    assert holders(target, "SeBatchLogonRight")["S-1-5-19"] == "NT AUTHORITY\\LOCAL SERVICE"
    res = target.one("lsa.grant", right=RIGHT, account="CORP\\gmsa-go$")
    assert res["failed"] is True and res["code"] == "not_found"
    sim.set_reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters", "Domain",
                "REG_SZ", "corp.example.com")
    res = target.one("lsa.grant", right=RIGHT, account="CORP\\gmsa-go$")
    assert res["changed"] is True
    assert holders(target)[res["sid"]] == "CORP\\gmsa-go$"


@pytest.mark.parametrize(("op", "args", "code"), [
    ("lsa.get", {"right": "SeNoSuchRight"}, "invalid_argument"),
    ("lsa.get", {}, "invalid_argument"),
    ("lsa.grant", {"right": RIGHT}, "invalid_argument"),
    ("lsa.grant", {"right": "SeNoSuchRight", "account": "S-1-5-19"}, "invalid_argument"),
    ("lsa.grant", {"right": RIGHT, "account": "WinopsNoSuchUser"}, "not_found"),
    ("lsa.revoke", {"right": RIGHT, "account": "NT SERVICE\\WinopsNoSuchService"}, "not_found"),
    ("lsa.revoke", {"right": RIGHT, "account": "S-1-5-19", "extra": 1}, "invalid_argument"),
])
def test_bad_arguments(target: Target, op: str, args: dict, code: str) -> None:
    res = target.one(op, check_mode=True, **args)
    assert res["failed"] is True and res["code"] == code
