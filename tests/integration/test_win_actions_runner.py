"""win_actions_runner end to end: the real ansible-playbook against simulated hosts and a
fake GitHub REST API on 127.0.0.1.

The runner package served by the fake API holds the simulated ``config.cmd`` /
``bin\\Runner.Listener.exe`` (``plugins/plugin_utils/winsim/fake_runner.py``): each run
is recorded in ``<folder>\\.winops-fake-config.json`` (arguments, the *names* of the
``ACTIONS_RUNNER_INPUT_*`` variables, where the token came from and its SHA-256), and
GitHub's side of the registrations lives in a JSON file on the simulated host.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.connection.winsim import netbios_name
from ansible_collections.winops.golang.plugins.module_utils.github_runner_api import (
    MINIMUM_RUNNER_VERSION,
)
from ansible_collections.winops.golang.plugins.module_utils.service_recovery import (
    FailureAction,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim import fake_runner
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.github_server import ACCEPTED_TOKEN, runner_zip
from support.playbooks import PlaybookRun, SimInventory, TaskResult, write_sim_inventory
from support.playbooks import run_playbook as run_playbook_at
from support.runner_fixtures import (
    TASK,
    RecordingGitHubServer,
    allowed_sids,
    env_dict,
    exists,
    fake_runs,
    github_side,
    op,
    per_host_play,
    play,
    recovery,
    seed_github_side,
    service,
    service_environment,
    sid_of,
    trips,
)

SCOPE = "octo/app"
URL = "https://github.com/octo/app"
OWNER_TAG = "octo-app"  # the runner's service name uses the repository with '/' -> '-'
VERSION = "2.330.0"
PREVIOUS = "2.329.0"
TOO_OLD = "2.300.0"
NAME = "build-01"
ROOT = "C:\\actions-runner"
GO_ROOT = "C:\\Program Files\\GoToolchains\\current"
GO_CACHE = "C:\\ci\\go-build-cache"
GO_MOD_CACHE = "C:\\ci\\go-mod-cache"
NETWORK_SERVICE = "NT AUTHORITY\\NetworkService"  # as service.create stores the default
GMSA = "CONTOSO\\gmsa-runner$"
FILENAME = f"actions-runner-win-x64-{VERSION}.zip"
DOWNLOAD_PATH = f"/actions/runner/releases/download/v{VERSION}/{FILENAME}"
LISTENER = "bin\\Runner.Listener.exe"
TOKEN_ENV = "ACTIONS_RUNNER_INPUT_TOKEN"
PASSWORD_ENV = "ACTIONS_RUNNER_INPUT_WINDOWSLOGONPASSWORD"
DEFAULT_RECOVERY = (86400, (FailureAction("restart", 60000),) * 3)


# ------------------------------------------------------------------------ helpers


def folder_of(name: str) -> str:
    return f"{ROOT}\\{name}"


def service_of(name: str, owner: str = OWNER_TAG) -> str:
    return f"actions.runner.{owner}.{name}"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sim(inv: SimInventory, host: str = "win-01", **kwargs: Any) -> SimHost:
    """The simulated host of ``host``, with the computer name the connection would give it."""
    return SimHost(str(inv.root(host)), hostname=netbios_name(host), **kwargs)


def api(github: RecordingGitHubServer, **extra: Any) -> dict[str, Any]:
    """Options that point the module at the fake GitHub API, plus ``extra``."""
    return {"url": URL, "github_token": ACCEPTED_TOKEN, "api_url": github.api_url,
            "releases_api_url": github.releases_api, **extra}


def arg_after(arguments: list[str], flag: str) -> str | None:
    """The value following ``flag`` in an argument list (flags compared case-insensitively)."""
    lowered = [a.lower() for a in arguments]
    if flag.lower() not in lowered:
        return None
    index = lowered.index(flag.lower())
    return arguments[index + 1] if index + 1 < len(arguments) else None


def paths_requested(github: RecordingGitHubServer, method: str = "GET") -> list[str]:
    return [r.path for r in github.requests if r.method == method]


def listener_bytes(version: str) -> bytes:
    return fake_runner.package_files(version)[LISTENER]


def runner_file(host: SimHost, folder: str) -> dict[str, Any] | None:
    data = host.read_file(folder + "\\.runner")
    return json.loads(data.decode("utf-8-sig")) if data is not None else None


def new_server() -> RecordingGitHubServer:
    server = RecordingGitHubServer().start()  # add_release needs the server's address
    server.add_release(PREVIOUS, latest=False)
    server.add_release(TOO_OLD, latest=False)
    server.add_release(VERSION)  # latest
    return server


@pytest.fixture
def github() -> Iterator[RecordingGitHubServer]:
    server = new_server()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def deploy(run_playbook: Callable[..., PlaybookRun]) -> Callable[..., TaskResult]:
    """Run one win_actions_runner task on win-01 and return its result."""

    def run(inv: SimInventory, ok: bool = True, check: bool = False, diff: bool = False,
            **params: Any) -> TaskResult:
        result = run_playbook(play((TASK, params)), inv, check=check, diff=diff)
        if ok:
            result.assert_ok()
        return result.task("win-01", TASK)

    return run


def problems_of(checks: dict[str, list[str]]) -> str:
    return "\n".join(f"{case}: {'; '.join(items)}" for case, items in checks.items() if items)


# ------------------------------------------------------------ 1 + 2: fresh install


@dataclass
class Fresh:
    inv: SimInventory
    github: RecordingGitHubServer
    params: dict[str, Any]
    result: TaskResult
    workdir: Path
    round_trips: int


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fresh]:
    """One runner installed on a fresh host (shared by the read-only first-run checks and
    the second run, which must change nothing)."""
    base = tmp_path_factory.mktemp("fresh")
    server = new_server()
    try:
        inv = write_sim_inventory(base / "sim", ["win-01"])
        params = api(server, name=NAME, labels=["go", "windows-2022"], go_root=GO_ROOT,
                     go_cache=GO_CACHE, go_mod_cache=GO_MOD_CACHE)
        run = run_playbook_at(play((TASK, params)), inv, workdir=base / "runs")
        run.assert_ok()
        yield Fresh(inv, server, params, run.task("win-01", TASK), base / "runs",
                    trips(sim(inv)))
    finally:
        server.stop()


def test_fresh_install_downloads_verifies_configures_and_starts(fresh: Fresh) -> None:
    res, github, host = fresh.result, fresh.github, sim(fresh.inv)
    folder, svc_name = folder_of(NAME), service_of(NAME)
    assert res.changed and res["registered"] is True and res["reregistered"] is False
    assert res["version"] == VERSION and res["folder"] == folder
    assert res["service_name"] == svc_name and list(res["labels"]) == ["go", "windows-2022"]
    # One read, then one batch from the download to the running service.
    assert fresh.round_trips == 2

    # 'latest' was resolved through the releases API, then that release's zip was fetched.
    gets = paths_requested(github)
    assert "/repos/actions/runner/releases/latest" in gets and DOWNLOAD_PATH in gets
    assert host.read_file(folder + "\\" + LISTENER) == listener_bytes(VERSION)
    assert host.read_file(folder + "\\config.cmd") == fake_runner.CONFIG_CMD_TEXT.encode()

    # config.cmd ran once, unattended, with the token in the environment only.
    issued = github.issued_tokens(SCOPE, "registration")
    assert github.token_requests(SCOPE) == 1 and len(issued) == 1
    runs = fake_runs(host, folder)
    assert [(r["command"], r["rc"]) for r in runs] == [("configure", 0)]
    args = runs[0]["arguments"]
    assert "--unattended" in args
    assert arg_after(args, "--url") == URL and arg_after(args, "--name") == NAME
    assert arg_after(args, "--labels") == "go,windows-2022"
    assert "--token" not in [a.lower() for a in args]
    assert not any(issued[0] in a for a in args)
    assert runs[0]["token_source"] == "environment" and TOKEN_ENV in runs[0]["env_names"]
    assert runs[0]["token_sha256"] == sha256(issued[0])

    settings = runner_file(host, folder)
    assert settings is not None and settings["agentName"] == NAME
    assert settings["gitHubUrl"] == URL
    on_github = github_side(host, URL)
    assert on_github[NAME.lower()]["labels"] == ["go", "windows-2022"]
    service_file = host.read_file(folder + "\\.service")
    assert service_file is not None and service_file.decode("utf-8-sig").strip() == svc_name

    svc = service(host, svc_name)
    assert svc["exists"] and svc["state"] == "running" and svc["start_mode"] == "auto"
    assert svc["account"] == NETWORK_SERVICE
    assert svc["path"] == f'"{folder}\\bin\\RunnerService.exe"'

    env = env_dict(service_environment(host, svc_name))
    assert env.get("GOTOOLCHAIN") == "local"
    assert env.get("GOCACHE") == GO_CACHE and env.get("GOMODCACHE") == GO_MOD_CACHE
    assert env.get("PATH", "").split(";")[0].lower() == (GO_ROOT + "\\bin").lower()
    assert recovery(host, svc_name) == DEFAULT_RECOVERY

    network_service = sid_of(host, "NT AUTHORITY\\NETWORK SERVICE")
    for path in (folder, GO_CACHE, GO_MOD_CACHE):
        assert network_service in allowed_sids(host, path), path


def test_second_run_changes_nothing_in_one_round_trip(fresh: Fresh) -> None:
    github, host = fresh.github, sim(fresh.inv)
    tokens = (github.token_requests(SCOPE), github.token_requests(SCOPE, "remove"))
    requests = len(github.requests)
    runs_before = len(fake_runs(host, folder_of(NAME)))
    before = trips(host)
    run = run_playbook_at(play((TASK, fresh.params)), fresh.inv,
                          workdir=fresh.workdir).assert_ok()
    res = run.task("win-01", TASK)
    assert trips(host) - before == 1
    assert res.changed is False and res["registered"] is False
    assert (github.token_requests(SCOPE), github.token_requests(SCOPE, "remove")) == tokens
    assert github.requests[requests:] == []  # no API call at all
    assert len(fake_runs(host, folder_of(NAME))) == runs_before
    assert service(host, service_of(NAME))["state"] == "running"


def test_tampered_package_is_refused(sim_inventory: Callable[..., SimInventory],
                                     deploy: Callable[..., TaskResult],
                                     github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    github.replace_download(VERSION, runner_zip("9.9.9"))
    res = deploy(inv, ok=False, **api(github, name=NAME))
    host = sim(inv)
    words = ("sha256", "checksum", "digest")
    assert res.failed and any(w in str(res.msg).lower() for w in words), res.msg
    assert DOWNLOAD_PATH in paths_requested(github)
    assert not exists(host, folder_of(NAME) + "\\" + LISTENER)
    assert not service(host, service_of(NAME))["exists"]


# ------------------------------------------------------------------ 3: label change


def test_label_change_reregisters_with_replace(sim_inventory: Callable[..., SimInventory],
                                               deploy: Callable[..., TaskResult],
                                               github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    deploy(inv, **api(github, name=NAME, labels=["go"]))
    host = sim(inv)
    first_id = github_side(host, URL)[NAME.lower()]["id"]
    logged = len(host.op_log())
    before = trips(host)

    res = deploy(inv, **api(github, name=NAME, labels=["go", "gpu"]))
    assert trips(host) - before == 2
    assert res.changed and res["reregistered"] is True and list(res["labels"]) == ["go", "gpu"]
    runs = fake_runs(host, folder_of(NAME))
    assert [r["command"] for r in runs] == ["configure", "configure"]
    last = runs[-1]
    assert last["rc"] == 0 and "--replace" in last["arguments"]
    assert arg_after(last["arguments"], "--labels") == "go,gpu"
    assert last["token_source"] == "environment"
    assert last["token_sha256"] == sha256(github.issued_tokens(SCOPE, "registration")[-1])
    assert github.token_requests(SCOPE) == 2
    record = github_side(host, URL)[NAME.lower()]
    assert record["labels"] == ["go", "gpu"] and record["id"] == first_id
    assert service(host, service_of(NAME))["state"] == "running"
    # The service was stopped before config.cmd ran again, and started after it.
    ops = [(e.get("op"), (e.get("args") or {}).get("state")) for e in host.op_log()[logged:]
           if e.get("kind") == "op"]
    assert ("exec", None) in ops
    configure = ops.index(("exec", None))
    assert ("service.control", "stopped") in ops[:configure]
    assert ("service.control", "started") in ops[configure:]


# ------------------------------------------------------------ 4: two runners, one host


def test_two_runners_on_one_host(sim_inventory: Callable[..., SimInventory],
                                 run_playbook: Callable[..., PlaybookRun],
                                 github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    book = play(("Runner A", api(github, name="build-a", labels=["go"])),
                ("Runner B", api(github, name="build-b", labels=["node"])))
    first = run_playbook(book, inv).assert_ok()
    assert first.task("win-01", "Runner A").changed and first.task("win-01", "Runner B").changed
    assert github.token_requests(SCOPE) == 1  # one token per scope per run

    host = sim(inv)
    before = trips(host)
    again = run_playbook(book, inv).assert_ok()
    assert trips(host) - before == 2
    assert not again.task("win-01", "Runner A").changed
    assert not again.task("win-01", "Runner B").changed
    assert github.token_requests(SCOPE) == 1

    on_github = github_side(host, URL)
    for name, labels in (("build-a", ["go"]), ("build-b", ["node"])):
        settings = runner_file(host, folder_of(name))
        assert settings is not None and settings["agentName"] == name
        assert on_github[name]["labels"] == labels
        svc = service(host, service_of(name))
        assert svc["state"] == "running" and svc["path"] == (
            f'"{folder_of(name)}\\bin\\RunnerService.exe"')


# ------------------------------------------------------------------------ 5: removal


def test_absent_unregisters_and_deletes(sim_inventory: Callable[..., SimInventory],
                                        deploy: Callable[..., TaskResult],
                                        github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    deploy(inv, **api(github, name=NAME))
    host = sim(inv)
    assert NAME.lower() in github_side(host, URL)

    gone = deploy(inv, **api(github, name=NAME, state="absent"))
    assert gone.changed
    assert github.token_requests(SCOPE, "remove") == 1
    assert not service(host, service_of(NAME))["exists"]
    assert NAME.lower() not in github_side(host, URL)
    assert not exists(host, folder_of(NAME))

    again = deploy(inv, **api(github, name=NAME, state="absent"))
    assert again.changed is False
    assert github.token_requests(SCOPE, "remove") == 1


# -------------------------------------------------------------------------- 6: gMSA


def test_gmsa_account(sim_inventory: Callable[..., SimInventory],
                      deploy: Callable[..., TaskResult],
                      github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.set_reg("HKLM:\\SYSTEM\\CurrentControlSet\\Services\\Tcpip\\Parameters", "Domain",
                 "REG_SZ", "contoso.example.com")
    res = deploy(inv, **api(github, name=NAME, account=GMSA, go_cache=GO_CACHE))
    assert res.changed and res["account"].lower() == GMSA.lower()

    folder, svc_name = folder_of(NAME), service_of(NAME)
    svc = service(host, svc_name)
    assert svc["state"] == "running" and svc["account"].lower() == GMSA.lower()
    # The gMSA's SID as the LSA resolved it (the host is joined to CONTOSO).
    holders = op(host, "lsa.get", right="SeServiceLogonRight")["accounts"]
    gmsa = [a["sid"] for a in holders if str(a.get("name") or "").lower() == GMSA.lower()]
    assert gmsa, f"{GMSA} does not hold SeServiceLogonRight: {holders}"
    assert gmsa[0] in allowed_sids(host, folder)
    assert gmsa[0] in allowed_sids(host, GO_CACHE)

    runs = fake_runs(host, folder)
    assert [(r["command"], r["rc"]) for r in runs] == [("configure", 0)]
    assert runs[0]["run_as_service"] is False and runs[0]["password_source"] is None
    assert "--runasservice" not in [a.lower() for a in runs[0]["arguments"]]
    assert "--windowslogonpassword" not in [a.lower() for a in runs[0]["arguments"]]
    assert PASSWORD_ENV not in runs[0]["env_names"]


# ---------------------------------------------------------------- 7: no secret leaks


def test_no_secret_in_verbose_diff_output(sim_inventory: Callable[..., SimInventory],
                                          run_playbook: Callable[..., PlaybookRun],
                                          github: RecordingGitHubServer) -> None:
    password = "Runner-Pa55word!x7"
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": ["svc-runner"]}})
    user = {"account": ".\\svc-runner", "password": password}
    install = play(("Install", api(github, name=NAME, labels=["go"], **user)),
                   ("Relabel", api(github, name=NAME, labels=["go", "gpu"], **user)))
    first = run_playbook(install, inv, verbosity=3, diff=True).assert_ok()
    host = sim(inv, accounts=["svc-runner"])
    relabel = first.task("win-01", "Relabel")
    assert relabel["reregistered"] is True and relabel.diff, "no diff with --diff"
    assert host.service_password_matches(service_of(NAME), password)
    runs = fake_runs(host, folder_of(NAME))
    assert runs and all(r["token_source"] == "environment" for r in runs)
    assert all(r["password_source"] != "argument" for r in runs)

    remove = play(("Remove", api(github, name=NAME, state="absent")))
    second = run_playbook(remove, inv, verbosity=3, diff=True).assert_ok()
    assert second.task("win-01", "Remove").changed

    secrets = {"github_token": ACCEPTED_TOKEN, "password": password}
    issued = github.issued_tokens(SCOPE)
    assert github.issued_tokens(SCOPE, "registration") and github.issued_tokens(SCOPE, "remove")
    secrets.update({f"issued token {i}": token for i, token in enumerate(issued)})
    op_log = json.dumps(host.op_log())
    for run in (first, second):
        results = json.dumps({h: [r.result for r in rs] for h, rs in run.hosts.items()})
        for what, secret in secrets.items():
            assert secret not in run.stdout, f"{what} in stdout"
            assert secret not in run.stderr, f"{what} in stderr"
            assert secret not in results, f"{what} in a task result"
    for what, secret in secrets.items():
        assert secret not in op_log, f"{what} in the host's op log"


# ------------------------------------------------------- 8: one token for ten hosts


def test_one_token_request_for_ten_hosts(sim_inventory: Callable[..., SimInventory],
                                         run_playbook: Callable[..., PlaybookRun],
                                         github: RecordingGitHubServer) -> None:
    names = [f"win-{i:02d}" for i in range(1, 11)]
    inv = sim_inventory(names)
    book = play((TASK, api(github, name="{{ inventory_hostname }}")))
    run = run_playbook(book, inv, args=["--forks", "10"]).assert_ok()
    assert github.token_requests(SCOPE) == 1
    issued = github.issued_tokens(SCOPE, "registration")
    assert len(issued) == 1
    for name in names:
        assert run.task(name, TASK).changed, name
        host = sim(inv, name)
        settings = runner_file(host, folder_of(name))
        assert settings is not None and settings["agentName"] == name, name
        assert name in github_side(host, URL), name
        runs = fake_runs(host, folder_of(name))
        assert runs and runs[-1]["token_sha256"] == sha256(issued[0]), name
        assert service(host, service_of(name))["state"] == "running", name


# --------------------------------------------------------------- 9: errors explained


def test_api_errors_are_explained_and_change_nothing(
        sim_inventory: Callable[..., SimInventory],
        run_playbook: Callable[..., PlaybookRun],
        github: RecordingGitHubServer) -> None:
    reset = int(time.time()) + 3600
    wrong_token = "ghp_wrongWRONGwrong0123456789abcdefABCD"
    cases: dict[str, tuple[str, dict[str, Any], list[str]]] = {
        # host: (scope, extra options, fragments the message must hold)
        "e401": ("octo/e401", {"github_token": wrong_token}, ["401", "token"]),
        "e403": ("octo/e403", {}, ["403", "octo/e403"]),
        "e404": ("octo/missing", {}, ["404", "octo/missing"]),
        "e422": ("octo/e422", {}, ["422", "Registration is disabled for octo/e422"]),
        "rl403": ("octo/rl403", {}, ["rate limit", "403", "resets at"]),
        "rl429": ("octo/rl429", {}, ["rate limit", "429", "resets at"]),
    }
    github.fail("octo/e403", 403)
    github.fail("octo/missing", 404)
    github.fail("octo/e422", 422, "Registration is disabled for octo/e422")
    github.rate_limit("octo/rl403", reset=reset)
    github.rate_limit("octo/rl429", reset=reset, status=429)
    hosts = {host: {"runner": api(github, url=f"https://github.com/{scope}", name=host,
                                  **extra)}
             for host, (scope, extra, _expected) in cases.items()}
    inv = sim_inventory(hosts)
    run = run_playbook(per_host_play(["url", "name", "github_token", "api_url",
                                      "releases_api_url"]), inv)
    assert run.rc != 0

    checks: dict[str, list[str]] = {}
    for name, (scope, _extra, fragments) in cases.items():
        res = run.task(name, TASK)
        host = sim(inv, name)
        msg = str(res.msg)
        found = [
            *([] if res.failed else ["did not fail"]),
            *[f"message lacks {f!r}: {msg}" for f in fragments if f.lower() not in msg.lower()],
            *([f"token request not made for {scope}"] if name != "e401" and
              github.token_requests(scope) == 0 else []),
            *(["folder created"] if exists(host, folder_of(name)) else []),
            *(["service created"] if service(host, service_of(name))["exists"] else []),
            *(["a token in the message"] if ACCEPTED_TOKEN in msg or wrong_token in msg
              else []),
        ]
        checks[name] = found
    assert not problems_of(checks), problems_of(checks)


def test_name_taken_and_too_old_version(sim_inventory: Callable[..., SimInventory],
                                        run_playbook: Callable[..., PlaybookRun],
                                        github: RecordingGitHubServer) -> None:
    inv = sim_inventory({
        "taken": {"runner": api(github, name=NAME)},
        "replaced": {"runner": api(github, name=NAME, replace=True)},
        "old": {"runner": api(github, name=NAME, version=TOO_OLD)},
    })
    taken = sim(inv, "taken")
    seed_github_side(taken, URL, [NAME])
    seeded = github_side(taken, URL)
    replaced = sim(inv, "replaced")
    seed_github_side(replaced, URL, [NAME])
    run = run_playbook(per_host_play(["url", "name", "github_token", "api_url",
                                      "releases_api_url", "version", "replace"]), inv)
    assert run.rc != 0

    # With replace the same name is taken over: GitHub keeps the runner's id.
    took_over = run.task("replaced", TASK)
    assert took_over.ok and took_over.changed, took_over.msg
    assert github_side(replaced, URL)[NAME.lower()]["id"] == seeded[NAME.lower()]["id"]
    assert "--replace" in fake_runs(replaced, folder_of(NAME))[-1]["arguments"]
    assert service(replaced, service_of(NAME))["state"] == "running"

    res = run.task("taken", TASK)
    msg = str(res.msg)
    assert res.failed and NAME in msg and "replace" in msg.lower(), msg
    assert "already" in msg.lower() or "taken" in msg.lower() or "exists" in msg.lower(), msg
    assert github_side(taken, URL) == seeded
    assert not service(taken, service_of(NAME))["exists"]

    old = run.task("old", TASK)
    old_host = sim(inv, "old")
    assert trips(old_host) == 0  # refused on the controller, before the host is read
    msg = str(old.msg)
    assert old.failed and TOO_OLD in msg and MINIMUM_RUNNER_VERSION in msg, msg
    assert not exists(old_host, folder_of(NAME)) and not exists(old_host, ROOT)
    assert not service(old_host, service_of(NAME))["exists"]
    too_old_zip = f"/actions/runner/releases/download/v{TOO_OLD}/"
    assert not any(p.startswith(too_old_zip) for p in paths_requested(github))


# ------------------------------------------------------------------ 10: bad input


def test_bad_input_changes_nothing_and_costs_no_round_trip(
        sim_inventory: Callable[..., SimInventory],
        run_playbook: Callable[..., PlaybookRun],
        github: RecordingGitHubServer) -> None:
    cases: dict[str, tuple[str, dict[str, Any], list[str]]] = {
        "bad-folder": ("octo/bad-folder", {"folder": "C:\\Users\\runner\\actions-runner"},
                       ["C:\\Users\\runner\\actions-runner", "user profile"]),
        "bad-group": ("octo/bad-group", {"runner_group": "builders"}, ["runner_group"]),
        "bad-label": ("octo/bad-label", {"labels": ["go,gpu"]}, ["go,gpu", "comma"]),
    }
    hosts = {host: {"runner": api(github, url=f"https://github.com/{scope}", name=host,
                                  **extra)}
             for host, (scope, extra, _expected) in cases.items()}
    inv = sim_inventory(hosts)
    run = run_playbook(per_host_play(["url", "name", "github_token", "api_url",
                                      "releases_api_url", "folder", "runner_group",
                                      "labels"]), inv)
    assert run.rc != 0
    checks: dict[str, list[str]] = {}
    for name, (scope, _extra, fragments) in cases.items():
        res = run.task(name, TASK)
        msg = str(res.msg)
        host = sim(inv, name)
        checks[name] = [
            *([] if res.failed else ["did not fail"]),
            *[f"message lacks {f!r}: {msg}" for f in fragments if f.lower() not in msg.lower()],
            *([f"{trips(host)} round trips"] if trips(host) else []),
            *(["a token request"] if github.token_requests(scope) else []),
            *(["traceback"] if "Traceback" in msg else []),
        ]
    assert not problems_of(checks), problems_of(checks)
    assert github.issued_tokens() == []


# ------------------------------------------------------------------- 11: check mode


def test_check_mode_on_a_fresh_host(sim_inventory: Callable[..., SimInventory],
                                    deploy: Callable[..., TaskResult],
                                    github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    res = deploy(inv, check=True, **api(github, labels=["go"]))
    default_name = netbios_name("win-01")  # the runner defaults to the computer name
    assert res.changed and res["name"] == default_name and res["changes"]
    assert res["folder"] == folder_of(default_name)
    assert res["service_name"] == service_of(default_name)
    host = sim(inv)
    assert not exists(host, folder_of(default_name))
    assert not exists(host, ROOT)
    assert not service(host, service_of(default_name))["exists"]
    assert github.token_requests(SCOPE) == 0 and github.token_requests(SCOPE, "remove") == 0
    assert DOWNLOAD_PATH not in paths_requested(github)
    assert host.read_file(fake_runner.SERVER_STATE) is None


# ---------------------------------------------------------------- 12: air-gapped


def test_air_gapped_package_and_registration_token(
        sim_inventory: Callable[..., SimInventory],
        run_playbook: Callable[..., PlaybookRun],
        github: RecordingGitHubServer, tmp_path: Path) -> None:
    package = runner_zip(VERSION)
    digest = hashlib.sha256(package).hexdigest()
    share = tmp_path / "share"
    share.mkdir()
    (share / FILENAME).write_bytes(package)
    token = "AREGAIRGAPPED0000000000000001"
    common = {"url": URL, "version": VERSION, "registration_token": token,
              "api_url": github.api_url, "releases_api_url": github.releases_api}
    inv = sim_inventory({
        "share-01": {"ansible_winsim_shares": {"\\\\fs01\\runners": str(share)},
                     "runner": {**common, "name": "share-01",
                                "package_url": "\\\\fs01\\runners\\{filename}",
                                "checksum": f"sha256:{digest}"}},
        "local-01": {"runner": {**common, "name": "local-01",
                                "package_url": "C:\\packages\\{filename}",
                                "checksum": digest}},
    })
    sim(inv, "local-01").write_file(f"C:\\packages\\{FILENAME}", package)
    run = run_playbook(per_host_play(["url", "name", "version", "registration_token",
                                      "api_url", "releases_api_url", "package_url",
                                      "checksum"]), inv).assert_ok()
    assert github.requests == []
    for name in ("share-01", "local-01"):
        res = run.task(name, TASK)
        assert res.changed and res["version"] == VERSION, name
        host = sim(inv, name)
        assert host.read_file(folder_of(name) + "\\" + LISTENER) == listener_bytes(VERSION)
        runs = fake_runs(host, folder_of(name))
        assert [(r["command"], r["rc"]) for r in runs] == [("configure", 0)], name
        assert runs[0]["token_source"] == "environment" and runs[0]["token_sha256"] == (
            sha256(token)), name
        assert name in github_side(host, URL), name
        assert service(host, service_of(name))["state"] == "running", name
        assert token not in json.dumps(res.result), name


# ------------------------------------------------- go_root change: service only


def test_go_root_change_restarts_the_service_only(sim_inventory: Callable[..., SimInventory],
                                                  deploy: Callable[..., TaskResult],
                                                  github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    deploy(inv, **api(github, name=NAME, go_root=GO_ROOT))
    host = sim(inv)
    svc_name = service_of(NAME)
    runs = len(fake_runs(host, folder_of(NAME)))
    logged = len(host.op_log())
    newer = "C:\\Program Files\\GoToolchains\\go1.23.4"
    res = deploy(inv, **api(github, name=NAME, go_root=newer))
    assert res.changed and res["registered"] is False and res["reregistered"] is False
    path = env_dict(service_environment(host, svc_name)).get("PATH", "").split(";")
    assert path[0].lower() == (newer + "\\bin").lower()
    assert (GO_ROOT + "\\bin").lower() not in [p.lower() for p in path]
    assert len(fake_runs(host, folder_of(NAME))) == runs  # no re-registration
    assert github.token_requests(SCOPE) == 1
    controls = [(e.get("args") or {}).get("state") for e in host.op_log()[logged:]
                if e.get("op") == "service.control" and e.get("changed")]
    assert controls == ["stopped", "started"], controls
    assert service(host, svc_name)["state"] == "running"


# ------------------------------------------- organization runner: group and flags


def test_organization_runner_with_group_ephemeral_and_no_update(
        sim_inventory: Callable[..., SimInventory], deploy: Callable[..., TaskResult],
        github: RecordingGitHubServer) -> None:
    org_url = "https://github.com/octo"
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    seed_github_side(host, org_url, groups=["Default", "builders"])
    res = deploy(inv, **api(github, url=org_url, name=NAME, runner_group="builders",
                            ephemeral=True, disable_update=True, work="D:\\runner-work"))
    assert res.changed and res["service_name"] == service_of(NAME, owner="octo")
    assert github.token_requests("octo") == 1 and github.token_requests(SCOPE) == 0
    runs = fake_runs(host, folder_of(NAME))
    args = runs[-1]["arguments"]
    assert arg_after(args, "--url") == org_url and arg_after(args, "--runnergroup") == "builders"
    assert "--ephemeral" in args and "--disableupdate" in args
    assert arg_after(args, "--work") == "D:\\runner-work"
    settings = runner_file(host, folder_of(NAME))
    assert settings is not None and settings["poolName"] == "builders"
    assert settings.get("ephemeral") is True and settings.get("disableUpdate") is True
    assert github_side(host, org_url)[NAME.lower()]["group"] == "builders"
    assert service(host, service_of(NAME, owner="octo"))["state"] == "running"
    assert not deploy(inv, **api(github, url=org_url, name=NAME, runner_group="builders",
                                 ephemeral=True, disable_update=True,
                                 work="D:\\runner-work")).changed


# ------------------------------------------------- an expired registration token


def refuse(host: SimHost, token: str) -> None:
    """Make the simulated GitHub answer ``token`` as expired (the runner gets a 404)."""
    path = fake_runner.SERVER_STATE
    state = json.loads((host.read_file(path) or b"{}").decode("utf-8"))
    state["refused_tokens"] = [sha256(token)]
    host.write_file(path, json.dumps(state).encode())


def test_an_expired_token_is_explained_and_a_new_runner_leaves_nothing(
        sim_inventory: Callable[..., SimInventory], deploy: Callable[..., TaskResult],
        github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    expired = "AAEXPIREDTOKEN0123456789ABCDEF"
    refuse(host, expired)
    res = deploy(inv, ok=False, url=URL, name=NAME, registration_token=expired,
                 releases_api_url=github.releases_api)
    msg = str(res.msg)
    assert res.failed and "GitHub refused the token given to config.cmd to register" in msg
    assert "valid for one hour" in msg and expired not in msg
    assert not exists(host, folder_of(NAME))
    assert not service(host, service_of(NAME))["exists"]
    assert github_side(host, URL) == {}


def test_an_expired_token_during_a_label_change_keeps_the_old_registration(
        sim_inventory: Callable[..., SimInventory], deploy: Callable[..., TaskResult],
        github: RecordingGitHubServer) -> None:
    inv = sim_inventory(["win-01"])
    first = "AAFIRSTTOKEN0123456789ABCDEFGH"
    deploy(inv, url=URL, name=NAME, labels=["go"], registration_token=first,
           releases_api_url=github.releases_api)
    host = sim(inv)
    folder = folder_of(NAME)
    before = {name: host.read_file(rf"{folder}\{name}")
              for name in (".runner", ".credentials", ".credentials_rsaparams")}
    expired = "AAEXPIREDTOKEN0123456789ABCDEF"
    refuse(host, expired)
    res = deploy(inv, ok=False, url=URL, name=NAME, labels=["go", "gpu"],
                 registration_token=expired, releases_api_url=github.releases_api)
    assert res.failed and "GitHub refused the token" in str(res.msg)
    after = {name: host.read_file(rf"{folder}\{name}") for name in before}
    assert after == before and all(v is not None for v in after.values())
    assert not any(exists(host, rf"{folder}\{name}.winops-previous") for name in before)
    assert service(host, service_of(NAME))["state"] == "running"
    assert github_side(host, URL)[NAME.lower()]["labels"] == ["go"]
    # The next run with a valid token applies the change.
    res = deploy(inv, url=URL, name=NAME, labels=["go", "gpu"], registration_token=first,
                 releases_api_url=github.releases_api)
    assert res.changed and res["reregistered"] is True
