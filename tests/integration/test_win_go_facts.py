"""win_go_facts end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

FACTS_PLAY = """
- name: Gather Go facts
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather
      winops.golang.win_go_facts:
"""

SECRET = "s3cr3t-value-never-shown"


def sim(inv: Any, host: str) -> SimHost:
    """Open a host's state as the connection plugin would."""
    return SimHost(str(inv.root(host)))


def test_fresh_server_facts_in_one_round_trip(sim_inventory: Callable, run_playbook: Callable
                                              ) -> None:
    inv = sim_inventory(["win-01", "win-02"])
    run = run_playbook(FACTS_PLAY, inv).assert_ok()
    for host in ("win-01", "win-02"):
        res = run.task(host, "Gather")
        assert res.changed is False
        facts = res["ansible_facts"]["winops_go"]
        assert facts["os"]["caption"] == "Microsoft Windows Server 2022 Datacenter"
        assert str(facts["os"]["build"]) == "20348"
        assert facts["powershell_version"].startswith("5.1.")
        assert facts["architecture"] == "AMD64"
        assert facts["hostname"] == host.upper()
        assert facts["reboot_pending"] == {"pending": False, "reasons": []}
        assert facts["toolchains"] == [] and facts["path_go_bins"] == []
        assert facts["managed_toolchains"] == []
        assert facts["environment"] == {"machine": {}, "user": {}}
        assert sim(inv, host).stats()["round_trips"] == 1


def test_os_release_follows_the_host_variable(sim_inventory: Callable, run_playbook: Callable
                                              ) -> None:
    inv = sim_inventory({"old": {"ansible_winsim_os": "2016"},
                         "new": {"ansible_winsim_os": "2025"}})
    run = run_playbook(FACTS_PLAY, inv).assert_ok()
    assert str(run.task("old", "Gather")["ansible_facts"]["winops_go"]["os"]["build"]) == "14393"
    assert str(run.task("new", "Gather")["ansible_facts"]["winops_go"]["os"]["build"]) == "26100"


def test_toolchains_environment_and_conflicts(sim_inventory: Callable, run_playbook: Callable
                                              ) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(FACTS_PLAY, inv).assert_ok()  # creates the host
    host = sim(inv, "win-01")
    # An MSI install on the machine PATH, and a hand-unzipped Go on the user PATH.
    host.write_file(r"C:\Program Files\Go\VERSION", b"go1.21.3\ntime 2023-10-09T17:04:35Z\n")
    host.write_file(r"C:\Program Files\Go\bin\go.exe", b"MZ")
    host.write_file(r"C:\Users\Administrator\sdk\go1.22.5\VERSION", b"go1.22.5\n")
    host.write_file(r"C:\Users\Administrator\sdk\go1.22.5\bin\go.exe", b"MZ")
    machine_path = host.env("machine", "Path")["value"]
    host.set_env("machine", "Path", machine_path + r";C:\Program Files\Go\bin")
    host.set_env("user", "PATH", r"%USERPROFILE%\sdk\go1.22.5\bin;")
    host.set_env("machine", "GOPROXY", "https://proxy.example.com,direct")
    host.set_env("user", "GOPATH", r"%USERPROFILE%\go")
    host.set_env("user", "GOOGLE_API_KEY", SECRET)
    before = host.stats()["round_trips"]

    run = run_playbook(FACTS_PLAY, inv, verbosity=3).assert_ok()
    facts = run.task("win-01", "Gather")["ansible_facts"]["winops_go"]
    assert [(t["version"], t["source"], t["path_scope"], t["first_on_path"])
            for t in facts["toolchains"]] == [
        ("1.21.3", "msi", "machine", True),
        ("1.22.5", "path", "user", False),
    ]
    assert [b["entry"] for b in facts["path_go_bins"]] == [
        r"C:\Program Files\Go\bin", r"%USERPROFILE%\sdk\go1.22.5\bin"]
    assert facts["environment"] == {
        "machine": {"GOPROXY": "https://proxy.example.com,direct"},
        "user": {"GOPATH": r"%USERPROFILE%\go"},
    }
    assert facts["unknown_go_names"] == {"machine": [], "user": ["GOOGLE_API_KEY"]}
    # A value that may be a secret never reaches results or -vvv output.
    assert SECRET not in run.stdout and SECRET not in run.stderr
    assert SECRET not in repr(run.task("win-01", "Gather").result)
    assert host.stats()["round_trips"] - before == 1


def test_check_mode_reports_the_same(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    normal = run_playbook(FACTS_PLAY, inv).assert_ok()
    checked = run_playbook(FACTS_PLAY, inv, check=True).assert_ok()
    assert (checked.task("win-01", "Gather")["ansible_facts"]
            == normal.task("win-01", "Gather")["ansible_facts"])
    assert checked.task("win-01", "Gather").changed is False


def test_unknown_option_fails_before_reaching_the_host(sim_inventory: Callable,
                                                       run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook("""
- name: Bad option
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather
      winops.golang.win_go_facts:
        subset: all
""", inv)
    res = run.task("win-01", "Gather")
    assert res.failed
    assert "Unsupported parameters" in str(res.msg) and "subset" in str(res.msg)
    # Nothing was sent to the host.
    assert sim(inv, "win-01").stats()["round_trips"] == 0


def test_simulated_host_refuses_what_it_cannot_serve(sim_inventory: Callable,
                                                     run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook("""
- name: Gather facts the Ansible way
  hosts: all
  gather_facts: true
  tasks:
    - name: Never reached
      ansible.builtin.debug:
        msg: unreachable
""", inv)
    assert run.rc != 0
    text = run.stdout + run.stderr
    assert "runs only this collection's modules" in text


def test_lost_connection_makes_the_host_unreachable(sim_inventory: Callable,
                                                    run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(FACTS_PLAY, inv).assert_ok()
    sim(inv, "win-01").inject_fault("connection_lost", after_ops=0)
    run = run_playbook(FACTS_PLAY, inv)
    res = run.task("win-01", "Gather")
    assert res.unreachable
    assert run.stats["win-01"]["unreachable"] == 1
