"""playbooks/drift_report.yml end to end: converge simulated hosts with the roles, change
some settings behind Ansible's back, then check that the drift report lists exactly those
settings as drifted (with their before and after), the rest in sync, and that the drift run
changed nothing on the hosts.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.github_server import ACCEPTED_TOKEN
from support.playbooks import REPO_ROOT, SimInventory
from support.runner_fixtures import RecordingGitHubServer

PLAYBOOK = REPO_ROOT / "playbooks" / "drift_report.yml"
BUILD, SERVICE = "win-build-01", "win-svc-01"
SHARE = r"\\fs01\golang"
ACCOUNT = "svc-gobuild"
AGENT = "GoBuildAgent"
PROFILE = r"C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1"
NETRC_SECRET = "netrcS3cretValue0123"
RUNNER_URL = "https://github.com/octo/app"
RUNNER_VERSION = "2.330.0"
TCPIP = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
GOPROXY = "https://goproxy.corp.example.com,off"
HAND_GOPROXY = "https://proxy.golang.org,direct"
GO_ROOT = r"C:\Program Files\GoToolchains"

CONVERGE = """
- name: Converge the build hosts
  hosts: build_hosts
  gather_facts: false
  roles:
    - role: winops.golang.runtime
    - role: winops.golang.workspace
    - role: winops.golang.security_baseline
    - role: winops.golang.ci_runner

- name: Converge the service hosts
  hosts: service_hosts
  gather_facts: false
  roles:
    - role: winops.golang.runtime
      vars:
        winops_golang_tuning_profile: high_concurrency_server
    - role: winops.golang.workspace
    - role: winops.golang.security_baseline
  tasks:
    - name: Deploy the services
      ansible.builtin.include_tasks: {tasks}
