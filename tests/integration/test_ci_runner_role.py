"""The winops.golang.ci_runner role end to end: the real ansible-playbook against simulated
hosts and a fake GitHub REST API on 127.0.0.1 (tests/support/github_server.py).

The runner zip the fake API serves holds the simulated ``config.cmd`` and
``bin\\Runner.Listener.exe`` (``plugins/plugin_utils/winsim/fake_runner.py``), which
keep GitHub's side of the registrations in a JSON file on the simulated host.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.connection.winsim import netbios_name
from ansible_collections.winops.golang.plugins.plugin_utils.winsim import fake_runner
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.github_server import ACCEPTED_TOKEN, GitHubServer
from support.molecule import run_scenario
from support.playbooks import PlaybookRun, SimInventory, run_counted
from support.runner_fixtures import RecordingGitHubServer

ROLE_PLAY = """
- name: GitHub Actions runners
  hosts: all
  gather_facts: false
  roles:
    - role: winops.golang.ci_runner
"""

SCOPE = "octo/app"
URL = "https://github.com/octo/app"
VERSION = "2.330.0"
ROOT = "C:\\actions-runner"
GO_ROOT = "C:\\Program Files\\GoToolchains\\current"
GO_CACHE = "C:\\ci\\go-build"
GO_MOD_CACHE = "C:\\ci\\go-mod"
SERVICES_KEY = "HKLM:\\SYSTEM\\CurrentControlSet\\Services\\"
RUNNER_TASK = "Set up the GitHub Actions runners"
CHECK_VARS = "Check the role variables"
ARG_SPEC = "Validating arguments against arg spec 'main' - " \
    "GitHub Actions self-hosted runners for Go builds on Windows Server"
TWO_RUNNERS = [{"name": "build-1", "labels": ["go"]},
               {"name": "build-2", "labels": ["go", "race"]}]


@pytest.fixture
def github() -> Iterator[RecordingGitHubServer]:
    with RecordingGitHubServer() as server:
        server.add_release(VERSION)
        yield server


def role_vars(github: GitHubServer, **extra: Any) -> dict[str, Any]:
    """The role pointed at the fake GitHub API, with two runners unless ``extra`` says else."""
    return {
        "winops_golang_ci_runner_url": URL,
        "winops_golang_ci_runner_github_token": ACCEPTED_TOKEN,
        "winops_golang_ci_runner_api_url": github.api_url,
        "winops_golang_ci_runner_releases_api_url": github.releases_api,
        "winops_golang_ci_runner_go_cache": GO_CACHE,
        "winops_golang_ci_runner_go_mod_cache": GO_MOD_CACHE,
        "winops_golang_ci_runner_runners": TWO_RUNNERS,
        **extra,
    }


def runner_host(sim_inventory: Callable) -> tuple[SimInventory, SimHost]:
    """One simulated Server 2022 with a Go toolchain behind the runtime role's junction path."""
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")), hostname=netbios_name("win-01"))
    host.write_file(GO_ROOT + "\\bin\\go.exe", b"MZ\ngo1.23.4\n")
    return inv, host


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    """Run one op on the simulated host (a round trip: count trips before calling it)."""
    batch = {"ops": [{"op": op_name, "args": args}], "check_mode": False}
    return host.run_batch(batch)["results"][0]


def trips(host: SimHost) -> int:
    return int(host.stats()["round_trips"])


def service_name(name: str) -> str:
    return f"actions.runner.octo-app.{name}"


def service_env(host: SimHost, service: str) -> dict[str, str]:
    value = host.reg(SERVICES_KEY + service, "Environment")
    assert value and value["type"] == "REG_MULTI_SZ", value
    return {k.upper(): v for k, v in (item.split("=", 1) for item in value["value"])}


def github_side(host: SimHost) -> set[str]:
    """The runner names the simulated GitHub has registered for URL (lower case)."""
    data = host.read_file(fake_runner.SERVER_STATE)
    state = json.loads(data.decode("utf-8")) if data else {}
    return set(state.get(URL.lower(), {}).get("runners", {}))


def assert_no_secret(run: PlaybookRun, github: RecordingGitHubServer) -> None:
    secrets = [ACCEPTED_TOKEN, *github.issued_tokens()]
    text = run.stdout + run.stderr + repr([t.result for t in run.tasks("win-01")])
    for secret in secrets:
        assert secret not in text


