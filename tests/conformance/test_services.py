"""Conformance: service.get, service.set and service.control.

On a real host the reads and check mode run against the WMI service
(``Winmgmt``, present and running on every Windows Server); changes run on the
simulated host only.
"""

from __future__ import annotations

import base64
import json
import os

import pytest

from ansible_collections.winops.golang.plugins.module_utils import service_recovery as recov
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.model import Model
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.ops_services import (
    service_password_matches,
)

from .targets import Target

pytestmark = pytest.mark.conformance

ALWAYS_THERE = "Winmgmt"
SERVICE = "WinopsConfSvc"
KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\WinopsConfSvc"


def sim_service(target: Target, start_type: str = "manual", state: str = "stopped") -> SimHost:
    """A service of our own on the simulated host (skips on a real one)."""
    if target.sim is None:
        pytest.skip("changes a service; simulated host only")
    target.sim.add_service(SERVICE, r"C:\winops-conformance\svc.exe", state=state,
                           start_type=start_type)
    return target.sim


def test_service_get_shape(target: Target) -> None:
    if target.sim is not None:
        target.sim.add_service(ALWAYS_THERE, r"C:\Windows\system32\svchost.exe")
    got = target.one("service.get", name=ALWAYS_THERE.lower())
    assert got["changed"] is False and got["exists"] is True
    assert got["name"] == ALWAYS_THERE
    assert got["start_mode"] in ("auto", "delayed", "manual", "disabled")
    assert got["state"] == "running"
    assert got["display_name"] and got["account"] and got["path"]


def test_missing_service(target: Target) -> None:
    got = target.one("service.get", name="WinopsNoSuchService")
    assert got == {"op": "service.get", "changed": False, "exists": False,
                   "name": "WinopsNoSuchService"}
    res = target.one("service.set", check_mode=True, name="WinopsNoSuchService",
                     start_mode="auto")
    assert res["failed"] is True and res["code"] == "not_found" and "1060" in res["message"]
    res = target.one("service.control", check_mode=True, name="WinopsNoSuchService",
                     state="started")
    assert res["failed"] is True and res["code"] == "not_found"


def test_check_mode_writes_nothing(target: Target) -> None:
    if target.sim is not None:
        target.sim.add_service(ALWAYS_THERE, r"C:\Windows\system32\svchost.exe")
    mode = target.one("service.get", name=ALWAYS_THERE)["start_mode"]
    other = "manual" if mode != "manual" else "auto"
    res = target.one("service.set", check_mode=True, name=ALWAYS_THERE, start_mode=other)
    assert res["changed"] is True
    assert res["before"] == {"start_mode": mode} and res["after"] == {"start_mode": other}
    res = target.one("service.control", check_mode=True, name=ALWAYS_THERE, state="stopped")
    assert (res["changed"], res["before"], res["after"]) == (True, "running", "stopped")
    got = target.one("service.get", name=ALWAYS_THERE)
    assert got["start_mode"] == mode and got["state"] == "running"


@pytest.mark.parametrize(("mode", "start", "delayed"), [
    ("auto", 2, 0), ("delayed", 2, 1), ("disabled", 4, None),
])
def test_set_start_mode_then_reapply(target: Target, mode: str, start: int,
                                     delayed: int | None) -> None:
    sim = sim_service(target)
    res = target.one("service.set", name=SERVICE, start_mode=mode)
    assert res == {"op": "service.set", "changed": True, "before": {"start_mode": "manual"},
                   "after": {"start_mode": mode}}
    assert target.one("service.get", name=SERVICE)["start_mode"] == mode
    # The SCM keeps the configuration in the service's key.
    assert sim.reg(KEY, "Start") == {"type": "REG_DWORD", "value": start}
    flag = sim.reg(KEY, "DelayedAutostart")
    assert (flag["value"] if flag else None) == delayed
    again = target.one("service.set", name=SERVICE, start_mode=mode)
    assert again["changed"] is False


def test_delayed_back_to_auto_clears_the_flag(target: Target) -> None:
    sim = sim_service(target, start_type="delayed")
    assert target.one("service.get", name=SERVICE)["start_mode"] == "delayed"
    res = target.one("service.set", name=SERVICE, start_mode="auto")
    assert res["before"] == {"start_mode": "delayed"} and res["changed"] is True
    assert sim.reg(KEY, "DelayedAutostart") == {"type": "REG_DWORD", "value": 0}