"""


@pytest.fixture
def github() -> Iterator[RecordingGitHubServer]:
    with RecordingGitHubServer() as server:
        server.add_release(RUNNER_VERSION)
        yield server


def fleet(sim_inventory: Callable, releases: Path, github: RecordingGitHubServer,
          tmp_path: Path) -> SimInventory:
    """A build host (one runner, _netrc credentials) and a service host (TCP tuning, one Go
    service), both fetching Go offline from the release share."""
    program = tmp_path / "dist" / "orders.exe"
    program.parent.mkdir(parents=True, exist_ok=True)
    program.write_bytes(b"MZ\nlisten=8080\n")
    shares = {"ansible_winsim_shares": {SHARE: str(releases)}}
    build_vars = {
        **shares,
        "ansible_winsim_accounts": [ACCOUNT],
        "winops_golang_build_account": ACCOUNT,
        "winops_golang_profile_integration": True,
        "winops_golang_workspace_services": [AGENT],
        "winops_golang_netrc": [{"machine": "git.corp.example.com", "login": "build",
                                 "password": NETRC_SECRET}],
        "winops_golang_ci_runner_url": RUNNER_URL,
        "winops_golang_ci_runner_github_token": ACCEPTED_TOKEN,
        "winops_golang_ci_runner_api_url": github.api_url,
        "winops_golang_ci_runner_releases_api_url": github.releases_api,
        "winops_golang_ci_runner_runners": [{"name": "build-1", "labels": ["go"]}],
    }
    service_vars = {
        **shares,
        "winops_golang_services": [{
            "name": "orders", "src": str(program), "version": "1.0.0",
            "root": r"C:\Services\orders", "arguments": ["-addr", "127.0.0.1:8080"],
            "health_check": {"http_url": "http://127.0.0.1:8080/healthz", "timeout": 10}}],
    }
    return sim_inventory(
        {BUILD: build_vars, SERVICE: service_vars},
        groups={"build_hosts": [BUILD], "service_hosts": [SERVICE]},
        common_vars={
            "winops_golang_index_file": str(releases / "index.json"),
            "winops_golang_mirror": SHARE,
            "winops_golang_versions": ["1.23", "1.22"],
            "winops_golang_offline": True,
            "winops_golang_goproxy": GOPROXY,
            "winops_golang_goprivate": ["git.corp.example.com"],
        },
    )


def state_of(root: Path) -> dict[str, Any]:
    """What a simulated host holds: its model (registry, services, ACLs, ...; not the
    virtual clock) and the hash of every file."""
    model = json.loads((root / "model.json").read_text(encoding="utf-8"))
    model.pop("clock", None)
    files = {}
    for base, _dirs, names in os.walk(root / "fs"):
        for name in names:
            path = Path(base) / name
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"model": model, "files": files}


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    return host.run_batch({"ops": [{"op": op_name, "args": args}],
                           "check_mode": False})["results"][0]


def test_drift_report_lists_exactly_what_changed_behind_ansibles_back(
        sim_inventory: Callable, run_playbook: Callable, releases: Path,
        github: RecordingGitHubServer, tmp_path: Path) -> None:
    inv = fleet(sim_inventory, releases, github, tmp_path)
    tasks = REPO_ROOT / "playbooks" / "tasks" / "deploy_services.yml"
    converge = CONVERGE.replace("{tasks}", str(tasks))
    build = SimHost(str(inv.root(BUILD)), accounts=[ACCOUNT])
    build.add_service(AGENT, r"C:\buildagent\agent.exe")
    run_playbook(converge, inv).assert_ok()
    service = SimHost(str(inv.root(SERVICE)))
    runner_service = "actions.runner.octo-app.build-1"

    # An administrator changes things by hand.
    build.set_env("machine", "GOPROXY", HAND_GOPROXY)
    assert op(build, "file.junction", path=GO_ROOT + r"\current",
              target=GO_ROOT + r"\go1.22.10")["changed"]
    assert op(build, "service.control", name=runner_service, state="stopped")["changed"]
    service.set_reg(TCPIP, "TcpTimedWaitDelay", "REG_DWORD", 240)
    assert op(service, "service.control", name="orders", state="stopped")["changed"]
    before = {host: state_of(inv.root(host)) for host in (BUILD, SERVICE)}

    reports = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, inv, extra_vars={"winops_golang_drift_report_dir": str(reports)})
    run.assert_ok()
    after = {host: state_of(inv.root(host)) for host in (BUILD, SERVICE)}
    assert after == before, "the drift run changed a host"

    report = json.loads((reports / "drift-report.json").read_text(encoding="utf-8"))
    page = (reports / "drift-report.html").read_text(encoding="utf-8")
    assert report["kind"] == "drift" and report["title"] == "Go fleet drift"
    assert report["hosts"] == [BUILD, SERVICE] and report["errors"] == {}
    records = {(r["host"], r["control"]): r for r in report["records"]}
    drifted = {key: (r["before"], r["after"]) for key, r in records.items()
               if r["status"] == "drifted"}
    assert drifted == {
        (BUILD, "GOPROXY (machine)"): (HAND_GOPROXY, GOPROXY),
        (BUILD, "toolchain go1.23.4"): ({"active": "1.22.10"}, {"active": "1.23.4"}),
        (BUILD, "runner build-1"): ({"state": "stopped"}, {"state": "running"}),
        (SERVICE, "tuning.tcp_timed_wait_delay"): (240, 30),
        (SERVICE, "service orders"): ({"state": "stopped"}, {"state": "running"}),
    }
    others = {r["status"] for key, r in records.items() if key not in drifted}
    assert others <= {"in_sync", "not_applicable"}
    # every module the roles use on each host is in the report, in sync where not drifted
    sources = {host: {r["source"] for r in report["records"] if r["host"] == host}
               for host in (BUILD, SERVICE)}
    assert sources[BUILD] >= {"win_go_install", "win_go_env", "win_go_profile",
                              "win_go_baseline", "win_actions_runner"}
    assert sources[SERVICE] >= {"win_go_install", "win_go_env", "win_tcp_tuning",
                                "win_go_baseline", "win_go_service"}
    for key in [(BUILD, "toolchain go1.22.10"),
                (BUILD, f"GOPROXY (service {AGENT})"), (BUILD, f"profile {PROFILE}"),
                (BUILD, "GOTOOLCHAIN (machine)"), (BUILD, rf"netrc C:\Users\{ACCOUNT}\_netrc"),
                (SERVICE, "GOPROXY (machine)"), (SERVICE, "tuning.dynamic_port_range.tcp.ipv4")]:
        assert records[key]["status"] == "in_sync", key
    assert report["summary"]["by_status"]["drifted"] == 5
    assert report["summary"]["flagged_hosts"] == [BUILD, SERVICE]

    # the page shows the drifted settings, escaped
    assert page.startswith("<!DOCTYPE html>")
    for _host, control in drifted:
        assert html.escape(control) in page
    assert html.escape(HAND_GOPROXY) in page and "tcp_timed_wait_delay" in page
    # no secret reaches the report
    for text in (json.dumps(report), page):
        assert NETRC_SECRET not in text and ACCEPTED_TOKEN not in text
        assert github.issued_tokens() and not any(token in text for token in github.issued_tokens())


def test_failed_and_unreachable_hosts_stay_in_the_report(
        sim_inventory: Callable, run_playbook: Callable, releases: Path,
        tmp_path: Path) -> None:
    """Every host fails (bad role variables) or cannot be reached: the report is still
    written, each host with its error and no records."""
    inv = sim_inventory({"win-01": {"winops_golang_versions": []},
                         "win-02": {"winops_golang_versions": ["1.23"],
                                    "winops_golang_index_file": str(releases / "index.json"),
                                    "winops_golang_mirror": SHARE}},
                        groups={"build_hosts": ["win-01", "win-02"]})
    SimHost(str(inv.root("win-02"))).inject_fault("connection_lost", after_ops=0, times=50)
    reports = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, inv, extra_vars={"winops_golang_drift_report_dir": str(reports),
                                                  "winops_golang_drift_report_name": "fleet"})
    written = run.task("localhost", "Write the drift report")
    assert written.ok, run.output_tail()
    report = json.loads((reports / "fleet.json").read_text(encoding="utf-8"))
    assert report["hosts"] == ["win-01", "win-02"] and report["records"] == []
    assert report["summary"]["failed_hosts"] == ["win-01", "win-02"]
    assert report["errors"]["win-01"].startswith("failed: Check the role variables: Set "
                                                 "winops_golang_versions"), report["errors"]
    assert report["errors"]["win-02"].startswith("unreachable: "), report["errors"]