def assert_running_runner(host: SimHost, name: str, labels: list[str]) -> None:
    folder = f"{ROOT}\\{name}"
    service = service_name(name)
    runner = json.loads(host.read_file(folder + "\\.runner").decode("utf-8-sig"))
    assert runner["agentName"] == name and runner["gitHubUrl"].lower() == URL
    assert host.read_file(folder + "\\.service").decode().strip() == service
    state = op(host, "service.get", name=service)
    assert state["exists"] and state["state"] == "running" and state["start_mode"] == "auto", state
    env = service_env(host, service)
    assert env["GOTOOLCHAIN"] == "local"
    assert env["PATH"].split(";")[0].lower() == (GO_ROOT + "\\bin").lower()
    assert env["GOCACHE"] == GO_CACHE and env["GOMODCACHE"] == GO_MOD_CACHE
    labels_record = host.read_file(folder + "\\.winops-labels.json")
    assert labels_record is not None and all(lb.encode() in labels_record for lb in labels)


def spent_per_task(records: list[dict[str, Any]]) -> dict[str, int]:
    """Round trips per task; a loop task has one record per item, then one for the task."""
    spent: dict[str, int] = {}
    for record in records:
        spent[record["task"]] = spent.get(record["task"], 0) + record["round_trips"]
    return spent


def test_two_runners_converge_then_nothing_to_do(sim_inventory: Callable,
                                                 run_playbook: Callable,
                                                 github: RecordingGitHubServer,
                                                 tmp_path: Path) -> None:
    inv, host = runner_host(sim_inventory)
    first = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github), verbosity=3)
    first.assert_ok()
    res = first.task("win-01", RUNNER_TASK)
    assert res.changed
    results = res["results"]
    assert [r["name"] for r in results] == ["build-1", "build-2"]
    assert all(r["registered"] and r["changed"] for r in results)
    assert [r["service_name"] for r in results] == [
        service_name("build-1"), service_name("build-2")]
    assert_running_runner(host, "build-1", ["go"])
    assert_running_runner(host, "build-2", ["go", "race"])
    assert github_side(host) == {"build-1", "build-2"}
    # One registration token for the scope, shared by both runners; no remove token.
    assert github.token_requests(SCOPE) == 1
    assert github.token_requests(SCOPE, "remove") == 0
    assert_no_secret(first, github)
    report = first.task("win-01", "Report the runners")
    assert "build-2" in repr(report.result) and "running" in repr(report.result)
    assert first.task("win-01", "Warn about runners whose service is not running").skipped
    # Named runners need no host name: no facts were gathered.
    assert first.task("win-01", "Gather Go environment facts for the runner's host name").skipped

    requests_before = len(github.requests)
    second, records = run_counted(run_playbook, ROLE_PLAY, inv, tmp_path,
                                  extra_vars=role_vars(github))
    second.assert_ok()
    assert second.changed("win-01") == []
    assert len(github.requests) == requests_before  # no API call at all
    spent = spent_per_task(records)
    assert spent[RUNNER_TASK] == 2  # one agent round trip per runner
    assert sum(spent.values()) == 2, spent
    assert_no_secret(second, github)


def test_bad_variables_stop_before_any_host_call(sim_inventory: Callable,
                                                 run_playbook: Callable,
                                                 github: RecordingGitHubServer) -> None:
    inv, host = runner_host(sim_inventory)
    run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github)).assert_ok()
    state_before = (trips(host), host.read_file(fake_runner.SERVER_STATE))
    requests_before = len(github.requests)

    spec_cases = [
        ({"winops_golang_ci_runner_state": "stopped"}, "winops_golang_ci_runner_state"),
        ({"winops_golang_ci_runner_runners": [{"name": "build-1", "lables": ["go"]}]},
         "lables"),
        ({"winops_golang_ci_runner_runners": [{"name": "build-1", "ephemeral": "sometimes"}]},
         "ephemeral"),
    ]
    for bad, word in spec_cases:
        run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github, **bad))
        assert not run.ok, bad
        failed = run.failed_tasks[0]
        assert failed.task == ARG_SPEC, failed.task
        assert word in str(failed.msg), failed.msg

    check_cases = [
        ({"winops_golang_ci_runner_runners": [{"name": "build-1"}, {"name": "BUILD-1"}]},
         "Runner names must be unique on a host (GitHub compares them case-insensitively); "
         "listed more than once: build-1."),
        ({"winops_golang_ci_runner_runners": [{"name": "a", "folder": "C:\\runners\\x"},
                                              {"name": "b", "folder": "c:\\Runners\\X\\"}]},
         "Runner folders must be unique on a host; used by more than one runner: c:\\runners\\x."),
        ({"winops_golang_ci_runner_runners": [{"name": "a"}, {}]},
         "with more than one runner on a host, give each runner a name."),
        ({"winops_golang_ci_runner_url": ""},
         "without a url: build-1, build-2."),
        ({"winops_golang_ci_runner_github_token": ""},
         "Registering a runner needs a token"),
        ({"winops_golang_ci_runner_github_token": "",
          "winops_golang_ci_runner_registration_token": "AREGgivenDirectly0123",
          "winops_golang_ci_runner_state": "absent"},
         "Removing a runner needs a remove token"),
        ({"winops_golang_ci_runner_runners": [{"name": "build-1", "runner_group": "windows"}]},
         "A runner group belongs to an organization or an enterprise, not to a repository: "
         "build-1"),
    ]
    for bad, message in check_cases:
        run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github, **bad))
        failed = run.task("win-01", CHECK_VARS)
        assert failed.failed, bad
        assert message in failed.msg, (message, failed.msg)
        assert ACCEPTED_TOKEN not in run.stdout + run.stderr
        assert "AREGgivenDirectly0123" not in run.stdout + run.stderr

    # Nothing reached the host or GitHub: no round trip, registrations as they were.
    assert (trips(host), host.read_file(fake_runner.SERVER_STATE)) == state_before
    assert len(github.requests) == requests_before
    for name in ("build-1", "build-2"):
        assert op(host, "service.get", name=service_name(name))["state"] == "running"