def test_start_stop_then_reapply(target: Target) -> None:
    sim_service(target)
    res = target.one("service.control", name=SERVICE, state="started")
    assert res == {"op": "service.control", "changed": True, "before": "stopped",
                   "after": "running"}
    assert target.one("service.get", name=SERVICE)["state"] == "running"
    assert target.one("service.control", name=SERVICE, state="started")["changed"] is False
    res = target.one("service.control", name=SERVICE, state="stopped")
    assert (res["changed"], res["after"]) == (True, "stopped")
    # Control never touches the start mode.
    assert target.one("service.get", name=SERVICE)["start_mode"] == "manual"


def test_disabled_service_cannot_be_started(target: Target) -> None:
    sim_service(target, start_type="disabled")
    for check in (True, False):
        res = target.one("service.control", check_mode=check, name=SERVICE, state="started")
        assert res["failed"] is True and res["code"] == "error"
        assert "1058" in res["message"] and "disabled" in res["message"]
    assert target.one("service.get", name=SERVICE)["state"] == "stopped"
    # Set the start mode first, in the same batch: then it starts.
    raw = target.run([
        {"op": "service.set", "args": {"name": SERVICE, "start_mode": "auto"}},
        {"op": "service.control", "args": {"name": SERVICE, "state": "started"}},
    ])
    assert raw["failed_op"] is None and raw["results"][1]["after"] == "running"


def test_reboot_starts_auto_and_delayed_services(target: Target) -> None:
    sim = sim_service(target, start_type="delayed")
    sim.add_service("WinopsManualSvc", r"C:\winops-conformance\m.exe", state="stopped",
                    start_type="manual")
    sim.reboot()
    assert target.one("service.get", name=SERVICE)["state"] == "running"
    assert target.one("service.get", name="WinopsManualSvc")["state"] == "stopped"


def test_start_failure_fault(target: Target) -> None:
    sim = sim_service(target)
    sim.inject_fault("service_start_fails", path="SERVICE:\\" + SERVICE)
    res = target.one("service.control", name=SERVICE, state="started")
    assert res["failed"] is True and "1053" in res["message"]
    assert target.one("service.get", name=SERVICE)["state"] == "stopped"


@pytest.mark.parametrize(("op", "args", "why"), [
    ("service.set", {"name": SERVICE, "start_mode": "automatic"}, "unknown start mode"),
    ("service.set", {"name": SERVICE, "recovery": {"actions": [{"type": "explode"}]}},
     "unknown failure action"),
    ("service.set", {"name": SERVICE, "account": "LocalSystem", "password": "x"},
     "a password for LocalSystem"),
    ("service.create", {"name": SERVICE, "path": "C:\\x.exe"}, "display_name missing"),
    ("service.create", {"name": SERVICE, "path": "C:\\x.exe", "display_name": "x",
                        "start_mode": "boot"}, "a driver start mode"),
    ("service.control", {"name": SERVICE, "state": "started", "timeout": 0}, "zero timeout"),
    ("service.remove", {"name": SERVICE, "timeout": "soon"}, "timeout not a number"),
    ("service.control", {"name": SERVICE, "state": "restarted"}, "unknown state"),
    ("service.control", {"name": SERVICE}, "state missing"),
    ("service.get", {"name": "a\\b"}, "separator in the name"),
    ("service.get", {}, "name missing"),
])
def test_bad_arguments_are_invalid(target: Target, op: str, args: dict, why: str) -> None:
    res = target.one(op, check_mode=True, **args)
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why


# -- lifecycle: service.create, service.set (more fields), service.remove -------------

NEW = "WinopsConfNew"
NEW_KEY = r"HKLM:\SYSTEM\CurrentControlSet\Services\WinopsConfNew"
APP_DIR = r"C:\winops-conformance\app"
APP_EXE = APP_DIR + r"\app.exe"
IMAGE = f'"{APP_EXE}" --config "C:\\winops-conformance\\app\\app.yml"'
SECRET = "S3cret-never-shown"


def sim_only(target: Target) -> SimHost:
    """The simulated host (skips on a real one: these tests install services)."""
    if target.sim is None:
        pytest.skip("installs and changes services; simulated host only")
    return target.sim


def program(sim: SimHost, path: str, *lines: str) -> None:
    """Write a simulated program whose lines say how it behaves (service_programs)."""
    sim.write_file(path, ("\r\n".join(["MZ fake program", *lines]) + "\r\n").encode())


def model_of(sim: SimHost) -> Model:
    """The simulated host's model as stored (for what no op returns)."""
    return Model.load(os.path.join(sim.root, "model.json"))


