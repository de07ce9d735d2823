"""win_tcp_tuning end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

TCPIP = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
PRIORITY = r"HKLM:\SYSTEM\CurrentControlSet\Control\PriorityControl"


def play(**options: Any) -> str:
    """A playbook running win_tcp_tuning once with ``options`` (as JSON, so types survive)."""
    return f"""
- name: Tune
  hosts: all
  gather_facts: false
  tasks:
    - name: Tune TCP
      winops.golang.win_tcp_tuning: {json.dumps(options)}
      register: tuning
"""


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def tcp_model(inv: Any, host: str = "win-01") -> dict[str, Any]:
    """The simulated host's TCP state, read without a round trip."""
    return json.loads((Path(inv.root(host)) / "model.json").read_text())["tcp"]


def trips(inv: Any, host: str = "win-01") -> int:
    return sim(inv, host).stats()["round_trips"]


def test_profile_applies_then_changes_nothing(sim_inventory: Callable,
                                              run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(profile="high_concurrency_server"), inv).assert_ok()
    res = run.task("win-01", "Tune TCP")
    assert res.changed is True
    assert res["reboot_required"] is True
    assert trips(inv) == 2  # one read batch, one compare-and-set batch
    settings = res["settings"]
    ports = settings["dynamic_port_range.tcp.ipv4"]
    assert ports == {"before": {"start": 49152, "count": 16384},
                     "after": {"start": 16384, "count": 49152},
                     "changed": True, "reboot_required": False, "applies": "at once"}
    wait = settings["tcp_timed_wait_delay"]
    assert wait["before"] == {"value": None, "seconds": 120, "set": False}
    assert wait["after"] == {"value": 30, "seconds": 30, "set": True}
    assert wait["changed"] is True and wait["reboot_required"] is True
    # RSS and auto-tuning already had the profile's values.
    assert settings["receive_side_scaling"]["changed"] is False
    assert settings["autotuning_level"] == {"before": "normal", "after": "normal",
                                            "changed": False, "reboot_required": False,
                                            "applies": "at once"}
    assert res["os_build"] == 20348 and res["os_release"] == "2022"
    assert res["current"]["congestion_provider"] == "cubic"
    # The host really changed.
    model = tcp_model(inv)
    for proto in ("tcp", "udp"):
        for fam in ("ipv4", "ipv6"):
            assert model["dynamic_ports"][proto][fam] == {"start": 16384, "count": 49152}
    assert sim(inv).reg(TCPIP, "TcpTimedWaitDelay") == {"type": "REG_DWORD", "value": 30}

    again = run_playbook(play(profile="high_concurrency_server"), inv).assert_ok()
    res = again.task("win-01", "Tune TCP")
    assert res.changed is False and res["reboot_required"] is False
    assert not any(s["changed"] for s in res["settings"].values())
    assert trips(inv) == 3  # exactly one more round trip


def test_check_mode_and_diff_change_nothing(sim_inventory: Callable,
                                            run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(profile="high_concurrency_server", win32_priority_separation=0x26),
                       inv, check=True, diff=True).assert_ok()
    res = run.task("win-01", "Tune TCP")
    assert res.changed is True and res["reboot_required"] is True
    assert trips(inv) == 1  # the read batch only
    assert res.diff["before"]["dynamic_port_range.udp.ipv6"] == {"start": 49152,
                                                                 "count": 16384}
    assert res.diff["after"]["dynamic_port_range.udp.ipv6"] == {"start": 16384, "count": 49152}
    assert res.diff["before"]["tcp_timed_wait_delay"] is None
    assert res.diff["after"]["tcp_timed_wait_delay"] == 30
    assert res.diff["after"]["win32_priority_separation"] == 0x26
    assert "receive_side_scaling" not in res.diff["after"]  # unchanged settings stay out
    decoded = res["settings"]["win32_priority_separation"]["after"]
    assert decoded["profile"] == "programs" and decoded["quantum_length"] == "short"
    assert res["current"]["tcp_timed_wait_delay"]["seconds"] == 30  # what it would be
    # Nothing was written.
    assert tcp_model(inv)["dynamic_ports"]["tcp"]["ipv4"] == {"start": 49152, "count": 16384}
    assert sim(inv).reg(TCPIP, "TcpTimedWaitDelay") is None
    assert sim(inv).reg(PRIORITY, "Win32PrioritySeparation") is None
    assert not [e for e in sim(inv).op_log() if e.get("write") and not e.get("check_mode")]


def test_refused_settings_never_reach_the_host(sim_inventory: Callable,
                                               run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(max_user_port=65534, tcp_num_connections=16777214,
                            tcp_timed_wait_delay=30), inv)
    res = run.task("win-01", "Tune TCP")
    assert res.failed
    assert "max_user_port is refused" in res.msg and "Use dynamic_port_range instead" in res.msg
    assert "tcp_num_connections is refused" in res.msg
    assert trips(inv) == 0
    assert sim(inv).reg(TCPIP, "TcpTimedWaitDelay") is None


