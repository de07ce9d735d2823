"""playbooks/site.yml through ansible-runner, the engine AWX and AAP run jobs with.

The job runs the way an AWX job template launches it (without the container:
process isolation is off): the project is the repository, the inventory is a
simulated fleet with the simulated inventory's group_vars, the extra variables
are the answers of the site survey's defaults (awx/surveys/site.json) plus what
the site mirror (tools/site_mirror.py) serves, and the project configuration
reaches ansible-playbook through the runner's ``envvars``. The test reads what
AWX reads: the job's status and rc, its events and its artifacts.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ansible_runner
import pytest

from support.playbooks import playbook_env, write_sim_inventory

REPO = Path(__file__).resolve().parents[2]
BUILD_HOST = "win-build-01"
SERVICE_HOST = "win-svc-01"
IDENT = "site-job"


def _site_mirror() -> Any:
    tools = str(REPO / "tools")
    if tools not in sys.path:
        sys.path.insert(0, tools)
    import site_mirror

    return site_mirror


def survey_answers(name: str) -> dict[str, Any]:
    """The extra variables AWX sends when a survey is launched with its defaults.

    Integer answers travel as numbers, every other answer as a string; a
    question without a default (passwords, for one) sends nothing.
    """
    spec = json.loads((REPO / "awx" / "surveys" / f"{name}.json").read_text(encoding="utf-8"))
    answers: dict[str, Any] = {}
    for question in spec["spec"]:
        if "default" not in question or question["default"] is None:
            continue
        value = question["default"]
        answers[question["variable"]] = int(value) if question["type"] == "integer" else str(value)
    return answers


@pytest.fixture(scope="module")
def site_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Run site.yml once through ``ansible_runner.run``; yield the runner and its paths."""
    work = tmp_path_factory.mktemp("awx")
    inventory_dir = work / "inventory"
    inventory = write_sim_inventory(
        inventory_dir,
        [BUILD_HOST, SERVICE_HOST],
        groups={
            "windows": [BUILD_HOST, SERVICE_HOST],
            "build_hosts": [BUILD_HOST],
            "service_hosts": [SERVICE_HOST],
        },
    )
    # The simulated inventory's group_vars map the mirror's variables onto the roles'.
    shutil.copytree(REPO / "inventories" / "simulated" / "group_vars", inventory_dir / "group_vars")
    private_data_dir = work / "runner"
    private_data_dir.mkdir()
    # Only what the project adds to this process's environment travels as envvars
    # (AWX sets a job's environment the same way).
    env = playbook_env(work / "results.json", work)
    envvars = {key: value for key, value in env.items() if os.environ.get(key) != value}

    with _site_mirror().SiteMirror(work / "mirror") as mirror:
        extravars = {**survey_answers("site"), **mirror.extra_vars()}
        runner = ansible_runner.run(
            private_data_dir=str(private_data_dir),
            project_dir=str(REPO),
            playbook="playbooks/site.yml",
            inventory=str(inventory),
            extravars=extravars,
            envvars=envvars,
            ident=IDENT,
            process_isolation=False,
            quiet=True,
            timeout=900,
        )
        events = list(runner.events)
    yield {
        "runner": runner,
        "events": events,
        "artifacts": private_data_dir / "artifacts" / IDENT,
        "extravars": extravars,
    }


def _tail(job: dict[str, Any]) -> str:
    stdout = job["artifacts"] / "stdout"
    text = stdout.read_text(encoding="utf-8", errors="replace") if stdout.exists() else ""
    return "\n".join(text.splitlines()[-80:])


def test_job_is_successful(site_job: dict[str, Any]) -> None:
    runner = site_job["runner"]
    assert runner.status == "successful", _tail(site_job)
    assert runner.rc == 0, _tail(site_job)