def create(target: Target, check_mode: bool = False, **extra: object) -> dict:
    args = {"name": NEW, "path": IMAGE, "display_name": "Winops conformance app",
            "start_mode": "manual", **extra}
    return target.one("service.create", check_mode=check_mode, **args)


def no_secret(*results: object) -> None:
    """No result anywhere carries the password."""
    for res in results:
        assert SECRET not in json.dumps(res)


def test_create_check_mode_then_apply_then_exists(target: Target) -> None:
    sim = sim_only(target)
    res = create(target, check_mode=True, description="An app", dependencies=["Tcpip"])
    assert res["changed"] is True and res["before"] is None
    assert res["after"] == {"exists": True, "name": NEW, "display_name": "Winops conformance app",
                            "start_mode": "manual", "state": "stopped", "account": "LocalSystem",
                            "path": IMAGE}
    assert target.one("service.get", name=NEW)["exists"] is False
    res = create(target, description="An app", dependencies=["Tcpip"])
    assert res["changed"] is True
    got = target.one("service.get", name=NEW)
    assert {k: got[k] for k in res["after"]} == res["after"]
    # The SCM keeps the command line exactly as given, and the rest in the key.
    assert sim.reg(NEW_KEY, "ImagePath") == {"type": "REG_EXPAND_SZ", "value": IMAGE}
    assert sim.reg(NEW_KEY, "DisplayName")["value"] == "Winops conformance app"
    assert sim.reg(NEW_KEY, "Description")["value"] == "An app"
    assert sim.reg(NEW_KEY, "ObjectName")["value"] == "LocalSystem"
    assert sim.reg(NEW_KEY, "DependOnService") == {"type": "REG_MULTI_SZ", "value": ["Tcpip"]}
    assert sim.reg(NEW_KEY, "Start") == {"type": "REG_DWORD", "value": 3}
    again = create(target)
    assert again["failed"] is True and again["code"] == "exists" and "1073" in again["message"]
    other = target.one("service.create", name="WinopsConfOther", path=IMAGE,
                       display_name="winops CONFORMANCE app")
    assert other["failed"] is True and other["code"] == "exists" and "1078" in other["message"]


@pytest.mark.parametrize(("account", "stored"), [
    ("NT AUTHORITY\\LocalService", "NT AUTHORITY\\LocalService"),
    ("NetworkService", "NT AUTHORITY\\NetworkService"),
    ("NT SERVICE\\WinopsConfNew", "NT SERVICE\\WinopsConfNew"),
])
def test_create_with_builtin_and_virtual_accounts(target: Target, account: str,
                                                  stored: str) -> None:
    sim = sim_only(target)
    res = create(target, account=account, start_mode="delayed")
    assert res["after"]["account"] == stored and res["after"]["start_mode"] == "delayed"
    assert sim.reg(NEW_KEY, "ObjectName")["value"] == stored
    assert sim.reg(NEW_KEY, "DelayedAutostart")["value"] == 1


def test_create_with_a_user_account_keeps_the_password_private(target: Target) -> None:
    sim = sim_only(target)
    SimHost(sim.root, accounts=["gobuild"])
    res = create(target, account=".\\gobuild", password=SECRET)
    assert res["after"]["account"] == ".\\gobuild"
    got = target.one("service.get", name=NEW)
    no_secret(res, got)
    assert service_password_matches(model_of(sim), NEW, SECRET)
    assert SECRET not in json.dumps(sim.op_log())


@pytest.mark.parametrize(("extra", "code", "text"), [
    ({"account": ".\\nobody", "password": SECRET}, "not_found", "1057"),
    ({"account": "CORP\\svc-go", "password": SECRET}, "not_found", "1057"),
    ({"account": "CORP\\gmsa-go$"}, "not_found", "1057"),
    ({"account": "LocalSystem", "password": SECRET}, "invalid_argument", "no password"),
    ({"password": SECRET}, "invalid_argument", "no password"),
    ({"account": ".\\Administrator"}, "invalid_argument", "needs a password"),
    ({"account": "NT SERVICE\\SomeOtherService"}, "invalid_argument", "own virtual account"),
    ({"dependencies": [NEW]}, "invalid_argument", "1059"),
])
def test_create_refuses_bad_accounts(target: Target, extra: dict, code: str, text: str) -> None:
    sim_only(target)
    for check in (True, False):
        res = create(target, check_mode=check, **extra)
        assert res["failed"] is True and res["code"] == code and text in res["message"]
        no_secret(res)
    assert target.one("service.get", name=NEW)["exists"] is False


