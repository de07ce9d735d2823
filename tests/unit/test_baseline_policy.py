"""The execution policy and WinRM controls of the security baseline (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import baseline_policy as bp

LM = bp.LOCAL_MACHINE_KEY + r"\ExecutionPolicy"
HKLM_GP = bp.MACHINE_POLICY_KEY + r"\EnableScripts, ExecutionPolicy"
HKCU_GP = bp.USER_POLICY_KEY + r"\EnableScripts, ExecutionPolicy"


def key(**values: Any) -> dict[str, Any]:
    """A ``reg.get`` result for a key with these values (DWORD for ints)."""
    if not values:
        return {"op": "reg.get", "key_exists": False, "values": {}, "subkeys": []}
    return {"op": "reg.get", "key_exists": True, "subkeys": [],
            "values": {n: {"type": "REG_DWORD" if isinstance(v, int) else "REG_SZ", "value": v}
                       for n, v in values.items()}}


def local(value: str | None) -> dict[str, Any]:
    if value is None:
        return {"op": "reg.get", "key_exists": True, "exists": False, "type": None,
                "value": None}
    return {"op": "reg.get", "key_exists": True, "exists": True, "type": "REG_SZ",
            "value": value}


def policy_results(machine: dict[str, Any] | None = None, user: dict[str, Any] | None = None,
                   lm: str | None = "RemoteSigned") -> dict[str, dict[str, Any]]:
    return {"machine_policy": machine or key(), "user_policy": user or key(),
            "local_machine": local(lm)}


def test_reads_are_the_three_scopes() -> None:
    assert bp.EXECUTION_POLICY.reads({}) == {
        "machine_policy": ("reg.get", {"path": r"HKLM:\SOFTWARE\Policies\Microsoft\Windows"
                                               r"\PowerShell"}),
        "user_policy": ("reg.get", {"path": r"HKCU:\SOFTWARE\Policies\Microsoft\Windows"
                                            r"\PowerShell"}),
        "local_machine": ("reg.get", {"path": r"HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds"
                                              r"\Microsoft.PowerShell",
                                      "name": "ExecutionPolicy"}),
    }


def test_remote_signed_at_local_machine_is_compliant() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(lm="remotesigned"))
    assert ev.status == "compliant"
    assert ev.message == "the execution policy is RemoteSigned at LocalMachine"
    assert ev.evidence == [{"scope": "LocalMachine", "policy": "RemoteSigned",
                            "registry": LM, "effective": True}]
    assert ev.fix == []


def test_other_local_policy_is_fixed_with_compare_and_set() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(lm="Unrestricted"))
    assert ev.status == "non_compliant"
    assert ev.message == "the execution policy at LocalMachine is Unrestricted, not RemoteSigned"
    assert ev.fix == [("reg.set", {"path": bp.LOCAL_MACHINE_KEY, "name": "ExecutionPolicy",
                                   "type": "REG_SZ", "value": "RemoteSigned",
                                   "expected": {"type": "REG_SZ", "value": "Unrestricted"}})]


def test_undefined_local_policy() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(lm=None))
    assert ev.message == ("the execution policy at LocalMachine is Undefined (not set), "
                          "not RemoteSigned")
    assert ev.evidence == [{"scope": "LocalMachine", "policy": "Undefined", "registry": LM,
                            "effective": True}]
    assert ev.fix[0][1]["expected"] is None  # must still be absent when written


def test_machine_policy_decides_and_is_never_written() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(
        machine=key(EnableScripts=1, ExecutionPolicy="Unrestricted"),
        user=key(EnableScripts=1, ExecutionPolicy="AllSigned"), lm="Restricted"))
    assert ev.status == "non_compliant"
    assert ev.fix == []
    assert ev.message == ("the execution policy is set by Group Policy at MachinePolicy and is "
                          "Unrestricted, not RemoteSigned; the LocalMachine value does not "
                          "apply while it does, so change the Group Policy object")
    assert ev.evidence == [
        {"scope": "MachinePolicy", "policy": "Unrestricted", "registry": HKLM_GP,
         "effective": True},
        {"scope": "UserPolicy", "policy": "AllSigned", "registry": HKCU_GP, "effective": False},
        {"scope": "LocalMachine", "policy": "Restricted", "registry": LM, "effective": False},
    ]


def test_user_policy_decides_when_machine_policy_is_not_configured() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(
        machine=key(ExecutionPolicy="Unrestricted"),  # no EnableScripts: not configured
        user=key(EnableScripts=1, ExecutionPolicy="RemoteSigned"), lm="Bypass"))
    assert ev.status == "compliant"
    assert ev.message == ("the execution policy is set by Group Policy at UserPolicy and is "
                          "RemoteSigned")
    assert ev.fix == []
    assert [e["scope"] for e in ev.evidence] == ["UserPolicy", "LocalMachine"]


def test_disabled_script_execution_is_restricted() -> None:
    ev = bp.EXECUTION_POLICY.evaluate({}, policy_results(machine=key(EnableScripts=0)))
    assert ev.status == "non_compliant" and ev.fix == []
    assert ev.message.startswith("the execution policy is set by Group Policy at MachinePolicy "
                                 "and is Restricted, not RemoteSigned")


@pytest.mark.parametrize(("values", "expected"), [
    ({}, None),
    ({"EnableScripts": 1}, None),
    ({"EnableScripts": 1, "ExecutionPolicy": "allsigned"}, "AllSigned"),
    ({"enablescripts": "0", "ExecutionPolicy": "Unrestricted"}, "Restricted"),
    ({"EnableScripts": 2, "ExecutionPolicy": "Unrestricted"}, None),
])
def test_group_policy_values(values: dict[str, Any], expected: str | None) -> None:
    assert bp.group_policy(key(**values)["values"]) == expected


def winrm_results(policy: dict[str, Any] | None = None,
                  local_values: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    return {"policy": policy or key(), "local": key(**(local_values or {}))}


def test_winrm_defaults_are_compliant() -> None:
    assert bp.WINRM.reads({}) == {
        "policy": ("reg.get", {"path": r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WinRM"
                                       r"\Service"}),
        "local": ("reg.get", {"path": r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion"
                                      r"\WSMAN\Service"}),
    }
    ev = bp.WINRM.evaluate({}, winrm_results(local_values={"auth_basic": 0,
                                                           "auth_kerberos": 1}))
    assert ev.status == "compliant" and ev.evidence == [] and ev.fix == []
    assert ev.message == ("the WinRM service accepts neither Basic authentication nor "
                          "unencrypted traffic")


def test_winrm_local_settings_are_fixed() -> None:
    ev = bp.WINRM.evaluate({}, winrm_results(local_values={"auth_basic": 1,
                                                           "allow_unencrypted": 1}))
    assert ev.status == "non_compliant"
    assert ev.message == ("the WinRM service accepts Basic authentication and unencrypted "
                          "traffic (local setting)")
    assert ev.evidence == [
        {"setting": "basic", "what": "Basic authentication", "allowed": True, "source": "local",
         "registry": bp.WINRM_LOCAL_KEY + r"\auth_basic", "policy_value": None,
         "local_value": 1},
        {"setting": "unencrypted", "what": "unencrypted traffic", "allowed": True,
         "source": "local", "registry": bp.WINRM_LOCAL_KEY + r"\allow_unencrypted",
         "policy_value": None, "local_value": 1},
    ]
    assert ev.fix == [
        ("reg.set", {"path": bp.WINRM_LOCAL_KEY, "name": "auth_basic", "type": "REG_DWORD",
                     "value": 0, "expected": {"type": "REG_DWORD", "value": 1}}),
        ("reg.set", {"path": bp.WINRM_LOCAL_KEY, "name": "allow_unencrypted",
                     "type": "REG_DWORD", "value": 0,
                     "expected": {"type": "REG_DWORD", "value": 1}}),
    ]


def test_winrm_policy_wins_both_ways() -> None:
    # The policy turns Basic off: the local value does not matter.
    ev = bp.WINRM.evaluate({}, winrm_results(policy=key(AllowBasic=0),
                                             local_values={"auth_basic": 1}))
    assert ev.status == "compliant" and ev.fix == []
    # The policy turns unencrypted traffic on: reported, nothing written.
    ev = bp.WINRM.evaluate({}, winrm_results(policy=key(AllowUnencryptedTraffic=1),
                                             local_values={"auth_basic": 1}))
    assert ev.status == "non_compliant"
    assert ev.message == ("the WinRM service accepts Basic authentication (local setting); "
                          "Group Policy makes the WinRM service accept unencrypted traffic; "
                          "change the Group Policy object")
    assert [e["source"] for e in ev.evidence] == ["local", "group_policy"]
    assert ev.evidence[1]["registry"] == bp.WINRM_POLICY_KEY + r"\AllowUnencryptedTraffic"
    assert [args["name"] for _op, args in ev.fix] == ["auth_basic"]