def test_bad_values_fail_before_the_host(sim_inventory: Callable,
                                         run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(dynamic_port_range={"start": 60000, "count": 10000},
                            congestion_provider="reno"), inv)
    res = run.task("win-01", "Tune TCP")
    assert res.failed and "congestion_provider" in str(res.msg)  # the argument spec's choices
    run = run_playbook(play(dynamic_port_range={"start": 60000, "count": 10000},
                            disable_task_offload=True), inv)
    res = run.task("win-01", "Tune TCP")
    assert res.failed
    assert "past 65535: use a count of at most 5536" in res.msg
    assert "acknowledge_task_offload_risk=true" in res.msg
    assert trips(inv) == 0


def test_reboot_required_follows_the_settings(sim_inventory: Callable,
                                              run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    ports_only = run_playbook(play(dynamic_port_range={"start": 20000, "count": 1000,
                                                       "protocols": ["tcp"],
                                                       "families": ["ipv4"]},
                                   congestion_provider="dctcp"), inv).assert_ok()
    res = ports_only.task("win-01", "Tune TCP")
    assert res.changed is True and res["reboot_required"] is False
    assert set(res["settings"]) == {"dynamic_port_range.tcp.ipv4", "congestion_provider"}
    model = tcp_model(inv)
    assert model["dynamic_ports"]["tcp"]["ipv4"] == {"start": 20000, "count": 1000}
    assert model["dynamic_ports"]["tcp"]["ipv6"] == {"start": 49152, "count": 16384}
    assert model["global"]["congestion_provider"] == "dctcp"

    wait = run_playbook(play(tcp_timed_wait_delay=60, disable_task_offload=True,
                             acknowledge_task_offload_risk=True), inv).assert_ok()
    res = wait.task("win-01", "Tune TCP")
    assert res["reboot_required"] is True
    assert res["settings"]["tcp_timed_wait_delay"]["reboot_required"] is True
    assert res["settings"]["disable_task_offload"]["after"]["task_offload"] == "disabled"
    assert any("DisableTaskOffload=1" in w for w in res.warnings)
    assert sim(inv).reg(TCPIP, "DisableTaskOffload") == {"type": "REG_DWORD", "value": 1}


def test_server_2016_refuses_what_only_newer_releases_have(
    sim_inventory: Callable, run_playbook: Callable
) -> None:
    inv = sim_inventory({"old": {"ansible_winsim_os": "2016"},
                         "new": {"ansible_winsim_os": "2019"}})
    run = run_playbook(play(congestion_provider="cubic", ntfs_disable_last_access=1), inv)
    old = run.task("old", "Tune TCP")
    assert old.failed
    assert old.msg == (
        "congestion_provider=cubic needs Windows Server 2019 (build 17763) or later: CUBIC "
        "came with Windows 10 1703 and is the default from Server 2019. This host is Windows "
        "Server 2016 (build 14393), which offers ctcp and dctcp")
    assert trips(inv, "old") == 1  # read, then refused before any write
    assert tcp_model(inv, "old")["global"]["congestion_provider"] == "ctcp"
    assert sim(inv, "old").reg(r"HKLM:\SYSTEM\CurrentControlSet\Control\FileSystem",
                               "NtfsDisableLastAccessUpdate") is None
    new = run.task("new", "Tune TCP")
    assert new.ok and new.changed is True  # 2019 ships CUBIC: only NTFS changes
    assert new["settings"]["congestion_provider"]["changed"] is False
    ntfs = new["settings"]["ntfs_disable_last_access"]["after"]
    assert ntfs["value"] == 0x80000001 and ntfs["mode"] == "user"
    assert ntfs["updates_enabled"] is False


def test_bbr2_only_on_server_2025_and_warns(sim_inventory: Callable,
                                            run_playbook: Callable) -> None:
    inv = sim_inventory({"s2022": {"ansible_winsim_os": "2022"},
                         "s2025": {"ansible_winsim_os": "2025"}})
    run = run_playbook(play(congestion_provider="bbr2"), inv)
    assert run.task("s2022", "Tune TCP").failed
    assert "needs Windows Server 2025 (build 26100)" in run.task("s2022", "Tune TCP").msg
    res = run.task("s2025", "Tune TCP")
    assert res.ok and res.changed is True and res["reboot_required"] is False
    assert any("BBR2" in w for w in res.warnings)
    assert tcp_model(inv, "s2025")["global"]["congestion_provider"] == "bbr2"


def test_no_options_reports_the_current_state(sim_inventory: Callable,
                                              run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(play(), inv).assert_ok()
    res = run.task("win-01", "Tune TCP")
    assert res.changed is False and res["settings"] == {} and trips(inv) == 1
    current = res["current"]
    assert current["dynamic_port_range.udp.ipv4"] == {"start": 49152, "count": 16384}
    assert current["win32_priority_separation"]["set"] is False
    assert current["win32_priority_separation"]["effective_quantum_type"] == "fixed"
    assert current["initial_congestion_window"] == 10