def test_domain_accounts_on_a_joined_host(target: Target) -> None:
    sim = sim_only(target)
    sim.set_reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\Tcpip\Parameters", "Domain",
                "REG_SZ", "corp.example.com")
    res = create(target, account="CORP\\gmsa-go$")
    assert res["changed"] is True and res["after"]["account"] == "CORP\\gmsa-go$"


def test_set_fields_check_apply_reapply(target: Target) -> None:
    sim = sim_only(target)
    create(target)
    SimHost(sim.root, accounts=["gobuild"])
    new_image = f'"{APP_DIR}\\v2\\app.exe" --port 9090'
    wanted = {"path": new_image, "display_name": "Winops app v2", "description": "Second",
              "dependencies": ["Tcpip", "Dnscache"], "account": ".\\gobuild",
              "start_mode": "auto"}
    res = target.one("service.set", check_mode=True, name=NEW, password=SECRET, **wanted)
    assert res["changed"] is True
    assert res["before"] == {"path": IMAGE, "display_name": "Winops conformance app",
                             "description": "", "dependencies": [], "account": "LocalSystem",
                             "start_mode": "manual"}
    assert res["after"] == wanted
    no_secret(res)
    assert sim.reg(NEW_KEY, "ImagePath")["value"] == IMAGE
    res = target.one("service.set", name=NEW, password=SECRET, **wanted)
    assert res["changed"] is True and res["after"] == wanted
    no_secret(res)
    assert sim.reg(NEW_KEY, "ImagePath") == {"type": "REG_EXPAND_SZ", "value": new_image}
    assert sim.reg(NEW_KEY, "ObjectName")["value"] == ".\\gobuild"
    assert sim.reg(NEW_KEY, "DependOnService")["value"] == ["Tcpip", "Dnscache"]
    assert sim.reg(NEW_KEY, "Description")["value"] == "Second"
    assert service_password_matches(model_of(sim), NEW, SECRET)
    # Same values (dependencies in another order and case, the account as HOST\user):
    # nothing to do.
    again = {**wanted, "dependencies": ["dnscache", "TCPIP"], "account": "WINCONF01\\gobuild"}
    res = target.one("service.set", name=NEW, **again)
    assert res["changed"] is False and res["after"] == res["before"]
    # A password alone is always applied, never compared or shown.
    res = target.one("service.set", name=NEW, password="another-one")
    assert res == {"op": "service.set", "changed": True, "before": {}, "after": {}}
    assert service_password_matches(model_of(sim), NEW, "another-one")
    # Only the fields given are reported.
    res = target.one("service.set", name=NEW, description="")
    assert res["before"] == {"description": "Second"} and res["after"] == {"description": ""}
    assert sim.reg(NEW_KEY, "Description") is None


def test_set_refuses_a_password_for_a_builtin_account(target: Target) -> None:
    sim_only(target)
    create(target)
    res = target.one("service.set", name=NEW, password=SECRET)
    assert res["failed"] is True and res["code"] == "invalid_argument"
    no_secret(res)
    res = target.one("service.set", name=NEW, account=".\\nobody", password=SECRET)
    assert res["failed"] is True and res["code"] == "not_found" and "1057" in res["message"]


def test_set_recovery_writes_the_scm_values(target: Target) -> None:
    sim = sim_only(target)
    create(target)
    recovery = {"reset_period": 3600,
                "actions": [{"type": "restart", "delay_ms": 5000},
                            {"type": "restart", "delay_ms": 30000},
                            {"type": "run_command", "delay_ms": 60000}],
                "command": "C:\\tools\\notify.cmd", "reboot_message": None,
                "failure_actions_on_non_crash": True}
    res = target.one("service.set", check_mode=True, name=NEW, recovery=recovery)
    assert res["changed"] is True
    assert res["before"]["recovery"]["actions"] == []
    assert res["after"]["recovery"] == recovery
    assert sim.reg(NEW_KEY, "FailureActions") is None
    res = target.one("service.set", name=NEW, recovery=recovery)
    assert res["changed"] is True
    blob = recov.pack_failure_actions(recov.parse_recovery(recovery))
    assert sim.reg(NEW_KEY, "FailureActions") == {"type": "REG_BINARY", "value": blob.hex()}
    assert sim.reg(NEW_KEY, "FailureCommand")["value"] == "C:\\tools\\notify.cmd"
    assert sim.reg(NEW_KEY, "FailureActionsOnNonCrashFailures")["value"] == 1
    again = target.one("service.set", name=NEW, recovery=recovery)
    assert again["changed"] is False and again["after"] == again["before"]
    res = target.one("service.set", name=NEW, recovery={"actions": []})
    assert res["changed"] is True
    assert sim.reg(NEW_KEY, "FailureActions") is None
    assert sim.reg(NEW_KEY, "FailureCommand") is None
    assert sim.reg(NEW_KEY, "FailureActionsOnNonCrashFailures")["value"] == 0