def test_job_events_tell_the_story(site_job: dict[str, Any]) -> None:
    events = site_job["events"]
    kinds = [event["event"] for event in events]
    assert kinds.count("playbook_on_start") == 1, kinds
    assert kinds.count("playbook_on_play_start") == 4, kinds  # the four plays of site.yml
    assert not {"runner_on_failed", "runner_on_unreachable"} & set(kinds), _tail(site_job)

    ok = [event["event_data"] for event in events if event["event"] == "runner_on_ok"]
    actions = {(data["host"], data["task_action"]) for data in ok}
    for host in (BUILD_HOST, SERVICE_HOST):
        assert (host, "winops.golang.win_go_install") in actions, sorted(actions)
        assert (host, "winops.golang.win_go_env") in actions
        assert (host, "winops.golang.win_go_baseline") in actions
    assert (BUILD_HOST, "winops.golang.win_actions_runner") in actions
    assert (SERVICE_HOST, "winops.golang.win_tcp_tuning") in actions

    # The active toolchain the build host ended with, as the job's events report it.
    installs = [
        data["res"]
        for data in ok
        if data["host"] == BUILD_HOST
        and data["task_action"] == "winops.golang.win_go_install"
        and data["res"].get("active_version")
    ]
    assert installs, "no win_go_install result with an active version on the build host"
    assert installs[-1]["active_version"].startswith("1.23"), installs[-1]

    stats = [event["event_data"] for event in events if event["event"] == "playbook_on_stats"]
    assert len(stats) == 1
    assert not stats[0].get("failures") and not stats[0].get("dark"), stats[0]
    assert set(stats[0]["ok"]) == {BUILD_HOST, SERVICE_HOST}


def test_runner_stats_and_host_status(site_job: dict[str, Any]) -> None:
    runner = site_job["runner"]
    stats = runner.stats
    assert stats["failures"] == {} and stats["dark"] == {}, stats
    assert stats["changed"].get(BUILD_HOST, 0) > 0  # a fresh host was converged


def test_artifacts_are_written(site_job: dict[str, Any]) -> None:
    artifacts = site_job["artifacts"]
    for name in ("stdout", "rc", "status", "command"):
        assert (artifacts / name).is_file(), name
    assert (artifacts / "rc").read_text(encoding="utf-8").strip() == "0"
    assert (artifacts / "status").read_text(encoding="utf-8").strip() == "successful"
    stdout = (artifacts / "stdout").read_text(encoding="utf-8", errors="replace")
    assert "PLAY RECAP" in stdout
    event_files = sorted((artifacts / "job_events").glob("*.json"))
    assert len(event_files) == len(site_job["events"]) > 0
    first = json.loads(event_files[0].read_text(encoding="utf-8"))
    assert {"uuid", "counter", "event"} <= set(first)


def test_project_environment_reached_the_job(site_job: dict[str, Any]) -> None:
    """ANSIBLE_CONFIG and ANSIBLE_COLLECTIONS_PATH came through the runner's envvars."""
    command = json.loads((site_job["artifacts"] / "command").read_text(encoding="utf-8"))
    env = command["env"]
    assert env["ANSIBLE_CONFIG"] == str(REPO / "ansible.cfg")
    assert env["ANSIBLE_COLLECTIONS_PATH"] == str(REPO / ".collections")
    assert command["cwd"] == str(REPO)


def test_survey_answers_reached_the_job(site_job: dict[str, Any]) -> None:
    """The survey's default answers went to ansible-playbook as extra variables."""
    command = json.loads((site_job["artifacts"] / "command").read_text(encoding="utf-8"))
    assert command["command"][-1] == "playbooks/site.yml"
    vars_arg = command["command"][command["command"].index("-e") + 1]
    sent = json.loads(Path(vars_arg.lstrip("@")).read_text(encoding="utf-8"))
    assert sent["winops_golang_keep"] == 0
    assert sent["winops_golang_allow_reboot"] == "false"  # a string, as AWX sends it
    assert "winops_golang_ci_runner_registration_token" not in sent  # no default, not sent


def test_registration_token_stays_out_of_the_job_output(site_job: dict[str, Any]) -> None:
    """The runner registration token (no_log in the role) is in no event and not in stdout."""
    token = site_job["extravars"]["winops_golang_site_runner_registration_token"]
    assert token
    stdout = (site_job["artifacts"] / "stdout").read_text(encoding="utf-8", errors="replace")
    assert token not in stdout
    for path in (site_job["artifacts"] / "job_events").glob("*.json"):
        assert token not in path.read_text(encoding="utf-8", errors="replace"), path.name
