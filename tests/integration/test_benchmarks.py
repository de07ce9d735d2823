"""The performance harness (benchmarks/run.py) on one simulated host.

A behaviour check, not a timing check: the harness runs site.yml twice, the
ansible.windows equivalent twice against its counting stand-in, and the no-op
floor, and prints one table. No assertion here depends on how fast anything is.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / "benchmarks" / "run.py"
FAKE = (REPO / "benchmarks" / "fake_collections" / "ansible_collections" / "ansible" / "windows"
        / "plugins" / "plugin_utils" / "fake_call.py")

ROWS = [
    ("(a) site.yml", "first run"),
    ("(a) site.yml", "re-run"),
    ("(b) ansible.windows", "first run"),
    ("(b) ansible.windows", "re-run"),
    ("(c) no-op floor", "re-run"),
]


def table_rows(stdout: str) -> dict[tuple[str, str], dict[str, str]]:
    """The data rows of the printed Markdown table, keyed by (playbook, run)."""
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = dict(zip(header, (cell.strip() for cell in line.strip("|").split("|")),
                         strict=True))
        rows[(cells["playbook"], cells["run"])] = cells
    return rows


@pytest.fixture(scope="module")
def one_host(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    """Run the harness once on one host; (stdout, JSON report)."""
    work = tmp_path_factory.mktemp("bench")
    report = work / "report.json"
    proc = subprocess.run(
        [sys.executable, str(RUN), "--hosts", "1", "--workdir", str(work / "runs"),
         "--json", str(report)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
    )
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    return proc.stdout, json.loads(report.read_text(encoding="utf-8"))


def test_table_has_every_row(one_host: tuple[str, dict[str, Any]]) -> None:
    stdout = one_host[0]
    rows = table_rows(stdout)
    assert sorted(rows) == sorted(ROWS)
    assert all(row["hosts"] == "1" and row["rc"] == "0" for row in rows.values())
    assert "(b) counts module calls" in stdout


def test_rerun_costs_at_most_one_round_trip_per_task(
        one_host: tuple[str, dict[str, Any]]) -> None:
    stdout, report = one_host
    rerun = table_rows(stdout)[("(a) site.yml", "re-run")]
    assert float(rerun["module calls/host"]) > 0
    assert float(rerun["round trips/call"]) <= 1.0
    assert float(rerun["worst task"]) <= 1.0
    assert float(rerun["changed/host"]) == 0
    # The per-task records agree: no task of the re-run spent more round trips than calls.
    site = next(r for r in report["results"]
                if r["scenario"] == "(a) site.yml" and r["run"] == "re-run")
    agent = [t for t in site["per_task"] if t["action"].startswith("winops.golang.")]
    assert agent, site["per_task"]
    assert all(t["round_trips"] <= t["calls"] for t in agent), agent


def test_first_run_changes_hosts_and_costs_more(one_host: tuple[str, dict[str, Any]]) -> None:
    rows = table_rows(one_host[0])
    first, rerun = rows[("(a) site.yml", "first run")], rows[("(a) site.yml", "re-run")]
    assert float(first["changed/host"]) > 0
    assert float(first["round trips/host"]) > float(rerun["round trips/host"])


def test_equivalent_playbook_is_counted_and_idempotent(
        one_host: tuple[str, dict[str, Any]]) -> None:
    rows = table_rows(one_host[0])
    first = rows[("(b) ansible.windows", "first run")]
    rerun = rows[("(b) ansible.windows", "re-run")]
    assert float(first["changed/host"]) > 0
    assert float(rerun["changed/host"]) == 0
    # Guarded downloads and extractions are skipped on the re-run: fewer calls.
    assert 0 < float(rerun["module calls/host"]) < float(first["module calls/host"])
    # Its controller time is shown in brackets and never compared with the floor.
    assert first["controller s"].startswith("(") and first["x floor"] == "-"


def test_floor_runs_as_many_tasks_as_the_rerun(one_host: tuple[str, dict[str, Any]]) -> None:
    rows = table_rows(one_host[0])
    floor, rerun = rows[("(c) no-op floor", "re-run")], rows[("(a) site.yml", "re-run")]
    assert floor["tasks/host"] == rerun["tasks/host"]
    assert float(floor["round trips/host"]) == 0


# ------------------------------------------------------ the counting stand-in


def load_fake() -> ModuleType:
    """benchmarks' fake_call module, loaded from its file (the real ansible.windows stays)."""
    spec = importlib.util.spec_from_file_location("bench_fake_call", FAKE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stand_in_models_what_a_host_would_answer(tmp_path: Path) -> None:
    fake = load_fake()

    def call(module: str, **args: Any) -> dict[str, Any]:
        host = fake.FakeHost(str(tmp_path), "win-01")
        host.record(module, "task")
        result = fake.fake_result(host, module, args)
        host.save()
        return result

    exe = r"C:\Go\go1.23.4\go\bin\go.exe"
    assert call("win_stat", path=exe)["stat"]["exists"] is False
    assert call("win_get_url", url="http://127.0.0.1/go.zip", dest=r"C:\Go\go.zip")["changed"]
    assert call("win_unzip", src=r"C:\Go\go.zip", dest=r"C:\Go\go1.23.4", creates=exe,
                delete_archive=True)["changed"]
    assert call("win_stat", path=exe.upper())["stat"]["exists"] is True
    assert call("win_stat", path=r"C:\Go\go.zip")["stat"]["exists"] is False
    assert call("win_unzip", src=r"C:\Go\go.zip", dest=r"C:\Go\go1.23.4",
                creates=exe)["changed"] is False
    # Compare-and-set modules change the host once per set of arguments.
    env = {"level": "machine", "variables": {"GOTOOLCHAIN": "local"}}
    assert call("win_environment", **env)["changed"] is True
    assert call("win_environment", **env)["changed"] is False
    # A command with `creates` runs once; a junction is seen by win_stat.
    link = r'cmd.exe /c mklink /J "C:\Go\current" "C:\Go\go1.23.4\go"'
    assert call("win_shell", _raw_params=link)["changed"] is True
    stat = call("win_stat", path=r"C:\Go\current")["stat"]
    assert stat["exists"] and stat["lnk_target"] == r"C:\Go\go1.23.4\go"
    assert call("win_shell", _raw_params="config.cmd", creates=r"C:\r\.runner")["changed"]
    assert call("win_shell", _raw_params="config.cmd", creates=r"C:\r\.runner")["changed"] is False
    calls = (tmp_path / "calls" / "win-01.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(calls) == 12
