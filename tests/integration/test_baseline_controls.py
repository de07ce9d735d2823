"""Each remaining win_go_baseline control through its life on a simulated host.

For every control: non-compliant in audit (nothing written), put right in
enforce (or, for the audit-only authenticode control, by signing), then
compliant and unchanged on the next run, in one agent round trip. The ACL,
execution policy and WinRM controls have the same cycle in
test_win_go_baseline.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import baseline_play

ROOT = r"C:\Program Files\GoToolchains"
IFEO = r"HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Image File Execution Options"
THUMB = "0123456789ABCDEF0123456789ABCDEF01234567"
CONTROLS = ("process_mitigations", "authenticode", "service_accounts", "defender_exclusion")


def only(control: str, mode: str, **options: Any) -> dict[str, Any]:
    """Options that run just ``control`` in ``mode``."""
    return {"mode": mode, **options,
            "controls": {c: {"enabled": c == control} for c in
                         ("execution_policy", "toolchain_acl", "workspace_acl", "winrm",
                          *CONTROLS)}}


def setup(control: str, host: SimHost) -> dict[str, Any]:
    """Make ``control`` non-compliant on ``host``; return the options that check it."""
    if control == "process_mitigations":
        host.write_file(r"C:\svc\api.exe", b"MZ\n")
        # Bottom-up ASLR switched off for api.exe (field 2 = off, at bit 16).
        host.set_reg(IFEO + r"\api.exe", "MitigationOptions", "REG_BINARY",
                     "00000200000000000000000000000000")
        return {"go_binaries": [r"C:\svc\api.exe"]}
    if control == "authenticode":
        for exe in ("go.exe", "gofmt.exe"):
            host.write_file(rf"{ROOT}\go1.23.4\bin\{exe}", b"MZ\n" + exe.encode())
        host.run_batch({"ops": [{"op": "file.junction", "args": {
            "path": ROOT + r"\current", "target": ROOT + r"\go1.23.4"}}], "check_mode": False})
        return {"allowed_signers": [THUMB]}
    if control == "service_accounts":
        host.add_service("orders", r"C:\svc\orders.exe", state="stopped")
        return {"services": ["orders"], "enforce_service_accounts": True}
    return {"defender_go_exclusion": True}


def make_right_by_hand(control: str, host: SimHost) -> None:
    """Authenticode is audit only: the operator signs the toolchain instead."""
    if control == "authenticode":
        for exe in ("go.exe", "gofmt.exe"):
            host.sign_file(rf"{ROOT}\go1.23.4\bin\{exe}", "CN=Build Signing", THUMB)


@pytest.mark.parametrize("control", CONTROLS)
def test_control_cycle(sim_inventory: Callable, run_playbook: Callable, control: str) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    options = setup(control, host)

    def run(mode: str) -> Any:
        result = run_playbook(baseline_play(only(control, mode, **options)), inv).assert_ok()
        return result.task("win-01", "Check the baseline")

    audit = run("audit")
    finding = audit["findings"][0]
    assert finding["control"] == control and finding["status"] == "non_compliant", finding
    assert finding["evidence"] and not audit.changed

    if control == "authenticode":
        enforced = run("enforce")
        assert enforced["findings"][0]["status"] == "non_compliant"  # nothing to fix
        make_right_by_hand(control, host)
    else:
        enforced = run("enforce")
        assert enforced.changed and enforced["findings"][0]["status"] == "changed"

    before = int(host.stats()["round_trips"])
    settled = run("enforce")
    assert not settled.changed and settled["findings"][0]["status"] == "compliant", settled
    assert settled["round_trips"] == 1 and int(host.stats()["round_trips"]) - before == 1
