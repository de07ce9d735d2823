"""playbooks/compliance_report.yml on simulated hosts, one of them unreachable.

The whole playbook needs the module ``winops.golang.win_go_baseline``; while it
is not in the collection, that test is skipped (with the reason). The report
half of the playbook (its collecting task, taken from the playbook file, and
the compliance_report action) always runs, on results registered by hand.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.playbooks import REPO_ROOT

PLAYBOOK = REPO_ROOT / "playbooks" / "compliance_report.yml"
HAS_BASELINE = (REPO_ROOT / "plugins" / "modules" / "win_go_baseline.py").is_file()
HOSTS = ["win-01", "win-02", "win-03"]
DOWN = "win-03"


def make_inventory(sim_inventory: Callable) -> Any:
    """Three simulated hosts in group ``windows``; the last loses its connection."""
    inv = sim_inventory(HOSTS, groups={"windows": HOSTS})
    SimHost(str(inv.root(DOWN))).inject_fault("connection_lost", after_ops=0, times=5)
    return inv


def read_report(directory: Path, name: str = "compliance-report") -> tuple[dict[str, Any], str]:
    report = json.loads((directory / f"{name}.json").read_text(encoding="utf-8"))
    page = (directory / f"{name}.html").read_text(encoding="utf-8")
    return report, page


@pytest.mark.skipif(not HAS_BASELINE, reason="plugins/modules/win_go_baseline.py is not in the "
                    "collection yet: the playbook runs winops.golang.win_go_baseline")
@pytest.mark.parametrize("check", [False, True], ids=["run", "check_mode"])
def test_playbook_reports_every_host_including_the_unreachable_one(
        sim_inventory: Callable, run_playbook: Callable, tmp_path: Path, check: bool) -> None:
    inv = make_inventory(sim_inventory)
    reports = tmp_path / "reports"
    # a control set to enforce for the role is still only audited by the report
    run = run_playbook(PLAYBOOK, inv, check=check,
                       extra_vars={"winops_golang_report_dir": str(reports),
                                   "winops_golang_baseline_controls": {
                                       "winrm": {"mode": "enforce"}}})
    written = run.task(HOSTS[0], "Write the compliance report")
    assert written.ok, run.output_tail()
    assert run.task(DOWN, "Check the security baseline (audit)").unreachable
    report, page = read_report(reports)
    assert report["hosts"] == HOSTS
    assert report["summary"]["failed_hosts"] == [DOWN]
    assert report["errors"][DOWN].startswith("unreachable: ")
    up = [host for host in HOSTS if host != DOWN]
    assert {record["host"] for record in report["records"]} == set(up)
    assert {record["mode"] for record in report["records"]} == {"audit"}
    assert all(report["summary"]["by_host"][host] for host in up)
    assert written["html_path"] == str(reports / "compliance-report.html")
    assert page.startswith("<!DOCTYPE html>") and 'data-host="win-03"' in page
    assert not run.changed(HOSTS[0]) or run.changed(HOSTS[0]) == ["Write the compliance report"]


def report_half_of_the_playbook() -> list[dict[str, Any]]:
    """The playbook's tasks after the baseline check, as written in the file."""
    play = yaml.safe_load(PLAYBOOK.read_text(encoding="utf-8"))[0]
    tasks = play["tasks"]
    assert "win_go_baseline" in next(iter(k for k in tasks[0] if k.startswith("winops.")))
    return tasks[1:]


def test_report_tasks_collect_every_host_of_the_play(sim_inventory: Callable,
                                                     run_playbook: Callable,
                                                     tmp_path: Path) -> None:
    """Hand-registered results stand where win_go_baseline's would: one compliant host,
    one failed task, one unreachable host; the playbook's own report tasks follow."""
    inv = make_inventory(sim_inventory)
    reports = tmp_path / "out" / "reports"
    findings = [{"control": "winrm", "title": "WinRM <hardening>", "source": "baseline",
                 "mode": "audit", "status": "non_compliant", "message": "Basic & unencrypted",
                 "evidence": [{"setting": "AllowBasic", "value": True}]}]
    prelude = [
        {"name": "Fail (win-02)", "ansible.builtin.fail": {"msg": "access <denied>"},
         "when": "inventory_hostname == 'win-02'", "register": "failed_result",
         "ignore_errors": True},
        {"name": "Lose the connection (win-03)", "winops.golang.win_go_facts": {},
         "when": "inventory_hostname == 'win-03'", "register": "lost_result",
         "ignore_unreachable": True},
        {"name": "Register what each host returned", "ansible.builtin.set_fact": {
            "winops_golang_report_baseline": "{{ {'win-01': {'changed': false, 'findings': "
                                             "findings}, 'win-02': failed_result, 'win-03': "
                                             "lost_result}[inventory_hostname] }}"},
         "vars": {"findings": findings}},
    ]
    play = [{"name": "Report", "hosts": "{{ winops_golang_report_hosts | default('windows') }}",
             "gather_facts": False, "tasks": prelude + report_half_of_the_playbook()}]
    text = yaml.safe_dump(play, sort_keys=False)
    extra = {"winops_golang_report_dir": str(reports), "winops_golang_report_name": "fleet"}
    run = run_playbook(text, inv, extra_vars=extra)
    written = run.task("win-01", "Write the compliance report")
    assert written.ok and written.changed, run.output_tail()
    report, page = read_report(reports, "fleet")
    assert report["hosts"] == HOSTS
    assert report["errors"] == {
        "win-02": "failed: access <denied>",
        "win-03": report["errors"]["win-03"],
    }
    assert report["errors"]["win-03"].startswith("unreachable: ")
    assert [(r["host"], r["control"], r["status"]) for r in report["records"]] == [
        ("win-01", "winrm", "non_compliant")]
    assert written["summary"]["failed_hosts"] == ["win-02", "win-03"]
    assert "WinRM &lt;hardening&gt;" in page and "access &lt;denied&gt;" in page
    shown = run.task("win-01", "Show where the report is")
    assert str(reports / "fleet.html") in json.dumps(shown.msg)
