"""win_go_baseline end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import baseline_play

ROOT = r"C:\Program Files\GoToolchains"
GOPATH = r"C:\gopath"
ACCOUNT = "svc-gobuild"
LOCAL_MACHINE = r"HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell"
MACHINE_POLICY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell"
WSMAN = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\WSMAN\Service"
WINRM_POLICY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\WinRM\Service"
DIR = ["ContainerInherit", "ObjectInherit"]
# The controls these tests are not about stay off where counts matter.
OTHERS_OFF = {c: {"enabled": False} for c in ("process_mitigations", "authenticode",
                                              "service_accounts", "defender_exclusion")}


def play(**options: Any) -> str:
    """A playbook running win_go_baseline once with ``options``."""
    return baseline_play(options)


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def trips(inv: Any, host: str = "win-01") -> int:
    return sim(inv, host).stats()["round_trips"]


def ops(host: SimHost, *items: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Run ops on the simulated host directly (to set up or create drift)."""
    out = host.run_batch({"ops": [{"op": op, "args": args} for op, args in items],
                          "check_mode": False})
    if out.get("failed_op"):
        raise AssertionError(out["failed_op"])
    return out["results"]


def by_id(res: Any) -> dict[str, dict[str, Any]]:
    return {f["control"]: f for f in res["findings"]}


def prepare(inv: Any) -> SimHost:
    """A host with a Go root (as win_go_install leaves it: inheriting from Program Files),
    a GOPATH, Basic authentication on and the LocalMachine policy Unrestricted."""
    host = sim(inv)
    ops(host, ("file.mkdir", {"path": ROOT + r"\go1.23.4\bin"}),
        ("file.mkdir", {"path": GOPATH}))
    host.set_reg(WSMAN, "auth_basic", "REG_DWORD", 1)
    host.set_reg(LOCAL_MACHINE, "ExecutionPolicy", "REG_SZ", "Unrestricted")
    return host


OPTIONS: dict[str, Any] = {"workspace_directories": [GOPATH], "workspace_accounts": [ACCOUNT]}


def test_audit_reports_with_evidence_and_changes_nothing(sim_inventory: Callable,
                                                         run_playbook: Callable) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": [ACCOUNT]}})
    host = prepare(inv)
    before = trips(inv)
    run = run_playbook(play(**OPTIONS), inv).assert_ok()
    res = run.task("win-01", "Check the baseline")
    assert res.changed is False
    assert trips(inv) == before + 1
    assert res["round_trips"] == 1
    found = by_id(res)
    assert list(found) == ["execution_policy", "toolchain_acl", "workspace_acl",
                           "process_mitigations", "authenticode", "service_accounts", "winrm",
                           "defender_exclusion"]
    assert all(f["mode"] == "audit" for f in found.values())
    assert sum(res["summary"].values()) == 8 and res["summary"]["changed"] == 0
    assert res["summary"]["non_compliant"] >= 4

    policy = found["execution_policy"]
    assert policy["status"] == "non_compliant"
    assert policy["message"] == ("the execution policy at LocalMachine is Unrestricted, "
                                 "not RemoteSigned")
    assert policy["evidence"] == [{"scope": "LocalMachine", "policy": "Unrestricted",
                                   "registry": LOCAL_MACHINE + r"\ExecutionPolicy",
                                   "effective": True}]

    tool = found["toolchain_acl"]
    assert tool["message"] == (f"the ACL of {ROOT} differs from the baseline: inheritance on, "
                               "7 offending ACEs, 4 missing ACEs")
    issues = [(e["issue"], e.get("name"), tuple(e.get("rights") or ()), e.get("inherited"))
              for e in tool["evidence"]]
    assert issues[0] == ("inheritance", None, (), None)
    assert ("missing_ace", "BUILTIN\\Users", ("ReadAndExecute", "Synchronize"),
            False) in issues
    assert ("missing_ace", "NT AUTHORITY\\Authenticated Users",
            ("ReadAndExecute", "Synchronize"), False) in issues
    extras = [i for i in issues if i[0] == "extra_ace"]
    assert {i[1] for i in extras} == {
        "NT SERVICE\\TrustedInstaller", "CREATOR OWNER",
        "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES",
        "APPLICATION PACKAGE AUTHORITY\\ALL RESTRICTED APPLICATION PACKAGES"}
    assert all(i[3] is True for i in extras)  # all inherited from Program Files

    work = found["workspace_acl"]
    assert work["status"] == "non_compliant"
    assert work["message"].startswith(f"ACLs differ from the baseline: {GOPATH} (")
    missing = [e for e in work["evidence"] if e["issue"] == "missing_ace"]
    assert any(e["name"].endswith("\\" + ACCOUNT) and e["rights"] == ["Modify", "Synchronize"]
               for e in missing)

    winrm = found["winrm"]
    assert winrm["message"] == ("the WinRM service accepts Basic authentication "
                                "(local setting)")
    assert winrm["evidence"] == [{"setting": "basic", "what": "Basic authentication",
                                  "allowed": True, "source": "local",
                                  "registry": WSMAN + r"\auth_basic", "policy_value": None,
                                  "local_value": 1}]
    # Nothing was written.
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "Unrestricted"
    assert host.reg(WSMAN, "auth_basic")["value"] == 1


