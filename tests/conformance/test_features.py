"""Conformance: feature.get and feature.set.

On a real host only reads, check mode and refusals run: installing a capability
or enabling a feature changes the host for good (and may need a restart).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost

from .targets import Target

pytestmark = pytest.mark.conformance

WSL = "Microsoft-Windows-Subsystem-Linux"
VMP = "VirtualMachinePlatform"
SSH = "OpenSSH.Server~~~~0.0.1.0"
BOGUS = "Winops-No-Such-Feature"
REBOOT_KEY = r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Component Based Servicing"
FEATURE_STATES = {"enabled", "disabled", "enable_pending", "disable_pending", "removed",
                  "unknown"}
CAPABILITY_STATES = {"installed", "not_present", "install_pending", "uninstall_pending",
                     "unknown"}


def only_sim(target: Target) -> SimHost:
    if target.sim is None:
        pytest.skip("changes Windows features for good; simulated host only")
    return target.sim


def host(tmp_path: Path, release: str) -> SimHost:
    return SimHost(str(tmp_path / f"host-{release}"), os_release=release)


def run(sim: SimHost, op: str, check_mode: bool = False, **args: Any) -> dict[str, Any]:
    raw = sim.run_batch({"ops": [{"op": op, "args": args}], "check_mode": check_mode})
    if raw["failed_op"]:
        return {"failed": True, **raw["failed_op"]}
    return raw["results"][0]


def test_feature_get_reports_a_state_per_name(target: Target) -> None:
    got = target.one("feature.get", kind="optional_feature", names=[WSL, VMP, BOGUS])
    assert got["changed"] is False and got["kind"] == "optional_feature"
    assert set(got["features"]) == {WSL, VMP, BOGUS}
    assert set(got["features"].values()) <= FEATURE_STATES
    assert got["features"][BOGUS] == "unknown"
    caps = target.one("feature.get", kind="capability", names=[SSH, BOGUS])
    assert set(caps["features"].values()) <= CAPABILITY_STATES
    assert caps["features"][BOGUS] == "unknown"


def test_check_mode_computes_and_writes_nothing(target: Target) -> None:
    state = target.one("feature.get", kind="capability", names=[SSH])["features"][SSH]
    if state == "unknown":
        pytest.skip("this host does not offer the OpenSSH server capability")
    wanted = "absent" if state == "installed" else "installed"
    res = target.one("feature.set", check_mode=True, kind="capability", name=SSH,
                     state=wanted)
    assert res["changed"] is True and res["before"] == state
    assert res["after"] == ("not_present" if wanted == "absent" else "installed")
    assert res["restart_needed"] is None
    assert target.one("feature.get", kind="capability", names=[SSH])["features"][SSH] == state


def test_unknown_name_is_not_found_and_names_the_os(target: Target) -> None:
    res = target.one("feature.set", kind="optional_feature", name=BOGUS, state="enabled")
    assert res["failed"] is True and res["code"] == "not_found"
    assert BOGUS in res["message"] and "Windows Server" in res["message"]
    res = target.one("feature.set", check_mode=True, kind="capability", name=BOGUS,
                     state="installed")
    assert res["failed"] is True and res["code"] == "not_found"


@pytest.mark.parametrize(("args", "why"), [
    ({"kind": "role", "name": WSL, "state": "enabled"}, "unknown kind"),
    ({"kind": "optional_feature", "name": WSL, "state": "installed"}, "capability state"),
    ({"kind": "capability", "name": SSH, "state": "enabled"}, "feature state"),
    ({"kind": "capability", "name": SSH}, "state missing"),
    ({"kind": "capability", "name": SSH, "state": "installed", "force": True},
     "unknown argument"),
    ({"kind": "capability", "name": SSH, "state": "installed", "source": "fod"},
     "relative source"),
])
def test_bad_arguments_are_invalid(target: Target, args: dict[str, Any], why: str) -> None:
    res = target.one("feature.set", check_mode=True, **args)
    assert res.get("failed") is True, why
    assert res["code"] == "invalid_argument", why


def test_install_capability_then_reapply(target: Target) -> None:
    sim = only_sim(target)
    res = target.one("feature.set", kind="capability", name=SSH.lower(), state="installed")
    assert res == {"op": "feature.set", "changed": True, "name": SSH, "before": "not_present",
                   "after": "installed", "restart_needed": False}
    assert target.one("feature.get", kind="capability", names=[SSH])["features"][SSH] == (
        "installed")
    # The capability brings its service, stopped and started by hand, as on Windows.
    svc = target.one("service.get", name="sshd")
    assert svc["exists"] is True and svc["start_mode"] == "manual"
    assert svc["state"] == "stopped"
    assert sim.reg(r"HKLM:\SYSTEM\CurrentControlSet\Services\sshd", "Start") == {
        "type": "REG_DWORD", "value": 3}
    again = target.one("feature.set", kind="capability", name=SSH, state="installed")
    assert again["changed"] is False and again["restart_needed"] is False
    assert target.one("facts.get")["reboot_pending"]["pending"] is False


def test_remove_capability_removes_its_service(target: Target) -> None:
    only_sim(target)
    target.one("feature.set", kind="capability", name=SSH, state="installed")
    res = target.one("feature.set", kind="capability", name=SSH, state="absent")
    assert (res["changed"], res["before"], res["after"]) == (True, "installed", "not_present")
    assert target.one("service.get", name="sshd")["exists"] is False


def test_enable_feature_is_pending_until_reboot(target: Target) -> None:
    sim = only_sim(target)
    res = target.one("feature.set", kind="optional_feature", name=WSL, state="enabled")
    assert res["changed"] is True and res["before"] == "disabled"
    assert res["after"] == "enable_pending" and res["restart_needed"] is True
    pending = target.one("facts.get")["reboot_pending"]
    assert pending == {"pending": True, "reasons": ["ComponentBasedServicing"]}
    assert "RebootPending" in target.one("reg.get", path=REBOOT_KEY)["subkeys"]
    # Asking again before the reboot changes nothing but still needs the restart.
    again = target.one("feature.set", kind="optional_feature", name=WSL, state="enabled")
    assert again["changed"] is False and again["restart_needed"] is True
    sim.reboot()
    got = target.one("feature.get", kind="optional_feature", names=[WSL])
    assert got["features"][WSL] == "enabled"
    assert target.one("facts.get")["reboot_pending"]["pending"] is False
    done = target.one("feature.set", kind="optional_feature", name=WSL, state="enabled")
    assert done["changed"] is False and done["restart_needed"] is False
    off = target.one("feature.set", kind="optional_feature", name=WSL, state="disabled")
    assert off["after"] == "disable_pending" and off["restart_needed"] is True


def test_access_denied_changes_nothing(sim_target: Target) -> None:
    sim_target.sim.inject_fault("access_denied", path="FEATURE:\\capability")
    res = sim_target.one("feature.set", kind="capability", name=SSH, state="installed")
    assert res["failed"] is True and res["code"] == "access_denied"
    got = sim_target.one("feature.get", kind="capability", names=[SSH])
    assert got["features"][SSH] == "not_present"


def test_air_gapped_install_needs_a_source(sim_target: Target) -> None:
    sim = sim_target.sim
    sim.inject_fault("windows_update_unreachable", times=0)
    res = sim_target.one("feature.set", kind="capability", name=SSH, state="installed")
    assert res["failed"] is True and res["code"] == "not_found"
    assert "0x800f0954" in res["message"] and "source" in res["message"]
    assert sim_target.one("service.get", name="sshd")["exists"] is False
    missing = sim_target.one("feature.set", kind="capability", name=SSH, state="installed",
                             source=r"\\fs01\golang\no-fod-here")
    assert missing["failed"] is True and "0x800f081f" in missing["message"]
    sim.write_file(r"C:\FoD\readme.txt", b"Features on Demand")
    res = sim_target.one("feature.set", kind="capability", name=SSH, state="installed",
                         source=r"C:\FoD")
    assert res["changed"] is True and res["after"] == "installed"


@pytest.mark.parametrize(("release", "optional", "capability"), [
    ("2016", {WSL: "unknown", VMP: "unknown"}, "unknown"),
    ("2019", {WSL: "disabled", VMP: "unknown"}, "not_present"),
    ("2022", {WSL: "disabled", VMP: "disabled"}, "not_present"),
    ("2025", {WSL: "disabled", VMP: "disabled"}, "installed"),
])
def test_what_each_release_offers(sim_target: Target, tmp_path: Path, release: str,
                                  optional: dict[str, str], capability: str) -> None:
    sim = host(tmp_path, release)
    # Server 2025 ships the OpenSSH server: sshd exists, off, before anything asks.
    sshd = run(sim, "service.get", name="sshd")
    assert sshd["exists"] is (release == "2025")
    if release == "2025":
        assert (sshd["start_mode"], sshd["state"]) == ("disabled", "stopped")
    assert run(sim, "feature.get", kind="optional_feature",
               names=[WSL, VMP])["features"] == optional
    assert run(sim, "feature.get", kind="capability", names=[SSH])["features"][SSH] == (
        capability)
    if optional[VMP] == "unknown":
        res = run(sim, "feature.set", kind="optional_feature", name=VMP, state="enabled")
        assert res["failed"] is True and res["code"] == "not_found"
        assert f"Windows Server {release}" in res["message"]