def test_remove_one_runner_then_all(sim_inventory: Callable, run_playbook: Callable,
                                    github: RecordingGitHubServer) -> None:
    inv, host = runner_host(sim_inventory)
    run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github)).assert_ok()

    one_gone = [{"name": "build-1", "labels": ["go"]}, {"name": "build-2", "state": "absent"}]
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(
        github, winops_golang_ci_runner_runners=one_gone))
    run.assert_ok()
    results = run.task("win-01", RUNNER_TASK)["results"]
    assert [r["changed"] for r in results] == [False, True]
    assert not op(host, "service.get", name=service_name("build-2"))["exists"]
    assert not op(host, "file.stat", path=f"{ROOT}\\build-2")["exists"]
    assert github_side(host) == {"build-1"}
    assert github.token_requests(SCOPE, "remove") == 1
    assert_running_runner(host, "build-1", ["go"])
    assert_no_secret(run, github)

    # The role-wide state removes every listed runner; a second run has nothing to do.
    absent = role_vars(github, winops_golang_ci_runner_state="absent")
    run_playbook(ROLE_PLAY, inv, extra_vars=absent).assert_ok()
    for name in ("build-1", "build-2"):
        assert not op(host, "service.get", name=service_name(name))["exists"]
        assert not op(host, "file.stat", path=f"{ROOT}\\{name}")["exists"]
    assert github_side(host) == set()
    assert run_playbook(ROLE_PLAY, inv, extra_vars=absent).assert_ok().changed("win-01") == []


@pytest.mark.parametrize(("root", "gathers_facts"), [(None, False), ("C:\\runners\\", True)])
def test_one_unnamed_runner_is_named_after_the_host(sim_inventory: Callable,
                                                    run_playbook: Callable,
                                                    github: RecordingGitHubServer,
                                                    root: str | None,
                                                    gathers_facts: bool) -> None:
    """No runner list: one runner named after the host, in <root>\\<host name>; only a
    root other than C:\\actions-runner needs the host name on the controller."""
    inv, host = runner_host(sim_inventory)
    single = role_vars(github, winops_golang_ci_runner_runners=[],
                       winops_golang_ci_runner_labels=["go"])
    if root is not None:
        single["winops_golang_ci_runner_root"] = root
    folder_root = (root or ROOT).rstrip("\\")
    run = run_playbook(ROLE_PLAY, inv, extra_vars=single)
    run.assert_ok()
    facts = run.task("win-01", "Gather Go environment facts for the runner's host name")
    assert facts.skipped is not gathers_facts
    name = netbios_name("win-01")
    [result] = run.task("win-01", RUNNER_TASK)["results"]
    assert result["name"] == name
    assert result["folder"].lower() == f"{folder_root}\\{name}".lower()
    assert op(host, "service.get", name=service_name(name))["state"] == "running"
    assert host.read_file(f"{folder_root}\\{name}\\.runner") is not None
    assert github_side(host) == {name.lower()}
    assert run_playbook(ROLE_PLAY, inv, extra_vars=single).assert_ok().changed("win-01") == []


def test_check_mode_changes_nothing(sim_inventory: Callable, run_playbook: Callable,
                                    github: RecordingGitHubServer) -> None:
    inv, host = runner_host(sim_inventory)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars(github), check=True)
    run.assert_ok()
    assert run.task("win-01", RUNNER_TASK).changed
    for name in ("build-1", "build-2"):
        assert not op(host, "service.get", name=service_name(name))["exists"]
        assert not op(host, "file.stat", path=f"{ROOT}\\{name}")["exists"]
    assert github.token_requests(SCOPE) == 0
    assert github_side(host) == set()


@pytest.mark.molecule
def test_molecule_scenario_passes(tmp_path: Path) -> None:
    """`molecule test -s ci_runner` (destroy, syntax, create, converge, idempotence, verify,
    destroy) on a simulated host, in its own ephemeral directory."""
    run_scenario("ci_runner", tmp_path)