def test_enforce_puts_right_then_second_run_is_one_trip(sim_inventory: Callable,
                                                        run_playbook: Callable) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": [ACCOUNT]}})
    host = prepare(inv)
    before = trips(inv)
    run = run_playbook(play(mode="enforce", controls=OTHERS_OFF, **OPTIONS), inv,
                       diff=True).assert_ok()
    res = run.task("win-01", "Check the baseline")
    assert res.changed is True
    assert res["round_trips"] == 2 and trips(inv) == before + 2
    found = by_id(res)
    assert found["execution_policy"]["status"] == "changed"
    assert found["toolchain_acl"]["status"] == "changed"
    assert found["workspace_acl"]["status"] == "changed"
    # WinRM stays audit unless its own entry asks for enforce.
    assert found["winrm"]["mode"] == "audit" and found["winrm"]["status"] == "non_compliant"
    assert res["summary"] == {"compliant": 0, "changed": 3, "non_compliant": 1,
                              "not_applicable": 0}
    assert "toolchain_acl: compliant (put right)" in res.diff["after"]
    assert "toolchain_acl: non_compliant: the ACL of" in res.diff["before"]

    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "RemoteSigned"
    root = ops(host, ("acl.get", {"path": ROOT}))[0]
    assert root["protected"] is True and root["owner"]["sid"] == acl.ADMINISTRATORS
    assert [(a["sid"], a["rights"]) for a in root["aces"]] == [
        (acl.ADMINISTRATORS, 0x1F01FF), (acl.SYSTEM, 0x1F01FF),
        (acl.USERS, 0x1200A9), (acl.AUTHENTICATED_USERS, 0x1200A9)]

    before = trips(inv)
    again = run_playbook(play(mode="enforce", controls=OTHERS_OFF, **OPTIONS),
                         inv).assert_ok()
    res = again.task("win-01", "Check the baseline")
    assert res.changed is False
    assert res["round_trips"] == 1 and trips(inv) == before + 1
    # WinRM, audited, is still reported; it costs no second round trip.
    assert res["summary"] == {"compliant": 3, "changed": 0, "non_compliant": 1,
                              "not_applicable": 0}
    assert [f["control"] for f in res["findings"]] == ["execution_policy", "toolchain_acl",
                                                       "workspace_acl", "winrm"]


