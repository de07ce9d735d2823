"""Conformance: service.get, service.set and service.control.

On a real host the reads and check mode run against the WMI service
(``Winmgmt``, present and running on every Windows Server); changes run on the
simulated host only.
"""

from __future__ import annotations

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

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
    ("service.set", {"name": SERVICE, "start_mode": "auto", "account": "x"}, "not yet"),
    ("service.control", {"name": SERVICE, "state": "restarted"}, "unknown state"),
    ("service.control", {"name": SERVICE}, "state missing"),
    ("service.get", {"name": "a\\b"}, "separator in the name"),
    ("service.get", {}, "name missing"),
])
def test_bad_arguments_are_invalid(target: Target, op: str, args: dict, why: str) -> None:
    res = target.one(op, check_mode=True, **args)
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why
