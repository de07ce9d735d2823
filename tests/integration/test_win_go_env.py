"""win_go_env end to end: the real ansible-playbook against simulated hosts, every scope."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

TASK = "Go env"
SVC_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\GoBuild"
ENV_FILE = r"C:\Users\Administrator\AppData\Roaming\go\env"


def sim(inv: Any, host: str = "win-01") -> SimHost:
    return SimHost(str(inv.root(host)))


def playbook(params: dict[str, Any], *, facts: bool = False) -> str:
    tasks: list[dict[str, Any]] = []
    if facts:
        tasks.append({"name": "Gather Go facts", "winops.golang.win_go_facts": None})
    tasks.append({"name": TASK, "winops.golang.win_go_env": params})
    return yaml.safe_dump([{"name": "Go env", "hosts": "all", "gather_facts": False,
                            "tasks": tasks}], sort_keys=False)


@pytest.fixture
def goenv(run_playbook: Callable) -> Callable[..., Any]:
    def run(inv: Any, check: bool = False, diff: bool = False, facts: bool = False,
            ok: bool = True, **params: Any) -> Any:
        res = run_playbook(playbook(params, facts=facts), inv, check=check, diff=diff)
        if ok:
            res.assert_ok()
        return res

    return run


def diff(res: Any) -> dict[str, Any]:
    return res.diff[0] if isinstance(res.diff, list) else res.diff


def trips(host: SimHost) -> int:
    return int(host.stats()["round_trips"])


def test_machine_apply_then_idempotent_in_one_round_trip(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    params = {"variables": {"GOPROXY": "https://proxy.example.com,direct",
                            "GOTOOLCHAIN": "local", "CGO_ENABLED": "0"},
              "path": [r"C:\tools\go\bin"]}
    first = goenv(inv, **params).task("win-01", TASK)
    assert first.changed and first["round_trips"] == 2 and first["broadcast"]
    host = sim(inv)
    assert host.env("machine", "GOPROXY")["value"] == "https://proxy.example.com,direct"
    path = host.env("machine", "Path")
    assert path["type"] == "REG_EXPAND_SZ"
    assert path["value"].startswith(r"%SystemRoot%\system32;")
    assert path["value"].endswith(r";C:\tools\go\bin")
    before = trips(host)
    second = goenv(inv, **params).task("win-01", TASK)
    assert not second.changed and second["round_trips"] == 1
    assert trips(host) - before == 1
    # Another spelling of the same entry is the same entry.
    third = goenv(inv, path=["c:/TOOLS/go/bin/"]).task("win-01", TASK)
    assert not third.changed


def test_check_mode_and_diff_write_nothing(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    goenv(inv, variables={"GOPROXY": "direct"})
    host = sim(inv)
    before = trips(host)
    res = goenv(inv, check=True, diff=True,
                variables={"GOPROXY": "off", "GOAUTH_TOKEN": "s3cr3t"}).task("win-01", TASK)
    assert res.changed and res["round_trips"] == 1 and trips(host) - before == 1
    assert host.env("machine", "GOPROXY")["value"] == "direct"
    assert host.env("machine", "GOAUTH_TOKEN") is None
    assert "GOPROXY=direct" in diff(res)["before"]
    assert "GOPROXY=off" in diff(res)["after"]
    assert "s3cr3t" not in str(res.result) and "s3cr3t" not in str(res.diff)
    assert "GOAUTH_TOKEN=********" in diff(res)["after"]


def test_exclusive_removes_unlisted_go_variables(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.set_env("machine", "GOFLAGS", "-mod=mod")
    host.set_env("machine", "CGO_CFLAGS", "-O2")
    host.set_env("machine", "GOOGLE_APPLICATION_CREDENTIALS", r"C:\keys\a.json")
    res = goenv(inv, diff=True, exclusive=True,
                variables={"GOPROXY": "direct"}).task("win-01", TASK)
    assert sorted(res["removed"]) == ["CGO_CFLAGS", "GOFLAGS"]
    assert "GOFLAGS=-mod=mod" in diff(res)["before"]
    assert "GOFLAGS" not in diff(res)["after"]
    assert host.env("machine", "GOFLAGS") is None
    assert host.env("machine", "GOOGLE_APPLICATION_CREDENTIALS") is not None
    assert host.env("machine", "Path") is not None


def test_user_scope_keeps_references_and_absent(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.set_env("user", "Path", r"%USERPROFILE%\bin;C:\other")
    goenv(inv, scope="user", variables={"GOPATH": r"%USERPROFILE%\go"},
          path=[r"%USERPROFILE%\go\bin"], path_placement="prepend")
    assert host.env("user", "GOPATH") == {"value": r"%USERPROFILE%\go", "type": "REG_EXPAND_SZ"}
    assert host.env("user", "Path")["value"] == (
        r"%USERPROFILE%\go\bin;%USERPROFILE%\bin;C:\other")
    res = goenv(inv, scope="user", state="absent", variables={"GOPATH": None},
                path=[r"%USERPROFILE%\go\bin"]).task("win-01", TASK)
    assert res.changed
    assert host.env("user", "GOPATH") is None
    assert host.env("user", "Path")["value"] == r"%USERPROFILE%\bin;C:\other"


def test_service_scope_and_reboot_hint(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.add_service("GoBuild", r"C:\svc\gobuild.exe")
    host.add_service("Other", r"C:\svc\other.exe")
    res = goenv(inv, variables={"GOPROXY": "direct"},
                services=["GoBuild", "Other", "Missing"]).task("win-01", TASK)
    assert res["services_needing_reboot"] == ["GoBuild", "Other"]
    assert any("Missing" in w for w in res.warnings)
    svc = goenv(inv, scope="service", service="GoBuild",
                variables={"GOPROXY": "direct", "GOTOOLCHAIN": "local"},
                path=[r"C:\tools\go\bin"]).task("win-01", TASK)
    assert svc.changed and svc["round_trips"] == 2
    env = host.reg(SVC_KEY, "Environment")
    assert env["type"] == "REG_MULTI_SZ"
    values = dict(item.split("=", 1) for item in env["value"])
    assert values["GOPROXY"] == "direct" and values["GOTOOLCHAIN"] == "local"
    assert values["Path"].startswith(r"C:\Windows\system32;")
    assert values["Path"].endswith(r";C:\tools\go\bin")
    again = goenv(inv, scope="service", service="GoBuild",
                  variables={"GOPROXY": "direct", "GOTOOLCHAIN": "local"},
                  path=[r"C:\tools\go\bin"]).task("win-01", TASK)
    assert not again.changed and again["round_trips"] == 1
    # Now GoBuild sets GOPROXY itself: a machine GOPROXY change no longer matters to it.
    hint = goenv(inv, variables={"GOPROXY": "off"},
                 services=["GoBuild", "Other"]).task("win-01", TASK)
    assert hint["services_needing_reboot"] == ["Other"]
    missing = goenv(inv, ok=False, scope="service", service="Nope",
                    variables={"GOPROXY": "direct"}).task("win-01", TASK)
    assert missing.failed and "does not exist" in missing.msg


def test_go_env_file_content(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    host.write_file(ENV_FILE, b"GOFLAGS=-mod=mod\n# keep me\nGOPROXY=direct\n")
    res = goenv(inv, scope="go_env_file",
                variables={"GOPROXY": "https://p.example.com", "GOTOOLCHAIN": "local",
                           "CGO_ENABLED": "0"}).task("win-01", TASK)
    assert res.changed and res["target"] == ENV_FILE and res["round_trips"] == 2
    assert host.read_file(ENV_FILE) == (
        b"GOFLAGS=-mod=mod\n# keep me\nGOPROXY=https://p.example.com\n"
        b"CGO_ENABLED=0\nGOTOOLCHAIN=local\n")
    again = goenv(inv, facts=True, scope="go_env_file",
                  variables={"GOPROXY": "https://p.example.com"}).task("win-01", TASK)
    assert not again.changed and again["round_trips"] == 1
    excl = goenv(inv, scope="go_env_file", profile="builder", exclusive=True,
                 variables={"GOPROXY": "direct"}).task("win-01", TASK)
    assert excl["target"] == r"C:\Users\builder\AppData\Roaming\go\env"
    assert host.read_file(excl["target"]) == b"GOPROXY=direct\n"
    bad = goenv(inv, ok=False, scope="go_env_file",
                variables={"FOO": "bar"}).task("win-01", TASK)
    assert bad.failed and "go env -w refuses it" in bad.msg


def test_unknown_name_warns_with_the_closest_known(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    res = goenv(inv, variables={"GOPROXI": "direct"}).task("win-01", TASK)
    assert "GOPROXI is not a variable Go knows; did you mean GOPROXY?" in res.warnings


def test_invalid_value_fails_before_any_round_trip(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    res = goenv(inv, ok=False, variables={"GOTOOLCHAIN": "go1.22.5+local"}).task("win-01", TASK)
    assert res.failed and "GOTOOLCHAIN 'go1.22.5+local' is not valid" in res.msg


def test_concurrent_path_edits_lose_nothing(sim_inventory, run_playbook) -> None:
    inv = sim_inventory(["win-01"])
    run_playbook(playbook({"variables": {"GOPROXY": "direct"}}), inv).assert_ok()
    entries = [[rf"C:\one\{n}" for n in range(15)], [rf"C:\two\{n}" for n in range(15)]]
    runs: list[Any] = [None, None]

    def play(slot: int) -> None:
        tasks = [{"name": f"entry {i}", "winops.golang.win_go_env": {"path": [entry]}}
                 for i, entry in enumerate(entries[slot])]
        text = yaml.safe_dump([{"name": "p", "hosts": "all", "gather_facts": False,
                                "tasks": tasks}])
        runs[slot] = run_playbook(text, inv)

    threads = [threading.Thread(target=play, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for run in runs:
        run.assert_ok()
    path = sim(inv).env("machine", "Path")["value"].split(";")
    for entry in entries[0] + entries[1]:
        assert path.count(entry) == 1, path
    assert path[0] == r"%SystemRoot%\system32"
    # Races are not forced here (tests/unit/test_win_go_env_action.py forces them);
    # any that happened were retried: every lost compare-and-set is a conflict, not a loss.
    log = sim(inv).op_log()
    conflicts = [e for e in log if e.get("error") == "conflict"]
    print(f"compare-and-set conflicts retried: {len(conflicts)}")


NETRC = r"C:\Users\Administrator\_netrc"
FULL = 2032127  # FullControl
SYNC = 0x100000


def _acl(host: SimHost, path: str) -> dict[str, Any]:
    return host.run_batch({"ops": [{"op": "acl.get", "args": {"path": path}}],
                           "check_mode": False})["results"][0]


def _grants(doc: dict[str, Any]) -> dict[str, int]:
    return {a["sid"]: a["rights"] for a in doc["aces"] if not a["inherited"]}


def test_netrc_written_acl_idempotent_secret_never_shown(sim_inventory, run_playbook) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    entries = [{"machine": "git.corp.example.com", "login": "build", "password": "hunter2xyz"},
               {"machine": "a.example.com", "login": "ann", "password": "pa55word0"}]

    def go(netrc: Any, diff: bool = True, **extra: Any) -> Any:
        run = run_playbook(playbook({"netrc": netrc, **extra}), inv, diff=diff, verbosity=3)
        run.assert_ok()
        return run

    run = go(entries)
    res = run.task("win-01", TASK)
    assert res.changed and res["netrc"]["path"] == NETRC and res["round_trips"] == 2
    assert host.read_file(NETRC) == (
        b"machine a.example.com login ann password pa55word0\n"
        b"machine git.corp.example.com login build password hunter2xyz\n")
    got = _acl(host, NETRC)
    assert got["protected"] is True
    sids = {a["sid"] for a in got["aces"]}
    assert "S-1-5-18" in sids and "S-1-5-32-544" in sids and len(sids) == 3
    assert all(a["rights"] & FULL == FULL for a in got["aces"])
    assert "netrc: <2 entries for machines a.example.com, git.corp.example.com>" in (
        diff(res)["after"])
    assert "git.corp.example.com" in run.stdout  # the scan below sees the -vvv output
    for secret in ("hunter2xyz", "pa55word0", "login ann", "login build"):
        assert secret not in run.stdout + run.stderr + repr(res.result), secret

    before = trips(host)
    again = go(entries).task("win-01", TASK)
    assert not again.changed and again["round_trips"] == 1 and trips(host) - before == 1

    entries[0]["password"] = "n3wsecret99"
    run = go(entries)
    res = run.task("win-01", TASK)
    assert res.changed and res["netrc"]["content_changed"] and not res["netrc"]["acl_changed"]
    assert b"password n3wsecret99" in host.read_file(NETRC)
    for secret in ("n3wsecret99", "hunter2xyz", "pa55word0"):
        assert secret not in run.stdout + run.stderr + repr(res.result), secret

    host.write_file(r"C:\Users\Administrator\.netrc", b"")
    warned = go(entries).task("win-01", TASK)
    assert not warned.changed and any(".netrc exists" in w for w in warned.warnings)

    gone = go([], netrc_state="absent").task("win-01", TASK)
    assert gone.changed and host.read_file(NETRC) is None
    assert not go([], netrc_state="absent").task("win-01", TASK).changed


def test_directories_created_with_acl_and_drift_removed(sim_inventory, goenv) -> None:
    inv = sim_inventory(["win-01"])
    host = sim(inv)
    params = {"scope": "user",
              "variables": {"GOPATH": r"C:\go", "GOMODCACHE": r"C:\go\pkg\mod"},
              "directories": ["GOPATH", "GOMODCACHE", r"C:\gocache"],
              "directories_account": "Administrator"}
    checked = goenv(inv, check=True, **params).task("win-01", TASK)
    assert checked.changed and all(d["created"] for d in checked["directories"])
    assert not _acl(host, r"C:\go")["exists"]
    res = goenv(inv, **params).task("win-01", TASK)
    assert [d["path"] for d in res["directories"]] == [r"C:\go", r"C:\go\pkg\mod", r"C:\gocache"]
    assert all(d["created"] and d["acl_changed"] for d in res["directories"])
    me = host.run_batch({"ops": [{"op": "acl.resolve", "args": {"names": ["Administrator"]}}],
                         "check_mode": False})["results"][0]["accounts"][0]["sid"]
    for path in (r"C:\go", r"C:\gocache"):
        got = _acl(host, path)
        assert got["protected"] is True and got["owner"]["sid"] == "S-1-5-32-544"
        assert _grants(got) == {"S-1-5-32-544": FULL | SYNC, "S-1-5-18": FULL | SYNC,
                                me: 0x1301BF | SYNC}
        assert all(a["inheritance"] == ["ContainerInherit", "ObjectInherit"]
                   for a in got["aces"])
    before = trips(host)
    again = goenv(inv, **params).task("win-01", TASK)
    assert not again.changed and again["round_trips"] == 1 and trips(host) - before == 1
    # A stray ACE added by hand is reported and removed.
    got = _acl(host, r"C:\gocache")
    aces = [{k: a[k] for k in ("sid", "type", "rights", "inheritance", "propagation")}
            for a in got["aces"] if not a["inherited"]]
    aces.append({"sid": "S-1-5-32-545", "type": "allow", "rights": 0x1301BF,
                 "inheritance": ["ContainerInherit", "ObjectInherit"], "propagation": []})
    host.run_batch({"ops": [{"op": "acl.set", "args": {"path": r"C:\gocache",
                                                       "protected": True, "aces": aces}}],
                    "check_mode": False})
    fixed = goenv(inv, **params).task("win-01", TASK)
    assert fixed.changed
    drift = {d["path"]: d for d in fixed["directories"]}[r"C:\gocache"]
    assert drift["acl_changed"] and not drift["created"]
    assert any("extra" in text for text in drift["acl_differences"])
    assert "S-1-5-32-545" not in _grants(_acl(host, r"C:\gocache"))