def test_winrm_enforced_when_asked(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.set_reg(WSMAN, "auth_basic", "REG_DWORD", 1)
    host.set_reg(WSMAN, "allow_unencrypted", "REG_DWORD", 1)
    run = run_playbook(play(mode="enforce", controls={"winrm": {"mode": "enforce"}}),
                       inv).assert_ok()
    res = run.task("win-01", "Check the baseline")
    winrm = by_id(res)["winrm"]
    assert winrm["status"] == "changed" and winrm["mode"] == "enforce"
    assert host.reg(WSMAN, "auth_basic")["value"] == 0
    assert host.reg(WSMAN, "allow_unencrypted")["value"] == 0
    # A policy that turns Basic on wins: reported, never written.
    host.set_reg(WINRM_POLICY, "AllowBasic", "REG_DWORD", 1)
    run = run_playbook(play(mode="enforce", controls={"winrm": {"mode": "enforce"}}),
                       inv).assert_ok()
    res = run.task("win-01", "Check the baseline")
    winrm = by_id(res)["winrm"]
    assert res.changed is False and res["round_trips"] == 1
    assert winrm["status"] == "non_compliant"
    assert winrm["message"] == ("Group Policy makes the WinRM service accept Basic "
                                "authentication; change the Group Policy object")
    assert winrm["evidence"][0]["source"] == "group_policy"
    assert host.reg(WSMAN, "auth_basic")["value"] == 0


def test_manual_extra_ace_is_drift_then_removed(sim_inventory: Callable,
                                                run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    ops(host, ("file.mkdir", {"path": ROOT}))
    run_playbook(play(mode="enforce"), inv).assert_ok()
    # Someone gives BUILTIN\Users Modify on the root.
    current = ops(host, ("acl.get", {"path": ROOT}))[0]
    aces = [{"sid": a["sid"], "rights": a["rights"], "inheritance": a["inheritance"]}
            for a in current["aces"]]
    ops(host, ("acl.set", {"path": ROOT, "protected": True,
                           "aces": [*aces, {"sid": acl.USERS, "rights": acl.RIGHTS["Modify"],
                                            "inheritance": DIR}]}))

    audit = run_playbook(play(), inv).assert_ok().task("win-01", "Check the baseline")
    tool = by_id(audit)["toolchain_acl"]
    assert audit.changed is False and tool["status"] == "non_compliant"
    assert tool["message"] == (f"the ACL of {ROOT} differs from the baseline: 1 offending ACE, "
                               "1 missing ACE")
    assert tool["evidence"] == [
        {"path": ROOT, "issue": "missing_ace", "sid": acl.USERS, "name": "BUILTIN\\Users",
         "type": "allow", "rights": ["ReadAndExecute", "Synchronize"], "inheritance": DIR,
         "propagation": [], "inherited": False},
        {"path": ROOT, "issue": "extra_ace", "sid": acl.USERS, "name": "BUILTIN\\Users",
         "type": "allow", "rights": ["Modify", "Synchronize"], "inheritance": DIR,
         "propagation": [], "inherited": False}]

    enforce = run_playbook(play(mode="enforce"), inv).assert_ok().task("win-01",
                                                                       "Check the baseline")
    assert enforce.changed is True and by_id(enforce)["toolchain_acl"]["status"] == "changed"
    users = [a for a in ops(host, ("acl.get", {"path": ROOT}))[0]["aces"]
             if a["sid"] == acl.USERS]
    assert [a["rights"] for a in users] == [0x1200A9]


def test_group_policy_execution_policy_is_reported_not_claimed(sim_inventory: Callable,
                                                               run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.set_reg(MACHINE_POLICY, "EnableScripts", "REG_DWORD", 1)
    host.set_reg(MACHINE_POLICY, "ExecutionPolicy", "REG_SZ", "Unrestricted")
    host.set_reg(LOCAL_MACHINE, "ExecutionPolicy", "REG_SZ", "AllSigned")
    before = trips(inv)
    run = run_playbook(play(mode="enforce"), inv).assert_ok()
    res = run.task("win-01", "Check the baseline")
    policy = by_id(res)["execution_policy"]
    assert policy["status"] == "non_compliant" and policy["mode"] == "enforce"
    assert policy["message"] == (
        "the execution policy is set by Group Policy at MachinePolicy and is Unrestricted, "
        "not RemoteSigned; the LocalMachine value does not apply while it does, so change "
        "the Group Policy object")
    assert policy["evidence"][0] == {
        "scope": "MachinePolicy", "policy": "Unrestricted", "effective": True,
        "registry": MACHINE_POLICY + r"\EnableScripts, ExecutionPolicy"}
    assert policy["evidence"][-1]["scope"] == "LocalMachine"
    assert policy["evidence"][-1]["effective"] is False
    assert res.changed is False and trips(inv) == before + 1
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "AllSigned"


def test_check_mode_enforce_changes_nothing(sim_inventory: Callable,
                                            run_playbook: Callable) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": [ACCOUNT]}})
    host = prepare(inv)
    acl_before = ops(host, ("acl.get", {"path": ROOT}))[0]["hash"]
    before = trips(inv)
    run = run_playbook(play(mode="enforce", controls=OTHERS_OFF, **OPTIONS), inv,
                       check=True).assert_ok()
    res = run.task("win-01", "Check the baseline")
    assert res.changed is True  # would put right
    assert res["round_trips"] == 1 and trips(inv) == before + 1
    assert by_id(res)["toolchain_acl"]["status"] == "changed"
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "Unrestricted"
    assert ops(host, ("acl.get", {"path": ROOT}))[0]["hash"] == acl_before
    assert not [e for e in host.op_log() if e.get("write") and e["batch"] > before]


def test_bad_input_fails_before_the_host(sim_inventory: Callable,
                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(controls={"firewall": {"enabled": False}}), inv)
    res = run.task("win-01", "Check the baseline")
    assert res.failed
    assert res.msg == ("controls names unknown control firewall; known: execution_policy, "
                       "toolchain_acl, workspace_acl, process_mitigations, authenticode, "
                       "service_accounts, winrm, defender_exclusion")
    run = run_playbook(play(toolchain_root="GoToolchains"), inv)
    assert run.task("win-01", "Check the baseline").failed
    assert trips(inv) == 0


def test_fail_on_non_compliant(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    sim(inv).set_reg(WSMAN, "allow_unencrypted", "REG_DWORD", 1)
    run = run_playbook(play(fail_on_non_compliant=True, controls=OTHERS_OFF), inv)
    res = run.task("win-01", "Check the baseline")
    assert res.failed and res.msg == "1 control(s) not compliant: winrm"
    assert by_id(res)["winrm"]["status"] == "non_compliant"
    assert by_id(res)["toolchain_acl"]["status"] == "not_applicable"


def test_refused_fix_fails_with_the_findings(sim_inventory: Callable,
                                             run_playbook: Callable) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": [ACCOUNT]}})
    host = prepare(inv)
    host.inject_fault("access_denied", op="acl.set", path=ROOT)
    run = run_playbook(play(mode="enforce", controls=OTHERS_OFF, **OPTIONS), inv)
    res = run.task("win-01", "Check the baseline")
    assert res.failed and res["error_code"] == "access_denied"
    assert res.msg.startswith("control toolchain_acl: acl.set (op 2) failed [access_denied]")
    found = by_id(res)
    # The execution policy was put right before the refused op; the rest did not run.
    assert found["execution_policy"]["status"] == "changed"
    assert found["toolchain_acl"]["status"] == "non_compliant"
    assert found["workspace_acl"]["status"] == "non_compliant"
    assert res.changed is True
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "RemoteSigned"
