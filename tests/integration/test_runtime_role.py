"""The winops.golang.runtime role end to end: a real ansible-playbook against simulated hosts.

Go comes from the local go.dev stand-in (``go_dl``, 127.0.0.1) or, offline,
from an index file plus the UNC share ``\\\\fs01\\golang`` that the simulated
host maps to a local directory. The last test runs the molecule scenario.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.http_server import GoDownloadServer
from support.molecule import run_scenario
from support.playbooks import PlaybookRun, run_counted

ROOT = r"C:\Program Files\GoToolchains"
SHARE = r"\\fs01\golang"
TCPIP = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"

ROLE_PLAY = """
- name: Converge the Go runtime
  hosts: all
  gather_facts: false
  roles:
    - role: winops.golang.runtime
"""

FACTS_PLAY = """
- name: Read the Go facts
  hosts: all
  gather_facts: false
  tasks:
    - name: Gather
      winops.golang.win_go_facts:
"""

INSTALL = "Install the other Go versions"
CHECK = "Check the active version and the installed versions"
TUNE = "Apply TCP tuning profile {}"
WARN_REBOOT = "Warn that the TCP tuning waits for a reboot"
REBOOT = "Reboot the host to apply the TCP tuning"
WARN_TRANSPORT = "Warn that the connection exposes credentials or traffic"


def activate(spec: str) -> str:
    return f"Install and activate Go {spec}"


# ------------------------------------------------------------------- helpers


def offline_host(sim_inventory: Callable, releases: Path, **host_vars: Any) -> Any:
    """One simulated host that reaches ``releases`` as ``\\\\fs01\\golang``."""
    return sim_inventory({"win-01": {"ansible_winsim_shares": {SHARE: str(releases)},
                                     **host_vars}})


def offline_vars(releases: Path, **role_vars: Any) -> dict[str, Any]:
    """Role variables for the offline source (index file + UNC share)."""
    return {"winops_golang_index_file": str(releases / "index.json"),
            "winops_golang_mirror": SHARE, **role_vars}


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def active_dir(inv: Any) -> str:
    """The version directory the ``current`` junction points to (e.g. ``go1.23.4``)."""
    return os.path.basename(sim(inv).host_path(ROOT + r"\current"))


def installed_dirs(inv: Any) -> list[str]:
    root = Path(sim(inv).host_path(ROOT))
    return sorted(p.name for p in root.iterdir() if p.is_dir() and re.match(r"go\d", p.name))


def counted_run(run_playbook: Callable, inv: Any, tmp_path: Path,
                extra_vars: dict[str, Any]) -> tuple[PlaybookRun, list[dict[str, Any]]]:
    """Run the role with the round-trip callback; return the run and its per-task records."""
    return run_counted(run_playbook, ROLE_PLAY, inv, tmp_path, extra_vars=extra_vars)


# --------------------------------------------------------------------- tests


def test_converge_from_go_dev_then_nothing_to_do(sim_inventory: Callable,
                                                 run_playbook: Callable, go_dl: GoDownloadServer,
                                                 tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    role_vars = {"winops_golang_versions": ["1.23", "1.22"],
                 "winops_golang_index_url": go_dl.index_url,
                 "winops_golang_cache_dir": str(tmp_path / "cache")}

    first = counted_run(run_playbook, inv, tmp_path, role_vars)[0]
    first.assert_ok()
    assert first.task("win-01", INSTALL).changed
    converged = first.task("win-01", activate("1.23"))
    assert converged.changed
    assert converged["active_version"] == "1.23.4"
    assert converged["installed_versions"] == ["1.22.10", "1.23.4"]
    assert converged["verify"]["ok"] is True  # winops_golang_verify defaults to true
    assert "1.23.4 is active" in first.task("win-01", CHECK).msg
    assert first.task("win-01", WARN_TRANSPORT).skipped  # the simulated host is local
    assert first.task("win-01", "Tune TCP for Go services").skipped  # tuning is off
    assert active_dir(inv) == "go1.23.4"
    assert installed_dirs(inv) == ["go1.22.10", "go1.23.4"]
    assert go_dl.downloads("go1.23.4.windows-amd64.zip") == 1
    assert go_dl.downloads("go1.22.10.windows-amd64.zip") == 1

    # The active Go is the first go.exe a new shell finds.
    facts = run_playbook(FACTS_PLAY, inv).assert_ok().task("win-01", "Gather")
    go = facts["ansible_facts"]["winops_go"]
    first_on_path = [t for t in go["toolchains"] if t["first_on_path"]]
    assert [t["version"] for t in first_on_path] == ["1.23.4"]
    assert go["path_go_bins"][0]["dir"] == ROOT + r"\current\bin"

    # Second run: no change, no download, and at most one round trip per task.
    before = sim(inv).stats()["round_trips"]
    second, trips = counted_run(run_playbook, inv, tmp_path, role_vars)
    second.assert_ok()
    assert second.changed("win-01") == []
    assert go_dl.downloads("go1.23.4.windows-amd64.zip") == 1
    assert go_dl.downloads("go1.22.10.windows-amd64.zip") == 1
    host_tasks = [t for t in trips if t["action"].startswith("winops.golang.")]
    assert {t["task"] for t in host_tasks} == {
        "Gather Go environment facts", INSTALL, activate("1.23")}
    assert all(t["round_trips"] <= 1 for t in trips), trips
    per_execution = [t for t in host_tasks if t["kind"] == "item" or t["task"] != INSTALL]
    assert len(per_execution) == 3  # facts, one loop item, the activation
    assert sim(inv).stats()["round_trips"] - before == sum(t["round_trips"] for t in trips) == 3
    # Nothing was written in the second run.
    assert not [e for e in sim(inv).op_log()[-20:] if e.get("write") and e.get("changed")]


def test_offline_index_file_and_unc_share(sim_inventory: Callable, run_playbook: Callable,
                                          releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.22.5"])).assert_ok()
    res = run.task("win-01", activate("1.22.5"))
    assert res["url"] == SHARE + r"\go1.22.5.windows-amd64.zip"
    assert res["index_status"] == "file"
    assert run.task("win-01", INSTALL).skipped  # only one version: nothing else to install
    assert active_dir(inv) == "go1.22.5"


def test_switching_the_active_version(sim_inventory: Callable, run_playbook: Callable,
                                      releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    both = ["1.23.4", "1.22.10"]
    run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=both)).assert_ok()
    assert active_dir(inv) == "go1.23.4"

    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=both,
        winops_golang_active_version="1.22.10")).assert_ok()
    assert run.changed("win-01") == [activate("1.22.10")]
    res = run.task("win-01", activate("1.22.10"))
    assert [c["step"] for c in res["changes"]] == ["activate"]  # no download, no PATH edit
    assert res["active_version"] == "1.22.10"
    assert run.task("win-01", INSTALL)["results"][0]["item"] == "1.23.4"
    assert active_dir(inv) == "go1.22.10"
    assert installed_dirs(inv) == ["go1.22.10", "go1.23.4"]
    facts = run_playbook(FACTS_PLAY, inv).assert_ok().task("win-01", "Gather")
    toolchains = facts["ansible_facts"]["winops_go"]["toolchains"]
    assert [t["version"] for t in toolchains if t["first_on_path"]] == ["1.22.10"]


def test_keep_prunes_old_toolchains(sim_inventory: Callable, run_playbook: Callable,
                                    releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23", "1.22", "1.21"])).assert_ok()
    assert installed_dirs(inv) == ["go1.21.13", "go1.22.10", "go1.23.4"]

    # keep smaller than the versions listed is refused before the host is touched.
    before = sim(inv).stats()["round_trips"]
    bad = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23", "1.22"], winops_golang_keep=1))
    assert bad.rc != 0
    assert "winops_golang_keep is 1 but 2 versions" in str(
        bad.task("win-01", "Check the role variables").msg)
    assert sim(inv).stats()["round_trips"] == before

    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23"], winops_golang_keep=1)).assert_ok()
    res = run.task("win-01", activate("1.23"))
    assert res.changed
    assert [c["step"] for c in res["changes"]].count("prune") >= 1
    assert res["installed_versions"] == ["1.23.4"]
    assert installed_dirs(inv) == ["go1.23.4"]
    again = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23"], winops_golang_keep=1)).assert_ok()
    assert again.changed("win-01") == []


def test_tuning_is_off_by_default(sim_inventory: Callable, run_playbook: Callable,
                                  releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23.4"])).assert_ok()
    assert run.task("win-01", "Tune TCP for Go services").skipped
    ops = sim(inv).stats()["ops_by_name"]
    assert not [op for op in ops if op.startswith("net.")]
    assert sim(inv).reg(TCPIP, "TcpTimedWaitDelay") is None


def test_tuning_profile_warns_about_the_reboot(sim_inventory: Callable,
                                               run_playbook: Callable, releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    role_vars = offline_vars(releases, winops_golang_versions=["1.23.4"],
                             winops_golang_tuning_profile="high_concurrency_server")
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    tuned = run.task("win-01", TUNE.format("high_concurrency_server"))
    assert tuned.changed and tuned["reboot_required"] is True
    assert sim(inv).reg(TCPIP, "TcpTimedWaitDelay")["value"] == 30
    warning = run.task("win-01", WARN_REBOOT)
    assert warning.handler and not warning.skipped
    text = " ".join(warning.msg)
    assert "needs a reboot" in text and "tcp_timed_wait_delay" in text
    assert "winops_golang_allow_reboot is false" in text
    assert run.task("win-01", REBOOT).skipped
    assert not [e for e in sim(inv).op_log() if e["kind"] == "reboot"]

    # Converged: nothing changes, so no handler runs.
    again = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    assert again.changed("win-01") == []
    assert not [r for r in again.tasks("win-01") if r.handler]


def test_tuning_settings_alone_turn_tuning_on(sim_inventory: Callable, run_playbook: Callable,
                                              releases: Path) -> None:
    inv = offline_host(sim_inventory, releases)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23.4"],
        winops_golang_tuning_settings={"dynamic_port_range": {"start": 20000, "count": 45536}},
    )).assert_ok()
    tuned = run.task("win-01", TUNE.format("none"))
    assert tuned.changed and tuned["reboot_required"] is False
    assert tuned["settings"]["dynamic_port_range.tcp.ipv4"]["after"] == {
        "start": 20000, "count": 45536}
    # Nothing needs a reboot: the handlers are notified but do nothing.
    assert all(r.skipped for r in run.tasks("win-01") if r.handler)

    bad = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23.4"],
        winops_golang_tuning_settings={"max_user_port": 65534}))
    assert bad.rc != 0
    assert "unknown options: max_user_port" in str(
        bad.task("win-01", "Check the role variables").msg)


def test_allow_reboot_reaches_win_reboot(sim_inventory: Callable, run_playbook: Callable,
                                         releases: Path) -> None:
    """The opt-in reboot handler uses ansible.windows.win_reboot, which the simulated host
    cannot run: the run fails there, which shows the handler fired."""
    inv = offline_host(sim_inventory, releases)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=offline_vars(
        releases, winops_golang_versions=["1.23.4"],
        winops_golang_tuning_profile="high_concurrency_server",
        winops_golang_allow_reboot=True))
    assert run.rc != 0
    reboot = run.task("win-01", REBOOT)
    assert reboot.handler and (reboot.failed or reboot.unreachable)
    assert "runs only this collection's modules" in str(reboot.msg) + run.stdout + run.stderr
    assert WARN_REBOOT not in [r.task for r in run.tasks("win-01") if not r.skipped]


@pytest.mark.parametrize(
    ("host_vars", "expected"),
    [
        ({"ansible_connection": "ansible.builtin.winrm", "ansible_port": 5985,
          "ansible_winrm_transport": "basic"},
         ["WinRM Basic authentication", "WinRM over plain HTTP"]),
        ({"ansible_connection": "winrm", "ansible_port": 5986, "ansible_winrm_scheme": "http"},
         ["WinRM over plain HTTP"]),
        ({"ansible_connection": "psrp", "ansible_port": 5986, "ansible_psrp_protocol": "http"},
         ["PSRP over plain HTTP"]),
    ],
)
def test_insecure_transport_is_reported_before_any_host_call(
    sim_inventory: Callable, run_playbook: Callable, host_vars: dict[str, Any],
    expected: list[str],
) -> None:
    # Nothing answers WinRM on 127.0.0.1, so the run stops at the first host call.
    inv = sim_inventory({"win-01": {"ansible_host": "127.0.0.1", "ansible_user": "ansible",
                                    "ansible_password": "not-used", **host_vars}})
    run = run_playbook(ROLE_PLAY, inv, extra_vars={"winops_golang_versions": ["1.23.4"]})
    assert run.rc != 0
    warning = run.task("win-01", WARN_TRANSPORT)
    assert not warning.skipped
    text = " ".join(warning.msg)
    for reason in expected:
        assert reason in text
    assert "HTTPS" in text


@pytest.mark.molecule
def test_molecule_scenario_passes(tmp_path: Path) -> None:
    """`molecule test -s runtime` (destroy, syntax, create, converge, idempotence, verify,
    destroy) on a simulated host, in its own ephemeral directory."""
    run_scenario("runtime", tmp_path)
