"""Drift findings (plugins/module_utils/drift.py, the drift_findings filter) from real results.

The samples in ``tests/unit/golden/drift/`` are the results each module registered on a
simulated host, run through ``ansible-playbook`` in check mode with diff: ``in_sync.json``
right after a converge, ``drift_a.json`` and ``drift_b.json`` after settings were changed
behind Ansible's back (see :func:`capture` for exactly what), ``lost.json`` with the
connection lost. Regenerate them with::

    python tests/unit/test_drift.py tests/unit/golden/drift
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.winops.golang.plugins.action.compliance_report import ActionModule
from ansible_collections.winops.golang.plugins.filter.drift import FilterModule, drift_findings
from ansible_collections.winops.golang.plugins.module_utils import compliance_report, drift

GOLDEN = Path(__file__).parent / "golden" / "drift"
NETRC_PASSWORD = "s3cretNetrcTokenXYZ"
TAMPERED_NETRC = "tamperedSecret"
GOPROXY = "https://goproxy.corp.example.com,off"
HAND_GOPROXY = "https://proxy.golang.org,direct"
PROFILE = r"C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1"
GO_BIN = r"C:\Program Files\GoToolchains\current\bin"

# The variable each sample registered, and the module that registered it.
MODULES = {
    "r_others": "win_go_install",
    "r_install": "win_go_install",
    "r_tuning": "win_tcp_tuning",
    "r_env": "win_go_env",
    "r_services": "win_go_env",
    "r_userenv": "win_go_env",
    "r_profile": "win_go_profile",
    "r_remote": "win_remote_dev",
    "r_baseline": "win_go_baseline",
    "r_runner": "win_actions_runner",
    "r_service": "win_go_service",
}


def sample(name: str) -> dict[str, Any]:
    return json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))


def entries(results: Mapping[str, Any], *names: str) -> list[dict[str, Any]]:
    return [{"module": MODULES[name], "result": results[name]} for name in names or MODULES]


def by_control(findings: Any) -> dict[str, dict[str, Any]]:
    assert isinstance(findings, list), findings
    return {f["control"]: f for f in findings}


def statuses(findings: Any) -> dict[str, str]:
    return {control: f["status"] for control, f in by_control(findings).items()}


# ---------------------------------------------------------------- in sync


def test_a_converged_host_is_in_sync_everywhere() -> None:
    findings = drift.findings_from_results(entries(sample("in_sync")))
    found = statuses(findings)
    assert set(found.values()) == {"in_sync", "not_applicable"}
    assert {f["source"] for f in findings} == set(MODULES.values())
    for control in ["toolchain go1.23.4", "toolchain go1.22.10", "GOPROXY (machine)",
                    "GOTOOLCHAIN (machine)", "GOFLAGS (machine)", "GOPRIVATE (machine)",
                    "GOPROXY (service legacy)", "GOPATH (user)",
                    r"netrc C:\Users\svc-gobuild\_netrc", r"directory C:\gopath",
                    f"profile {PROFILE}", "feature openssh_server", "feature wsl",
                    "service sshd", "tuning.tcp_timed_wait_delay",
                    "tuning.dynamic_port_range.tcp.ipv4", "baseline winrm",
                    "runner build-1", "service orders"]:
        assert found[control] == "in_sync", control
    # system variables of the machine scope are not the role's: no finding for them
    assert "ComSpec (machine)" not in found and "TEMP (user)" not in found
    # an in-sync finding has no before/after
    assert all("before" not in f for f in findings if f["status"] == "in_sync")


def test_each_module_task_gives_at_least_one_finding() -> None:
    results = sample("in_sync")
    for name, module in MODULES.items():
        found = drift.findings_from_results([{"module": module, "result": results[name]}])
        assert found and all(f["source"] == module for f in found), name


# ---------------------------------------------------------------- drifted


def test_settings_changed_by_hand_are_drifted_with_before_and_after() -> None:
    found = by_control(drift.findings_from_results(entries(sample("drift_a"))))
    drifted = {control: (f["before"], f["after"]) for control, f in found.items()
               if f["status"] == "drifted"}
    assert drifted == {
        "GOPROXY (machine)": (HAND_GOPROXY, GOPROXY),
        "GOFLAGS (machine)": ("-mod=mod", "-mod=readonly"),
        "tuning.tcp_timed_wait_delay": (240, 30),
        f"profile {PROFILE}": ({"file": "present", "block": "no winops.golang block"},
                               {"file": "present", "block": "block as written"}),
        "runner build-1": ({"state": "stopped"}, {"state": "running"}),
        "service orders": ({"state": "stopped"}, {"state": "running"}),
    }
    assert found["GOPROXY (machine)"]["source"] == "win_go_env"
    assert "would be set to" in found["GOPROXY (machine)"]["message"]
    assert found["tuning.tcp_timed_wait_delay"]["title"].endswith("(applies after a reboot)")
    assert "actions.runner.octo-app.build-1: started" in found["runner build-1"]["message"]
    assert found["toolchain go1.23.4"]["status"] == "in_sync"
    assert found["GOTOOLCHAIN (machine)"]["status"] == "in_sync"


def test_path_netrc_features_service_env_and_baseline_drift() -> None:
    found = by_control(drift.findings_from_results(entries(sample("drift_b"))))
    drifted = sorted(c for c, f in found.items() if f["status"] == "drifted")
    assert drifted == sorted([
        "GOFLAGS (machine)", "GOPROXY (machine)", "GOPATH (user)", "GOPROXY (service legacy)",
        "Path (machine)", r"netrc C:\Users\svc-gobuild\_netrc", r"directory C:\gocache",
        "baseline execution_policy", f"profile {PROFILE}", "runner build-1",
        "service orders", "service sshd", "tuning.tcp_timed_wait_delay"])
    path = found["Path (machine)"]
    assert path["after"] == path["before"] + ";" + GO_BIN
    assert path["message"] == f"a converge would add {GO_BIN}"
    # the PATH entry is the toolchain tasks' change too: it is reported once, as Path
    assert found["toolchain go1.23.4"]["status"] == "in_sync"
    assert found["toolchain go1.22.10"]["status"] == "in_sync"
    assert found["GOPROXY (service legacy)"]["before"] == "direct"
    assert found["GOPATH (user)"]["before"] == r"C:\elsewhere"
    assert found["service sshd"]["before"] == {"state": "stopped"}
    assert found["service sshd"]["after"] == {"state": "running"}
    assert found[r"directory C:\gocache"]["before"]["exists"] is False
    assert found["baseline execution_policy"]["before"] == "non_compliant"
    netrc = found[r"netrc C:\Users\svc-gobuild\_netrc"]
    assert netrc["before"]["content"] == "differs (not shown)"
    assert netrc["after"]["content"] == "1 entry for git.corp.example.com"


def test_a_control_the_role_cannot_put_right_is_not_drift() -> None:
    found = by_control(drift.findings_from_results(entries(sample("drift_b"), "r_baseline")))
    authenticode = found["baseline authenticode"]
    assert authenticode["status"] == "not_applicable"
    assert authenticode["message"].startswith("not compliant, and a converge would not change it")
    assert found["baseline workspace_acl"]["status"] == "not_applicable"


def test_no_secret_reaches_a_finding() -> None:
    for name in ("in_sync", "drift_a", "drift_b"):
        results = sample(name)
        raw = json.dumps(results)
        assert NETRC_PASSWORD not in raw and TAMPERED_NETRC not in raw  # the samples
        text = json.dumps(drift.findings_from_results(entries(results)))
        assert NETRC_PASSWORD not in text and TAMPERED_NETRC not in text
        assert "password" not in text.lower()


def test_secret_variable_values_stay_masked() -> None:
    result = {"changed": True, "scope": "machine", "variables": {},
              "changes": [{"name": "GOAUTH_TOKEN", "before": "old-token", "after": "new-token",
                           "reason": "set"}]}
    found = by_control(drift.findings_from_results([{"module": "win_go_env", "result": result}]))
    assert found["GOAUTH_TOKEN (machine)"]["before"] == drift.MASK
    assert "token" not in json.dumps(found).replace("GOAUTH_TOKEN", "")


# ---------------------------------------------------------------- errors and input


def test_unreachable_host_is_an_error_text() -> None:
    lost = sample("lost")
    outcome = drift.findings_from_results(entries(lost))
    assert isinstance(outcome, str) and outcome.startswith("unreachable: ")
    assert compliance_report.build_report({"win-01": outcome}, title="t", generated_at="now",
                                          kind=compliance_report.DRIFT)["errors"] == {
        "win-01": outcome}


def test_failed_result_names_the_module() -> None:
    failed = {"failed": True, "msg": "access denied", "changed": False}
    assert drift.findings_from_results([{"module": "winops.golang.win_go_env",
                                         "result": failed}]) == "failed: win_go_env: access denied"


def test_skipped_and_missing_results_give_nothing() -> None:
    skipped = {"changed": False, "skipped": True, "skip_reason": "Conditional result was False"}
    loop = {"changed": False, "results": [dict(skipped, item="x", ansible_loop_var="item")],
            "skipped": True}
    assert drift.findings_from_results([
        {"module": "win_tcp_tuning", "result": skipped},
        {"module": "win_go_service", "result": loop},
        {"module": "win_go_profile", "result": None},
    ]) == []


@pytest.mark.parametrize(("value", "message"), [
    ({"module": "win_go_env"}, "expects a list"),
    (["x"], "entry 1 must be a dict"),
    ([{"module": "win_go_facts", "result": {}}], "module 'win_go_facts' is not one of"),
    ([{"module": "win_go_env", "result": 3}], "result must be a registered result"),
])
def test_bad_input_is_refused(value: Any, message: str) -> None:
    with pytest.raises(drift.DriftInputError, match=message):
        drift.findings_from_results(value)
    with pytest.raises(AnsibleFilterError, match=message):
        drift_findings(value)


def test_findings_make_a_valid_drift_report() -> None:
    outcomes = {"win-01": drift.findings_from_results(entries(sample("drift_a"))),
                "win-02": drift.findings_from_results(entries(sample("in_sync"))),
                "win-03": drift.findings_from_results(entries(sample("lost")))}
    report = compliance_report.build_report(outcomes, title="Go fleet drift",
                                            generated_at="2026-11-29T00:00:00Z",
                                            kind=compliance_report.DRIFT)
    assert report["summary"]["flagged_hosts"] == ["win-01"]
    assert report["summary"]["failed_hosts"] == ["win-03"]
    assert report["summary"]["by_host"]["win-01"]["drifted"] == 6
    assert report["summary"]["by_host"]["win-02"]["drifted"] == 0
    record = next(r for r in report["records"] if r["host"] == "win-01"
                  and r["control"] == "GOPROXY (machine)")
    assert (record["before"], record["after"]) == (HAND_GOPROXY, GOPROXY)


def test_compliance_report_action_writes_a_drift_report(tmp_path: Path) -> None:
    findings = drift.findings_from_results(entries(sample("drift_a")))
    args = {"results": {"win-01": findings, "win-02": "unreachable: timed out"},
            "dest_dir": str(tmp_path / "reports"), "kind": "drift", "name": None,
            "title": None, "generated_at": "2026-11-29T00:00:00Z"}
    result = ActionModule.report(args)
    assert result["kind"] == "drift" and result["changed"] is True
    assert result["json_path"] == str(tmp_path / "reports" / "drift-report.json")
    report = json.loads(Path(result["json_path"]).read_text(encoding="utf-8"))
    assert report["kind"] == "drift" and report["title"] == "Go fleet drift"
    assert report["statuses"] == ["drifted", "changed", "in_sync", "not_applicable"]
    assert result["summary"]["by_status"]["drifted"] == 6
    assert result["summary"]["failed_hosts"] == ["win-02"]
    page = Path(result["html_path"]).read_text(encoding="utf-8")
    assert "Go fleet drift" in page and "GOPROXY (machine)" in page
    assert NETRC_PASSWORD not in page


def test_compliance_report_kinds_keep_their_statuses(tmp_path: Path) -> None:
    base = {"dest_dir": str(tmp_path), "name": None, "title": None, "generated_at": "x"}
    with pytest.raises(ValueError, match="status 'compliant' is not one of drifted"):
        ActionModule.report({**base, "kind": "drift", "results": {
            "win-01": [{"control": "winrm", "status": "compliant"}]}})
    with pytest.raises(ValueError, match="status 'in_sync' is not one of non_compliant"):
        ActionModule.report({**base, "kind": "compliance", "results": {
            "win-01": [{"control": "winrm", "status": "in_sync"}]}})
    with pytest.raises(ValueError, match="kind must be one of compliance, drift"):
        ActionModule.report({**base, "kind": "audit", "results": {"win-01": "down"}})
    written = ActionModule.report({**base, "results": {"win-01": "down"}})
    assert written["kind"] == "compliance" and written["json_path"].endswith(
        "compliance-report.json")
    assert ActionModule.ARGUMENT_SPEC["kind"] == {
        "type": "str", "default": "compliance", "choices": ["compliance", "drift"]}


def test_filter_plugin_exposes_drift_findings() -> None:
    assert FilterModule().filters() == {"drift_findings": drift_findings}


# ---------------------------------------------------------------- sample capture


def capture(directory: Path) -> None:  # pragma: no cover - run by hand to refresh the samples
    """Converge one simulated host with each module, change settings by hand, and write the
    registered results of check-mode runs (with diff) as JSON into ``directory``."""
    import shutil
    import tempfile

    import yaml

    tests = Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(tests))
    from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
    from support.github_server import ACCEPTED_TOKEN, GitHubServer
    from support.http_server import default_release_set
    from support.playbooks import run_playbook, write_sim_inventory

    directory = directory.resolve()
    work = Path(tempfile.mkdtemp(prefix="drift-samples-"))
    releases = work / "releases"
    releases.mkdir()
    release_set = default_release_set()
    release_set.write(releases)
    (releases / "index.json").write_text(json.dumps(release_set.index()), encoding="utf-8")
    program = work / "orders.exe"
    program.write_bytes(b"MZ\nlisten=8080\n")
    share = r"\\fs01\golang"
    inv = write_sim_inventory(work / "inv", {"win-01": {
        "ansible_winsim_shares": {share: str(releases)},
        "ansible_winsim_accounts": ["svc-gobuild"]}})
    host = SimHost(str(inv.root("win-01")))
    host.add_service("legacy", r"C:\legacy\legacy.exe", state="running")

    def op(op_name: str, **args: Any) -> dict[str, Any]:
        return host.run_batch({"ops": [{"op": op_name, "args": args}], "check_mode": False})

    def play(github: Any, dump: Path) -> str:
        source = {"index_file": str(releases / "index.json"), "mirror": share}
        tasks: list[dict[str, Any]] = [
            {"winops.golang.win_go_install": {**source, "version": "{{ item }}", "active": False},
             "loop": ["1.22"], "register": "r_others"},
            {"winops.golang.win_go_install": {**source, "version": "1.23", "active": True},
             "register": "r_install"},
            {"winops.golang.win_tcp_tuning": {"profile": "high_concurrency_server"},
             "register": "r_tuning"},
            {"winops.golang.win_go_env": {
                "scope": "machine", "path": [GO_BIN], "netrc_user": "svc-gobuild",
                "variables": {"GOPROXY": GOPROXY, "GOTOOLCHAIN": "local",
                              "GOPRIVATE": "git.corp.example.com", "GOFLAGS": "-mod=readonly"},
                "netrc": [{"machine": "git.corp.example.com", "login": "builder",
                           "password": NETRC_PASSWORD}],
                "directories": [r"C:\gopath", r"C:\gocache"],
                "directories_account": "svc-gobuild"}, "register": "r_env"},
            {"winops.golang.win_go_env": {"scope": "service", "service": "{{ item }}",
                                          "variables": {"GOPROXY": GOPROXY,
                                                        "GOTOOLCHAIN": "local"}},
             "loop": ["legacy"], "register": "r_services"},
            {"winops.golang.win_go_env": {"scope": "user", "variables": {"GOPATH": r"C:\gopath"}},
             "register": "r_userenv"},
            {"winops.golang.win_go_profile": {"scope": "all_users", "completer": True,
                                              "use_go_version": True}, "register": "r_profile"},
            {"winops.golang.win_remote_dev": {"openssh_server": "present", "wsl": "present"},
             "register": "r_remote"},
            {"winops.golang.win_go_baseline": {"mode": "enforce"}, "register": "r_baseline"},
            {"winops.golang.win_actions_runner": {
                "url": "https://github.com/octo/app", "name": "build-{{ item }}",
                "labels": ["go"], "github_token": ACCEPTED_TOKEN, "api_url": github.api_url,
                "releases_api_url": github.releases_api, "go_root": GO_BIN[:-4]},
             "loop": [1], "register": "r_runner"},
            {"winops.golang.win_go_service": {
                "name": "orders", "src": str(program), "version": "1.0.0",
                "root": r"C:\Services\orders", "arguments": ["-addr", "127.0.0.1:8080"],
                "environment": {"GOMEMLIMIT": "256MiB"},
                "health_check": {"http_url": "http://127.0.0.1:8080/healthz", "timeout": 10}},
             "loop": ["orders"], "register": "r_service"},
        ]
        for task in tasks:
            task.update({"name": task["register"], "ignore_errors": True,
                         "ignore_unreachable": True})
        tasks.append({"name": "dump", "delegate_to": "localhost", "check_mode": False,
                      "vars": {"names": list(MODULES)}, "ansible.builtin.copy": {
                          "dest": str(dump), "content": "{{ dict(names | zip(names | map("
                          "'extract', hostvars[inventory_hostname]))) | to_nice_json }}"}})
        return yaml.safe_dump([{"name": "samples", "hosts": "all", "gather_facts": False,
                                "tasks": tasks}], sort_keys=False)

    tcpip = r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters"
    with GitHubServer() as github:
        github.add_release("2.330.0")
        for label in ("converge", "in_sync", "drift_a", "drift_b", "lost"):
            if label == "drift_a":
                host.set_env("machine", "GOPROXY", HAND_GOPROXY)
                host.set_env("machine", "GOFLAGS", "-mod=mod")
                host.set_reg(tcpip, "TcpTimedWaitDelay", "REG_DWORD", 240)
                op("service.control", name="orders", state="stopped")
                op("service.control", name="actions.runner.octo-app.build-1", state="stopped")
                host.write_file(PROFILE, b"# edited by hand\r\n")
            if label == "drift_b":
                path = host.env("machine", "Path")["value"]
                host.set_env("machine", "Path",
                             ";".join(p for p in path.split(";") if "GoToolchains" not in p))
                host.write_file(r"C:\Users\svc-gobuild\_netrc",
                                f"machine evil login x password {TAMPERED_NETRC}\n".encode())
                op("service.control", name="sshd", state="stopped")
                host.set_env("user", "GOPATH", r"C:\elsewhere")
                host.set_reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\legacy", "Environment",
                             "REG_MULTI_SZ", ["GOPROXY=direct", "GOTOOLCHAIN=local"])
                host.set_reg(r"HKLM:\SOFTWARE\Microsoft\PowerShell\1\ShellIds"
                             r"\Microsoft.PowerShell", "ExecutionPolicy", "REG_SZ", "Unrestricted")
                op("file.remove", path=r"C:\gocache")
            if label == "lost":
                host.inject_fault("connection_lost", after_ops=0, times=1000)
            dump = (directory if label != "converge" else work) / f"{label}.json"
            run = run_playbook(play(github, dump), inv, workdir=work / "runs",
                               check=label != "converge", diff=label != "converge")
            print(label, run.rc, dump, [t.task for t in run.failed_tasks])
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":  # pragma: no cover
    capture(Path(sys.argv[1]))