def test_remove_stops_then_deletes(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE, "listen=18080")
    create(target)
    assert target.one("service.control", name=NEW, state="started")["after"] == "running"
    assert "18080" in model_of(sim).data["listeners"]
    res = target.one("service.remove", check_mode=True, name=NEW)
    assert res["changed"] is True and res["before"]["state"] == "running"
    assert res["after"] is None
    assert target.one("service.get", name=NEW)["state"] == "running"
    res = target.one("service.remove", name=NEW, timeout=10)
    assert res["changed"] is True and res["before"]["name"] == NEW
    assert target.one("service.get", name=NEW)["exists"] is False
    assert sim.reg(NEW_KEY, "ImagePath") is None
    assert "18080" not in model_of(sim).data["listeners"]
    # The program file is free again.
    assert target.one("file.remove", path=APP_EXE)["changed"] is True
    res = target.one("service.remove", name=NEW)
    assert res == {"op": "service.remove", "changed": False, "before": None, "after": None}


def test_restart_is_stop_then_start_in_one_batch(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE)
    create(target)
    target.one("service.control", name=NEW, state="started", timeout=5)
    raw = target.run([
        {"op": "service.control", "args": {"name": NEW, "state": "stopped", "timeout": 5}},
        {"op": "service.control", "args": {"name": NEW, "state": "started", "timeout": 5}},
    ])
    assert raw["failed_op"] is None
    assert [r["after"] for r in raw["results"]] == ["stopped", "running"]


# -- what the simulated service runs ---------------------------------------------------


def start(target: Target, name: str = NEW) -> dict:
    return target.one("service.control", name=name, state="started")


def test_program_listens_and_answers(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE, "listen=18081", "http_status=503")
    create(target)
    assert start(target)["after"] == "running"
    listeners = model_of(sim).data["listeners"]
    assert listeners == {"18081": {"service": NEW, "http_status": 503}}
    target.one("service.control", name=NEW, state="stopped")
    assert model_of(sim).data["listeners"] == {}


def test_program_that_never_starts(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE, "listen=18082", "start=fail")
    create(target)
    res = start(target)
    assert res["failed"] is True and res["code"] == "timeout" and "1053" in res["message"]
    assert target.one("service.get", name=NEW)["state"] == "stopped"
    assert model_of(sim).data.get("listeners", {}) == {}


def test_missing_program_fails_with_error_2(target: Target) -> None:
    sim_only(target)
    create(target)
    res = start(target)
    assert res["failed"] is True and res["code"] == "not_found" and "(2)" in res["message"]
    assert target.one("service.get", name=NEW)["state"] == "stopped"


def test_running_program_is_locked(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE)
    create(target)
    start(target)
    res = target.one("file.write", path=APP_EXE, content_b64=base64.b64encode(b"x").decode())
    assert res["failed"] is True and res["code"] == "in_use"
    target.one("service.control", name=NEW, state="stopped")
    res = target.one("file.write", path=APP_EXE, content_b64=base64.b64encode(b"x").decode())
    assert res["changed"] is True


def test_through_a_current_junction(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_DIR + r"\v1\app.exe", "listen=18083")
    program(sim, APP_DIR + r"\v2\app.exe", "listen=18084")
    target.one("file.junction", path=APP_DIR + r"\current", target=APP_DIR + r"\v1")
    create(target, path=f'"{APP_DIR}\\current\\app.exe" run')
    start(target)
    assert set(model_of(sim).data["listeners"]) == {"18083"}
    # Switching the junction does not move the running process: v1 stays locked.
    target.one("file.junction", path=APP_DIR + r"\current", target=APP_DIR + r"\v2")
    assert target.one("file.remove", path=APP_DIR + r"\v1\app.exe")["code"] == "in_use"
    assert target.one("file.remove", path=APP_DIR + r"\v2\app.exe")["changed"] is True
    program(sim, APP_DIR + r"\v2\app.exe", "listen=18084")
    raw = target.run([
        {"op": "service.control", "args": {"name": NEW, "state": "stopped"}},
        {"op": "service.control", "args": {"name": NEW, "state": "started"}},
    ])
    assert raw["failed_op"] is None
    assert set(model_of(sim).data["listeners"]) == {"18084"}


