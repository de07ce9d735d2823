"""win_go_service end to end: the real ansible-playbook against simulated hosts.

The simulated host runs a service's program by reading the program file:
``listen=<port>`` makes it listen on 127.0.0.1, ``http_status=<code>`` is what
it answers, ``start=fail`` makes the start fail as Windows reports it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.winops.golang.plugins.module_utils import acl
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

TASK = "Go service"
ROOT = r"C:\Services\orders"
KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\orders"
HEALTH = {"http_url": "http://127.0.0.1:8080/healthz", "timeout": 10}
THUMB = "0123456789ABCDEF0123456789ABCDEF01234567"


def play(params: dict[str, Any]) -> str:
    return yaml.safe_dump([{"name": "svc", "hosts": "all", "gather_facts": False,
                            "tasks": [{"name": TASK, "winops.golang.win_go_service": params}]}],
                          sort_keys=False)


def program(tmp_path: Path, name: str, *lines: str) -> str:
    """A fake Go program on the controller; its lines say how it behaves when started."""
    path = tmp_path / "dist" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("MZ\n" + "\n".join(lines) + "\n").encode())
    return str(path)


def op(host: SimHost, op_name: str, **args: Any) -> dict[str, Any]:
    return host.run_batch({"ops": [{"op": op_name, "args": args}],
                           "check_mode": False})["results"][0]


@pytest.fixture
def deploy(run_playbook: Callable) -> Callable[..., Any]:
    def run(inv: Any, ok: bool = True, check: bool = False, diff: bool = False,
            **params: Any) -> Any:
        res = run_playbook(play(params), inv, check=check, diff=diff)
        if ok:
            res.assert_ok()
        return res.task("win-01", TASK)

    return run


def native(src: str, version: str, **extra: Any) -> dict[str, Any]:
    return {"name": "orders", "src": src, "version": version, "root": ROOT,
            "arguments": ["-addr", "127.0.0.1:8080"], "environment": {"GOMEMLIMIT": "256MiB"},
            "event_log_source": "orders", "health_check": HEALTH, **extra}


def test_first_deploy_then_nothing_to_do(sim_inventory: Callable, deploy: Callable,
                                         tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    v1 = program(tmp_path, "orders.exe", "listen=8080")
    res = deploy(inv, diff=True, **native(v1, "1.0.0"))
    assert res.changed and res["status"] == "running" and res["release"] == "1.0.0"
    assert res["health"]["ok"] is True and res["rolled_back"] is False
    # The read, then one batch that stages, configures, starts and checks the release.
    assert res["round_trips"] == 2
    svc = op(host, "service.get", name="orders")
    assert svc["start_mode"] == "auto" and svc["account"].lower() == r"nt service\orders"
    assert svc["path"] == rf'"{ROOT}\current\orders.exe" -addr 127.0.0.1:8080'
    assert host.reg(KEY, "Environment")["value"] == ["GOMEMLIMIT=256MiB"]
    events = r"HKLM:\SYSTEM\CurrentControlSet\Services\EventLog\Application\orders"
    assert host.reg(events, "TypesSupported")["value"] == 7
    assert op(host, "file.stat", path=ROOT + r"\current")["target"].lower() == (
        ROOT + r"\releases\1.0.0").lower()
    record = json.loads(host.read_file(ROOT + r"\releases.json"))
    assert record["current"] == "1.0.0" and [r["name"] for r in record["releases"]] == ["1.0.0"]
    doc = op(host, "acl.get", path=ROOT)
    grants = {a["sid"]: a["rights"] for a in doc["aces"] if not a["inherited"]}
    assert doc["protected"] and set(grants) == {acl.service_sid("orders"), acl.SYSTEM,
                                                acl.ADMINISTRATORS}
    assert res.diff["before"]["exists"] is False and res.diff["after"]["account"] == (
        r"NT SERVICE\orders")

    before = int(host.stats()["round_trips"])
    again = deploy(inv, **native(v1, "1.0.0"))
    assert not again.changed and again["round_trips"] == 1
    assert int(host.stats()["round_trips"]) - before == 1


def test_new_release_switches_and_a_broken_one_rolls_back(sim_inventory: Callable,
                                                          deploy: Callable,
                                                          tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    deploy(inv, **native(program(tmp_path, "orders.exe", "listen=8080"), "1.0.0"))
    v1_exe = host.read_file(ROOT + r"\releases\1.0.0\orders.exe")

    two = deploy(inv, **native(program(tmp_path / "2", "orders.exe", "listen=8080",
                                       "http_status=204"), "2.0.0"))
    assert two.changed and two["release"] == "2.0.0" and two["previous_release"] == "1.0.0"
    assert "service: restarted" in two["changes"] and two["health"]["http_status"] == 204
    # The running release's exe was never touched: each release has its own directory.
    assert host.read_file(ROOT + r"\releases\1.0.0\orders.exe") == v1_exe

    broken = deploy(inv, ok=False, **native(program(tmp_path / "3", "orders.exe",
                                                    "listen=8080", "http_status=500"), "3.0.0"))
    assert broken.failed and broken["rolled_back"] is True
    assert broken["release"] == "2.0.0" and broken["status"] == "running"
    assert "release 3.0.0 failed its health check" in broken.msg
    assert "rolled back to 2.0.0" in broken.msg
    assert op(host, "file.stat", path=ROOT + r"\current")["target"].lower().endswith("2.0.0")
    assert json.loads(host.read_file(ROOT + r"\releases.json"))["current"] == "2.0.0"
    assert op(host, "net.probe", http_url=HEALTH["http_url"], timeout=1)["http_status"] == 204


def test_first_release_that_fails_has_nothing_to_roll_back_to(sim_inventory: Callable,
                                                              deploy: Callable,
                                                              tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    res = deploy(inv, ok=False, **native(program(tmp_path, "orders.exe", "listen=9999"),
                                         "1.0.0"))
    assert res.failed and res["rolled_back"] is False
    assert "there is no previous release to roll back to" in res.msg


def test_require_signature_refuses_an_unsigned_release(sim_inventory: Callable,
                                                       deploy: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    host.write_file(r"C:\build\orders.exe", b"MZ\nlisten=8080\n")
    params = {"name": "orders", "binary": r"C:\build\orders.exe", "version": "1.0.0",
              "root": ROOT, "require_signature": True, "allowed_signers": [THUMB]}
    refused = deploy(inv, ok=False, **params)
    assert refused.failed and "is not validly signed (status NotSigned" in refused.msg
    assert op(host, "service.get", name="orders")["exists"] is False
    assert not op(host, "file.stat", path=ROOT + r"\releases\1.0.0")["exists"]
    host.sign_file(r"C:\build\orders.exe", "CN=Someone Else", "F" * 40)
    other = deploy(inv, ok=False, **params)
    assert "which is not in allowed_signers" in other.msg
    host.write_file(r"C:\build\orders.exe", b"MZ\nlisten=8080\nsigned\n")
    host.sign_file(r"C:\build\orders.exe", "CN=Orders Release", THUMB)
    ok = deploy(inv, **params)
    assert ok.changed and ok["status"] == "running"


def test_winsw_wraps_a_plain_program(sim_inventory: Callable, deploy: Callable,
                                     tmp_path: Path) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": ["svc-orders"]}})
    host = SimHost(str(inv.root("win-01")), accounts=["svc-orders"])
    host.write_file(r"C:\tools\WinSW-x64.exe", b"winsw\nWinSW 2.12.0\n")
    worker = program(tmp_path, "worker.exe", "listen=8081")
    params = {"name": "orders", "mode": "winsw", "src": worker,
              "version": "1.0.0", "root": ROOT, "winsw_exe": r"C:\tools\WinSW-x64.exe",
              "account": r".\svc-orders", "password": "Winsw-Pa55!",
              "health_check": {"tcp_port": 8081}}
    res = deploy(inv, **params)
    assert res.changed and res["health"]["tcp_open"] is True
    svc = op(host, "service.get", name="orders")
    assert svc["path"] == rf'"{ROOT}\orders.exe"'
    xml = host.read_file(ROOT + r"\orders.xml").decode()
    assert rf"<executable>{ROOT}\current\worker.exe</executable>" in xml
    assert "Winsw-Pa55!" not in xml and "<serviceaccount>" not in xml
    holders = {a["sid"] for a in op(host, "lsa.get", right="SeServiceLogonRight")["accounts"]}
    me = op(host, "acl.resolve", names=["svc-orders"])["accounts"][0]["sid"]
    assert me in holders
    assert host.service_password_matches("orders", "Winsw-Pa55!")
    again = deploy(inv, **params)
    assert not again.changed and again["round_trips"] == 1


def test_nssm_settings_live_in_the_registry(sim_inventory: Callable, deploy: Callable,
                                            tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    host.write_file(r"C:\tools\nssm.exe", b"nssm\nNSSM 2.24\n")
    worker = program(tmp_path, "worker.exe", "listen=8082")
    params = {"name": "orders", "mode": "nssm", "src": worker,
              "version": "1.0.0", "root": ROOT, "nssm_exe": r"C:\tools\nssm.exe",
              "arguments": ["--queue", "reports"], "health_check": {"tcp_port": 8082}}
    res = deploy(inv, **params)
    assert res.changed and res["health"]["ok"] is True
    parameters = KEY + r"\Parameters"
    assert host.reg(parameters, "Application")["value"] == ROOT + r"\current\worker.exe"
    assert host.reg(parameters, "AppParameters")["value"] == "--queue reports"
    assert op(host, "service.get", name="orders")["path"] == r'"C:\tools\nssm.exe"'
    again = deploy(inv, **params)
    assert not again.changed and again["round_trips"] == 1


def test_check_mode_bad_input_and_absent(sim_inventory: Callable, deploy: Callable,
                                         tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    v1 = program(tmp_path, "orders.exe", "listen=8080")
    checked = deploy(inv, check=True, **native(v1, "1.0.0"))
    assert checked.changed and "service: created" in checked["changes"]
    assert op(host, "service.get", name="orders")["exists"] is False
    before = int(host.stats()["round_trips"])
    bad = deploy(inv, ok=False, **native(v1, "1.0.0", account=r"CORP\svc-api$",
                                         password="nope"))
    assert bad.failed and "password" in bad.msg
    assert int(host.stats()["round_trips"]) == before
    deploy(inv, **native(v1, "1.0.0"))
    gone = deploy(inv, name="orders", state="absent", event_log_source="orders")
    assert gone.changed and op(host, "service.get", name="orders")["exists"] is False
    events = r"HKLM:\SYSTEM\CurrentControlSet\Services\EventLog\Application\orders"
    assert host.reg(events, "TypesSupported") is None
    assert not deploy(inv, name="orders", state="absent").changed


MODES = {
    "native": {},
    "winsw": {"mode": "winsw", "winsw_exe": r"C:\tools\WinSW-x64.exe"},
    "nssm": {"mode": "nssm", "nssm_exe": r"C:\tools\nssm.exe"},
}


@pytest.mark.parametrize("mode", list(MODES))
def test_config_and_account_changes(sim_inventory: Callable, deploy: Callable,
                                    tmp_path: Path, mode: str) -> None:
    inv = sim_inventory({"win-01": {"ansible_winsim_accounts": ["svc-orders"]}})
    host = SimHost(str(inv.root("win-01")), accounts=["svc-orders"])
    host.write_file(r"C:\tools\WinSW-x64.exe", b"winsw\nWinSW 2.12.0\n")
    host.write_file(r"C:\tools\nssm.exe", b"nssm\nNSSM 2.24\n")
    v1 = program(tmp_path, "orders.exe", "listen=8080")
    extra = MODES[mode]
    deploy(inv, **native(v1, "1.0.0", **extra))
    settings = {"description": "Orders API", "start_mode": "delayed",
                "recovery": {"actions": [{"type": "restart", "delay_ms": 5000}],
                             "reset_period": 3600}}
    changed = deploy(inv, diff=True, **native(v1, "1.0.0", **extra, **settings))
    assert changed.changed and "service: restarted" in changed["changes"]
    assert "service: description, recovery, start_mode" in changed["changes"]
    assert changed.diff["before"]["start_mode"] == "auto"
    assert changed.diff["after"]["start_mode"] == "delayed"
    svc = op(host, "service.get", name="orders")
    assert svc["start_mode"] == "delayed" and svc["state"] == "running"
    assert host.reg(KEY, "Description")["value"] == "Orders API"
    assert host.reg(KEY, "FailureActions") is not None
    user = deploy(inv, **native(v1, "1.0.0", account=r".\svc-orders", password="S3rvice-pw",
                                **extra, **settings))
    assert user.changed and "service: account" in user["changes"]
    assert "SeServiceLogonRight: granted to .\\svc-orders" in user["changes"]
    assert user["status"] == "running" and user["health"]["ok"] is True
    assert op(host, "service.get", name="orders")["account"].lower().endswith("svc-orders")
    assert host.service_password_matches("orders", "S3rvice-pw")
    assert "S3rvice-pw" not in repr(user.result)
    again = deploy(inv, **native(v1, "1.0.0", account=r".\svc-orders", password="S3rvice-pw",
                                 **extra, **settings))
    assert not again.changed and again["round_trips"] == 1


def test_missing_binary_creates_nothing(sim_inventory: Callable, deploy: Callable) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    res = deploy(inv, ok=False, name="orders", binary=r"C:\build\nope.exe", root=ROOT)
    assert int(host.stats()["round_trips"]) == 1  # the read; nothing was written
    assert res.failed and res.msg == r"binary C:\build\nope.exe does not exist on the host"
    assert op(host, "service.get", name="orders")["exists"] is False
    assert not op(host, "file.stat", path=ROOT)["exists"]


def test_winsw_exe_pushed_from_the_controller(sim_inventory: Callable, deploy: Callable,
                                              tmp_path: Path) -> None:
    inv = sim_inventory(["win-01"])
    host = SimHost(str(inv.root("win-01")))
    wrapper = tmp_path / "WinSW-x64.exe"
    wrapper.write_bytes(b"winsw\nWinSW 2.12.0\n")
    params = {"name": "orders", "mode": "winsw", "version": "1.0.0", "root": ROOT,
              "src": program(tmp_path, "worker.exe", "listen=8083"),
              "winsw_src": str(wrapper), "health_check": {"tcp_port": 8083}}
    res = deploy(inv, **params)
    assert res.changed and res["health"]["ok"] is True
    assert host.read_file(ROOT + r"\orders.exe") == wrapper.read_bytes()
    assert not deploy(inv, **params).changed
    wrapper.write_bytes(b"winsw\nWinSW 2.12.1\n")
    upgraded = deploy(inv, **params)
    assert upgraded.changed and "service: restarted" in upgraded["changes"]
    assert host.read_file(ROOT + r"\orders.exe") == wrapper.read_bytes()
    assert upgraded["status"] == "running"
