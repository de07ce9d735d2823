"""The winops.golang.workspace role end to end: a real ansible-playbook against simulated hosts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.molecule import run_scenario
from support.playbooks import run_counted

ROLE_PLAY = """
- name: Set up the Go workspace
  hosts: all
  gather_facts: false
  roles:
    - role: winops.golang.workspace
"""

ACCOUNT = "svc-gobuild"
SERVICE = "GoBuildAgent"
SVC_KEY = rf"HKLM:\SYSTEM\CurrentControlSet\Services\{SERVICE}"
NETRC = rf"C:\Users\{ACCOUNT}\_netrc"
TOKEN = "ghp-w0rkspace-s3cret"
ALL_USERS_PROFILE = r"C:\Windows\System32\WindowsPowerShell\v1.0\profile.ps1"
SET_ENV = "Set the Go workspace in the scope machine"
CHECK_VARS = "Check the role variables"
FULL, MODIFY, SYNC = 0x1F01FF, 0x1301BF, 0x100000

# A build host's workspace: central GOPATH, caches on their own directory,
# private modules with credentials, offline toolchain policy, one service.
BUILD_VARS: dict[str, Any] = {
    "winops_golang_cache_root": "C:\\gocache\\",
    "winops_golang_goprivate": ["git.corp.example.com", "*.internal.example.com"],
    "winops_golang_offline": True,
    "winops_golang_goflags": "-mod=readonly",
    "winops_golang_build_account": ACCOUNT,
    "winops_golang_workspace_services": [SERVICE],
    "winops_golang_netrc": [{"machine": "git.corp.example.com", "login": "build",
                             "password": TOKEN}],
}


def build_host(sim_inventory: Callable) -> tuple[Any, SimHost]:
    """One simulated Server 2022 with the build account and a Go build service."""
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": [ACCOUNT]}})
    host = SimHost(str(inv.root("win-01")), accounts=[ACCOUNT])
    host.add_service(SERVICE, r"C:\buildagent\agent.exe")
    return inv, host


def op(host: SimHost, name: str, **args: Any) -> dict[str, Any]:
    """Run one read op on the simulated host and return its result."""
    return host.run_batch({"ops": [{"op": name, "args": args}], "check_mode": False})["results"][0]


def sid_of(host: SimHost, account: str) -> str:
    return op(host, "acl.resolve", names=[account])["accounts"][0]["sid"]


def grants(host: SimHost, path: str) -> dict[str, int]:
    doc = op(host, "acl.get", path=path)
    assert doc["exists"] and doc["protected"], doc
    return {a["sid"]: a["rights"] for a in doc["aces"] if not a["inherited"]}


def service_env(host: SimHost) -> dict[str, str]:
    value = host.reg(SVC_KEY, "Environment")
    assert value and value["type"] == "REG_MULTI_SZ", value
    return dict(item.split("=", 1) for item in value["value"])


def machine_path(host: SimHost) -> list[str]:
    return host.env("machine", "Path")["value"].split(";")


def test_build_host_workspace_then_nothing_to_do(sim_inventory: Callable,
                                                 run_playbook: Callable,
                                                 tmp_path: Path) -> None:
    inv, host = build_host(sim_inventory)
    first, trips = run_counted(run_playbook, ROLE_PLAY, inv, tmp_path,
                               extra_vars=BUILD_VARS, verbosity=3)
    first.assert_ok()
    expected = {"GOPATH": r"C:\gopath", "GOCACHE": r"C:\gocache\build",
                "GOMODCACHE": r"C:\gocache\mod", "GOPROXY": "https://proxy.golang.org,direct",
                "GOPRIVATE": "git.corp.example.com,*.internal.example.com",
                "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=readonly"}
    for name, value in expected.items():
        assert host.env("machine", name)["value"] == value, name
    for untouched in ("GOSUMDB", "GONOSUMDB", "GONOPROXY", "GOBIN", "CGO_ENABLED"):
        assert host.env("machine", untouched) is None, untouched
    assert machine_path(host).count(r"C:\gopath\bin") == 1
    assert machine_path(host)[0].lower() == r"%systemroot%\system32"  # appended, not prepended

    # The service gets the same variables in its own environment, now.
    svc = service_env(host)
    assert {k: svc[k] for k in expected} == expected
    assert svc["Path"].endswith(r";C:\gopath\bin")

    # GOPATH and the caches belong to the build account, nobody else but admins and SYSTEM.
    account = sid_of(host, ACCOUNT)
    for path in (r"C:\gopath", r"C:\gocache\build", r"C:\gocache\mod"):
        assert grants(host, path) == {"S-1-5-32-544": FULL | SYNC, "S-1-5-18": FULL | SYNC,
                                      account: MODIFY | SYNC}, path

    # The build account's _netrc, readable by it, SYSTEM and Administrators only.
    assert host.read_file(NETRC) == (
        f"machine git.corp.example.com login build password {TOKEN}\n".encode())
    assert set(grants(host, NETRC)) == {"S-1-5-32-544", "S-1-5-18", account}
    assert TOKEN not in first.stdout + first.stderr
    assert all(TOKEN not in repr(t.result) for t in first.tasks("win-01"))

    # Profile helpers and remote development stay off by default.
    assert host.read_file(ALL_USERS_PROFILE) is None
    assert first.task("win-01", "Set up the host for remote development").skipped
    assert first.task("win-01", "Find the C compiler for CGO, none").skipped

    second, trips = run_counted(run_playbook, ROLE_PLAY, inv, tmp_path, extra_vars=BUILD_VARS)
    second.assert_ok()
    assert second.changed("win-01") == []
    spent: dict[str, int] = {}
    for record in trips:  # a loop task has one record per item, then one for the task
        spent[record["task"]] = spent.get(record["task"], 0) + record["round_trips"]
    assert spent[SET_ENV] == 1
    assert spent["Set the Go workspace of the listed services"] == 1
    assert all(n <= 1 for n in spent.values()), spent
    assert sum(spent.values()) == 3  # facts, machine scope, one service


def test_bad_value_stops_before_the_host_is_called(sim_inventory: Callable,
                                                   run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    cases = [
        ({"winops_golang_goproxy": "htps://proxy.example.com"},
         "GOPROXY entry 'htps://proxy.example.com'"),
        ({"winops_golang_goprivate": ["https://git.example.com/x"]}, "GOPRIVATE"),
        ({"winops_golang_offline": True, "winops_golang_gotoolchain": "go1.23.4+auto"},
         "winops_golang_offline is true but winops_golang_gotoolchain is go1.23.4+auto, "
         "which downloads toolchains"),
        ({"winops_golang_cache_root": "gocache"},
         "winops_golang_cache_root must be an absolute Windows path such as D:\\gocache"),
        ({"winops_golang_cgo_root": r"C:\mingw64"}, "set winops_golang_cgo_compiler"),
    ]
    for role_vars, message in cases:
        run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars)
        failed = run.task("win-01", CHECK_VARS)
        assert failed.failed, role_vars
        assert message in failed.msg, (message, failed.msg)
    # Nothing reached a host: the simulated host was never even created.
    assert not (Path(inv.root("win-01")) / "model.json").exists()


def test_argument_spec_refuses_wrong_types(sim_inventory: Callable,
                                           run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    run = run_playbook(ROLE_PLAY, inv, extra_vars={"winops_golang_workspace_scope": "service"})
    assert not run.ok
    failed = run.failed_tasks[0]
    assert "winops_golang_workspace_scope" in failed.msg and "machine, user" in failed.msg
    assert not (Path(inv.root("win-01")) / "model.json").exists()


def test_check_mode_writes_nothing(sim_inventory: Callable, run_playbook: Callable) -> None:
    inv, host = build_host(sim_inventory)
    run = run_playbook(ROLE_PLAY, inv, extra_vars=BUILD_VARS, check=True, diff=True)
    run.assert_ok()
    res = run.task("win-01", SET_ENV)
    assert res.changed
    assert {c["name"] for c in res["changes"]} >= {"GOPATH", "GOPROXY", "GOTOOLCHAIN"}
    assert host.env("machine", "GOPATH") is None
    assert host.reg(SVC_KEY, "Environment") is None
    assert not op(host, "file.stat", path=r"C:\gopath")["exists"]
    assert host.read_file(NETRC) is None


def test_user_scope_exclusive_cleans_drift(sim_inventory: Callable,
                                           run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    host.set_env("user", "GOFLAGS", "-mod=mod")
    host.set_env("user", "GONOSUMDB", "old.example.com")
    host.set_env("user", "EDITOR", "notepad.exe")
    role_vars = {"winops_golang_workspace_scope": "user",
                 "winops_golang_gopath": r"%USERPROFILE%\go",
                 "winops_golang_goproxy": "https://goproxy.cn,direct",
                 "winops_golang_workspace_env": {"GOTELEMETRY": "off"},
                 "winops_golang_workspace_exclusive": True}
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars, diff=True)
    run.assert_ok()
    res = run.task("win-01", "Set the Go workspace in the scope user")
    removed = {c["name"] for c in res["changes"] if c["after"] is None}
    assert removed == {"GOFLAGS", "GONOSUMDB"}
    assert host.env("user", "GOFLAGS") is None and host.env("user", "GONOSUMDB") is None
    assert host.env("user", "EDITOR")["value"] == "notepad.exe"  # not a Go variable
    gopath = host.env("user", "GOPATH")
    assert gopath == {"value": r"%USERPROFILE%\go", "type": "REG_EXPAND_SZ"}
    assert r"%USERPROFILE%\go\bin" in host.env("user", "Path")["value"].split(";")
    assert host.env("machine", "GOPATH") is None
    assert not run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok().changed("win-01")


def test_profile_integration_in_the_all_users_profile(sim_inventory: Callable,
                                                      run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    mine = b"# my own profile line\r\nSet-Location C:\\\r\n"
    host.write_file(ALL_USERS_PROFILE, mine)
    role_vars = {"winops_golang_profile_integration": True}
    run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    text = host.read_file(ALL_USERS_PROFILE)
    assert text.startswith(mine)
    assert b"Use-GoVersion" in text and b"Register-ArgumentCompleter" in text
    again = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    assert again.changed("win-01") == []


def test_cgo_mingw_in_the_workspace_and_its_services(sim_inventory: Callable,
                                                     run_playbook: Callable) -> None:
    inv, host = build_host(sim_inventory)
    host.write_file(r"C:\mingw64\bin\gcc.exe", b"MZ\nversion=13.2.0\ntarget=x86_64-w64-mingw32\n")
    host.write_file(r"C:\mingw64\bin\g++.exe", b"MZ\nversion=13.2.0\ntarget=x86_64-w64-mingw32\n")
    role_vars = {"winops_golang_cgo_compiler": "mingw", "winops_golang_cgo_root": r"C:\mingw64",
                 "winops_golang_workspace_services": [SERVICE]}
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    probe = run.task("win-01", "Find the C compiler for CGO, mingw")
    assert probe["compiler"]["version"] == "13.2.0" and not probe.changed
    cgo = {"CGO_ENABLED": "1", "CC": r"C:\mingw64\bin\gcc.exe", "CXX": r"C:\mingw64\bin\g++.exe"}
    for name, value in cgo.items():
        assert host.env("machine", name)["value"] == value, name
        assert service_env(host)[name] == value, name
    assert machine_path(host)[-2:] == [r"C:\gopath\bin", r"C:\mingw64\bin"]
    assert service_env(host)["Path"].endswith(r";C:\gopath\bin;C:\mingw64\bin")
    assert not run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok().changed("win-01")

    # A compiler that is not there stops the role before the environment is touched.
    host.set_env("machine", "GOPROXY", "direct")
    missing = run_playbook(ROLE_PLAY, inv, extra_vars={**role_vars,
                                                       "winops_golang_cgo_root": r"C:\nowhere"})
    failed = missing.task("win-01", "Find the C compiler for CGO, mingw")
    assert failed.failed and r"gcc.exe not found in C:\nowhere\bin" in failed.msg
    assert host.env("machine", "GOPROXY")["value"] == "direct"


def test_remote_development_features_and_the_reboot_warning(sim_inventory: Callable,
                                                            run_playbook: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    role_vars = {"winops_golang_openssh_server": True, "winops_golang_wsl": True,
                 "winops_golang_virtual_machine_platform": True}
    run = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    res = run.task("win-01", "Set up the host for remote development")
    assert res.changed and res["reboot_required"] is True
    assert res["sshd"]["start_mode"] == "auto" and res["sshd"]["state"] == "running"
    warned = run.task("win-01", "Warn that the Windows features wait for a reboot")
    assert not warned.skipped and "needs a reboot" in " ".join(warned["msg"])
    assert run.task("win-01", "Reboot the host to finish enabling Windows features").skipped
    host.reboot()
    again = run_playbook(ROLE_PLAY, inv, extra_vars=role_vars).assert_ok()
    assert again.changed("win-01") == []
    settled = again.task("win-01", "Set up the host for remote development")
    assert settled["reboot_required"] is False


@pytest.mark.molecule
def test_molecule_scenario_passes(tmp_path: Path) -> None:
    """`molecule test -s workspace` (destroy, syntax, create, converge, idempotence, verify,
    destroy) on a simulated host, in its own ephemeral directory."""
    run_scenario("workspace", tmp_path)
