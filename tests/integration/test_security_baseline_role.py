"""The winops.golang.security_baseline role on simulated hosts: audit, enforce, drift."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.molecule import run_scenario
from support.playbooks import run_counted

ROLE_PLAY = """
- name: Security baseline
  hosts: all
  gather_facts: false
  roles:
    - role: winops.golang.security_baseline
"""

ROOT = r"C:\Program Files\GoToolchains"
TASK = "Check the security baseline"
USERS = "S-1-5-32-545"
MODIFY = 0x1301BF
POLICY = r"HKLM:\SOFTWARE\Policies\Microsoft\Windows\PowerShell"
LOCAL_MACHINE = r"HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds\Microsoft.PowerShell"
# The controls this file exercises; the others stay off so the findings are about these.
ONLY = {"process_mitigations": {"enabled": False}, "authenticode": {"enabled": False},
        "defender_exclusion": {"enabled": False}}


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    return host.run_batch({"ops": [{"op": op_name, "args": args}],
                           "check_mode": False})["results"][0]


def go_host(sim_inventory: Callable) -> tuple[Any, SimHost]:
    """A simulated host with a Go toolchain unpacked under Program Files (inherited ACL)."""
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    host.write_file(ROOT + r"\go1.23.4\bin\go.exe", b"MZ\ngo\n")
    return inv, host


def findings(run: Any) -> dict[str, dict[str, Any]]:
    return {f["control"]: f for f in run.task("win-01", TASK)["findings"]}


def add_users_modify(host: SimHost) -> None:
    """What a careless admin does: give Users write access to the toolchains."""
    doc = op(host, "acl.get", path=ROOT)
    aces = [{k: a[k] for k in ("sid", "type", "rights", "inheritance", "propagation")}
            for a in doc["aces"] if not a["inherited"]]
    aces.append({"sid": USERS, "type": "allow", "rights": MODIFY,
                 "inheritance": ["ContainerInherit", "ObjectInherit"], "propagation": []})
    op(host, "acl.set", path=ROOT, protected=doc["protected"], aces=aces)


def test_audit_enforce_then_nothing_to_do_and_drift(sim_inventory: Callable,
                                                    run_playbook: Callable,
                                                    tmp_path: Path) -> None:
    inv, host = go_host(sim_inventory)
    audit = {"winops_golang_baseline_controls": ONLY}
    enforce = {**audit, "winops_golang_baseline_mode": "enforce"}

    first = run_playbook(ROLE_PLAY, inv, extra_vars=audit).assert_ok()
    seen = findings(first)
    assert seen["toolchain_acl"]["status"] == "non_compliant"
    assert seen["toolchain_acl"]["evidence"]  # the inherited Program Files ACEs
    assert not first.task("win-01", TASK).changed
    assert op(host, "acl.get", path=ROOT)["protected"] is False  # audit changed nothing

    fixed = run_playbook(ROLE_PLAY, inv, extra_vars=enforce).assert_ok()
    assert findings(fixed)["toolchain_acl"]["status"] == "changed"
    doc = op(host, "acl.get", path=ROOT)
    assert doc["protected"] is True and doc["owner"]["sid"] == "S-1-5-32-544"

    again, trips = run_counted(run_playbook, ROLE_PLAY, inv, tmp_path, extra_vars=enforce)
    again.assert_ok()
    assert again.changed("win-01") == []
    assert {r["task"]: r["round_trips"] for r in trips if r["kind"] == "task"}[TASK] == 1
    assert findings(again)["toolchain_acl"]["status"] == "compliant"

    # A manual change is drift: reported with the offending ACE in audit mode...
    add_users_modify(host)
    drift = findings(run_playbook(ROLE_PLAY, inv, extra_vars=audit).assert_ok())
    assert drift["toolchain_acl"]["status"] == "non_compliant"
    assert any(e.get("sid") == USERS for e in drift["toolchain_acl"]["evidence"])
    # ... and removed in enforce mode.
    run_playbook(ROLE_PLAY, inv, extra_vars=enforce).assert_ok()
    assert all(a["sid"] != USERS or a["rights"] & MODIFY != MODIFY
               for a in op(host, "acl.get", path=ROOT)["aces"])

    # A policy change is drift too.
    host.set_reg(LOCAL_MACHINE, "ExecutionPolicy", "REG_SZ", "Unrestricted")
    drift = findings(run_playbook(ROLE_PLAY, inv, extra_vars=audit).assert_ok())
    assert drift["execution_policy"]["status"] == "non_compliant"
    assert "Unrestricted" in drift["execution_policy"]["message"]
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "Unrestricted"
    put_right = findings(run_playbook(ROLE_PLAY, inv, extra_vars=enforce).assert_ok())
    assert put_right["execution_policy"]["status"] == "changed"
    assert host.reg(LOCAL_MACHINE, "ExecutionPolicy")["value"] == "RemoteSigned"


def test_group_policy_decides_the_execution_policy(sim_inventory: Callable,
                                                   run_playbook: Callable) -> None:
    inv, host = go_host(sim_inventory)
    host.set_reg(POLICY, "EnableScripts", "REG_DWORD", 1)
    host.set_reg(POLICY, "ExecutionPolicy", "REG_SZ", "Unrestricted")
    run = run_playbook(ROLE_PLAY, inv, extra_vars={
        "winops_golang_baseline_controls": ONLY, "winops_golang_baseline_mode": "enforce"})
    run.assert_ok()
    policy = findings(run)["execution_policy"]
    assert policy["status"] == "non_compliant"  # enforce cannot override Group Policy
    assert "MachinePolicy" in policy["message"] and "Unrestricted" in policy["message"]


def test_fail_on_non_compliant(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv, _host = go_host(sim_inventory)
    run = run_playbook(ROLE_PLAY, inv, extra_vars={
        "winops_golang_baseline_controls": ONLY,
        "winops_golang_baseline_fail_on_non_compliant": True})
    failed = run.task("win-01", "Fail for a host that is not compliant")
    assert failed.failed and "toolchain_acl" in failed.msg


@pytest.mark.molecule
def test_molecule_scenario_passes(tmp_path: Path) -> None:
    """`molecule test -s security_baseline` on a simulated host."""
    run_scenario("security_baseline", tmp_path)
