"""win_remote_dev end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

SSH = "OpenSSH.Server~~~~0.0.1.0"
WSL = "Microsoft-Windows-Subsystem-Linux"
VMP = "VirtualMachinePlatform"
SSHD_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\sshd"
EVERYTHING = {"openssh_server": "present", "wsl": "present", "virtual_machine_platform": "present"}


def play(facts: bool = False, **options: Any) -> str:
    """A playbook running win_remote_dev once (after win_go_facts when ``facts``)."""
    gather = """
    - name: Gather Go facts
      winops.golang.win_go_facts:
""" if facts else ""
    return f"""
- name: Remote development
  hosts: all
  gather_facts: false
  tasks:{gather}
    - name: Remote dev
      winops.golang.win_remote_dev: {json.dumps(options)}
      register: remote_dev
"""


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def trips(inv: Any, host: str = "win-01") -> int:
    return sim(inv, host).stats()["round_trips"]


def reboot_pending(inv: Any, host: str = "win-01") -> dict[str, Any]:
    """facts.get's reboot_pending, read directly (one round trip of the test's own)."""
    raw = sim(inv, host).run_batch({"ops": [{"op": "facts.get", "args": {}}]})
    return raw["results"][0]["reboot_pending"]


def features(inv: Any, host: str = "win-01") -> dict[str, str]:
    """Every feature and capability state of the simulated host, read without a round trip."""
    model = json.loads((Path(inv.root(host)) / "model.json").read_text())
    return {entry["name"]: entry["state"] for table in model["features"].values()
            for entry in table.values()}


def service(inv: Any, host: str = "win-01") -> dict[str, Any] | None:
    model = json.loads((Path(inv.root(host)) / "model.json").read_text())
    return model["services"].get("SSHD")


def test_fresh_2022_then_nothing_to_do(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(**EVERYTHING), inv).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True and res["reboot_required"] is True
    assert trips(inv) == 2  # one read batch (with facts.get), one write batch
    assert res["features"][SSH]["before"] == "not_present"
    assert res["features"][SSH]["after"] == "installed"
    assert res["features"][WSL]["after"] == "enable_pending"
    assert res["features"][VMP]["after"] == "enable_pending"
    assert res["sshd"] == {"exists": True, "start_mode": "auto", "state": "running"}
    assert res["os_build"] == 20348
    # The host really changed: sshd is automatic and running, the registry agrees,
    # and Windows waits for a reboot.
    svc = service(inv)
    assert svc["start_type"] == "auto" and svc["state"] == "running"
    assert sim(inv).reg(SSHD_KEY, "Start") == {"type": "REG_DWORD", "value": 2}
    assert reboot_pending(inv) == {"pending": True, "reasons": ["ComponentBasedServicing"]}

    again = run_playbook(play(**EVERYTHING), inv).assert_ok()
    res = again.task("win-01", "Remote dev")
    assert res.changed is False
    assert res["reboot_required"] is True  # still waiting for that reboot
    assert trips(inv) == 4  # exactly one more: the read batch (after the test's own read)

    sim(inv).reboot()
    after_boot = run_playbook(play(**EVERYTHING), inv).assert_ok()
    res = after_boot.task("win-01", "Remote dev")
    assert res.changed is False and res["reboot_required"] is False
    assert res["features"][WSL]["after"] == "enabled"
    assert features(inv)[VMP] == "enabled"
    assert reboot_pending(inv)["pending"] is False


def test_facts_in_vars_save_the_facts_read(sim_inventory: Callable,
                                           run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(facts=True, openssh_server="present",
                            sshd_start_mode="delayed"), inv).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True and res["reboot_required"] is False
    assert res["sshd"] == {"exists": True, "start_mode": "delayed", "state": "running"}
    assert sim(inv).reg(SSHD_KEY, "DelayedAutostart") == {"type": "REG_DWORD", "value": 1}
    log = [e for e in sim(inv).op_log() if e.get("kind") == "op"]
    first = next(e["batch"] for e in log if e["op"] == "feature.get")
    # win_go_facts read the facts; the module's read batch did not read them again.
    assert [e["op"] for e in log if e["batch"] == first] == ["feature.get", "service.get"]
    assert [e["op"] for e in log if e["batch"] == first + 1] == [
        "feature.set", "service.set", "service.control"]
    assert trips(inv) == first + 1


def test_check_mode_and_diff_change_nothing(sim_inventory: Callable,
                                            run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(**EVERYTHING), inv, check=True, diff=True).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True and res["reboot_required"] is True
    assert trips(inv) == 1  # the read batch only
    assert res.diff["before"] == {"openssh_server": "not_present", "wsl": "disabled",
                                  "virtual_machine_platform": "disabled", "sshd": None}
    assert res.diff["after"] == {"openssh_server": "installed", "wsl": "enable_pending",
                                 "virtual_machine_platform": "enable_pending",
                                 "sshd": {"start_mode": "auto", "state": "running"}}
    assert features(inv) == {WSL: "disabled", VMP: "disabled", SSH: "not_present",
                             "OpenSSH.Client~~~~0.0.1.0": "installed"}
    assert service(inv) is None
    assert not [e for e in sim(inv).op_log() if e.get("write") and not e.get("check_mode")]
    assert reboot_pending(inv)["pending"] is False


def test_server_2019_refuses_wsl2_and_2016_refuses_openssh(
    sim_inventory: Callable, run_playbook: Callable
) -> None:
    inv = sim_inventory({"s2016": {"ansible_winsim_os": "2016"},
                         "s2019": {"ansible_winsim_os": "2019"}})
    run = run_playbook(play(wsl="present", virtual_machine_platform="present"), inv)
    res = run.task("s2019", "Remote dev")
    assert res.failed
    assert ("virtual_machine_platform=present: the VirtualMachinePlatform feature does not "
            "exist before build 18362 (Windows 10 version 1903), so WSL 2 cannot run on "
            "Windows Server 2019 (build 17763)") in res.msg
    assert trips(inv, "s2019") == 1  # read (with the facts), refused before any write
    assert features(inv, "s2019")[WSL] == "disabled"

    run = run_playbook(play(openssh_server="present"), inv, limit="s2016")
    res = run.task("s2016", "Remote dev")
    assert res.failed
    assert ("Windows Server 2016 (build 14393) has no OpenSSH Server capability; it came "
            "as a Feature on Demand with Windows Server 2019 (build 17763)") in res.msg
    assert service(inv, "s2016") is None

    # With the facts known, the refusal needs no round trip of the module's own.
    before = trips(inv, "s2016")
    run = run_playbook(play(facts=True, openssh_server="present"), inv, limit="s2016")
    assert run.task("s2016", "Remote dev").failed
    assert trips(inv, "s2016") == before + 1  # win_go_facts only

    ok = run_playbook(play(wsl="present"), inv, limit="s2019").assert_ok()  # WSL 1 is fine
    assert ok.task("s2019", "Remote dev")["features"][WSL]["after"] == "enable_pending"


def test_server_2025_turns_the_preinstalled_sshd_on(sim_inventory: Callable,
                                                    run_playbook: Callable) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_os": "2025"}})
    run = run_playbook(play(openssh_server="present"), inv).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True and res["reboot_required"] is False
    assert res["features"][SSH] == {"option": "openssh_server", "kind": "capability",
                                    "before": "installed", "after": "installed",
                                    "changed": False}
    assert res["sshd"] == {"exists": True, "start_mode": "auto", "state": "running"}


def test_air_gapped_host_needs_a_source(sim_inventory: Callable, run_playbook: Callable,
                                        tmp_path: Path) -> None:
    fod = tmp_path / "fod-share"
    fod.mkdir()
    inv = sim_inventory({"win-01": {"ansible_winsim_shares": {r"\\fs01\fod": str(fod)}}})
    host = SimHost(str(inv.root("win-01")), hostname="WIN-01",
                   shares={r"\\fs01\fod": str(fod)})
    host.inject_fault("windows_update_unreachable", times=0)

    run = run_playbook(play(openssh_server="present"), inv)
    res = run.task("win-01", "Remote dev")
    assert res.failed and res.changed is False
    assert "0x800f0954" in res.msg and "source" in res.msg
    assert features(inv)[SSH] == "not_present" and service(inv) is None

    run = run_playbook(play(openssh_server="present", source=r"\\fs01\fod\missing"), inv)
    res = run.task("win-01", "Remote dev")
    assert res.failed and "0x800f081f" in res.msg

    run = run_playbook(play(openssh_server="present", source=r"\\fs01\fod"), inv).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True and res["sshd"]["state"] == "running"
    sources = [e["args"].get("source") for e in sim(inv).op_log()
               if e.get("op") == "feature.set"]
    assert sources[-1] == r"\\fs01\fod"


def test_bad_input_never_reaches_the_host(sim_inventory: Callable,
                                          run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(openssh_server="present", source="fod"), inv)
    res = run.task("win-01", "Remote dev")
    assert res.failed and "is not absolute" in res.msg
    run = run_playbook(play(wsl="installed"), inv)
    assert run.task("win-01", "Remote dev").failed
    assert trips(inv) == 0


def test_openssh_absent_removes_sshd(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(play(openssh_server="present"), inv).assert_ok()
    run = run_playbook(play(openssh_server="absent"), inv, diff=True).assert_ok()
    res = run.task("win-01", "Remote dev")
    assert res.changed is True
    assert res["sshd"] == {"exists": False, "start_mode": None, "state": None}
    assert res.diff["before"]["sshd"] == {"start_mode": "auto", "state": "running"}
    assert features(inv)[SSH] == "not_present" and service(inv) is None
    assert sim(inv).reg(SSHD_KEY, "Start") is None