def test_winsw_wrapper_runs_its_executable(target: Target) -> None:
    sim = sim_only(target)
    wrapper = APP_DIR + r"\WinopsConfNew.exe"
    sim.write_file(wrapper, b"winsw\r\nwrapper\r\n")
    sim.write_file(APP_DIR + r"\WinopsConfNew.xml",
                   b"<service><id>WinopsConfNew</id><executable>%BASE%\\bin\\app.exe"
                   b"</executable></service>")
    program(sim, APP_DIR + r"\bin\app.exe", "listen=18085")
    create(target, path=f'"{wrapper}"')
    assert start(target)["after"] == "running"
    assert model_of(sim).data["listeners"]["18085"]["service"] == NEW
    for held in (wrapper, APP_DIR + r"\bin\app.exe"):
        assert target.one("file.remove", path=held)["code"] == "in_use"


def test_nssm_runs_its_application(target: Target) -> None:
    sim = sim_only(target)
    nssm = r"C:\winops-conformance\nssm\nssm.exe"
    sim.write_file(nssm, b"nssm\r\n")
    program(sim, APP_EXE, "listen=18086")
    create(target, path=f'"{nssm}"')
    res = start(target)
    assert res["failed"] is True and "(2)" in res["message"]
    sim.set_reg(NEW_KEY + r"\Parameters", "Application", "REG_EXPAND_SZ", APP_EXE)
    assert start(target)["after"] == "running"
    assert "18086" in model_of(sim).data["listeners"]
    assert target.one("file.remove", path=APP_EXE)["code"] == "in_use"


def test_reboot_starts_with_the_same_logic(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE, "listen=18087")
    program(sim, APP_DIR + r"\bad.exe", "start=fail")
    create(target, start_mode="auto")
    target.one("service.create", name="WinopsConfBad", path=f'"{APP_DIR}\\bad.exe"',
               display_name="Bad", start_mode="delayed")
    sim.reboot()
    assert target.one("service.get", name=NEW)["state"] == "running"
    assert target.one("service.get", name="WinopsConfBad")["state"] == "stopped"
    assert model_of(sim).data["listeners"] == {"18087": {"service": NEW, "http_status": 200}}


def test_user_account_needs_the_logon_right(target: Target) -> None:
    sim = sim_only(target)
    SimHost(sim.root, accounts=["gobuild"])
    program(sim, APP_EXE)
    create(target, account=".\\gobuild", password=SECRET)
    res = start(target)
    assert res["failed"] is True and "1069" in res["message"]
    no_secret(res)
    assert target.one("lsa.grant", right="SeServiceLogonRight",
                      account=".\\gobuild")["changed"] is True
    assert start(target)["after"] == "running"


def test_dependencies_start_first_and_stop_after(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_EXE)
    program(sim, APP_DIR + r"\base.exe")
    target.one("service.create", name="WinopsConfBase", path=f'"{APP_DIR}\\base.exe"',
               display_name="Base")
    create(target, dependencies=["WinopsConfBase"])
    assert start(target)["after"] == "running"
    assert target.one("service.get", name="WinopsConfBase")["state"] == "running"
    target.one("service.control", name="WinopsConfBase", state="stopped")
    assert target.one("service.get", name=NEW)["state"] == "stopped"
    target.one("service.remove", name="WinopsConfBase")
    res = start(target)
    assert res["failed"] is True and res["code"] == "not_found" and "1075" in res["message"]


def test_new_path_takes_effect_at_the_next_start(target: Target) -> None:
    sim = sim_only(target)
    program(sim, APP_DIR + r"\v1.exe", "listen=18088")
    program(sim, APP_DIR + r"\v2.exe", "listen=18089")
    create(target, path=f'"{APP_DIR}\\v1.exe"')
    start(target)
    res = target.one("service.set", name=NEW, path=f'"{APP_DIR}\\v2.exe"')
    assert res["changed"] is True
    # The running process keeps the old program open and listening.
    assert target.one("file.remove", path=APP_DIR + r"\v1.exe")["code"] == "in_use"
    assert set(model_of(sim).data["listeners"]) == {"18088"}
    target.one("service.control", name=NEW, state="stopped")
    start(target)
    assert set(model_of(sim).data["listeners"]) == {"18089"}
    assert target.one("file.remove", path=APP_DIR + r"\v1.exe")["changed"] is True
