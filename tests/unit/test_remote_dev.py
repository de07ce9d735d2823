"""win_remote_dev's pure parts: option checks, release checks, reads, planning, report."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import remote_dev
from ansible_collections.winops.golang.plugins.module_utils.remote_dev import (
    check_build,
    plan,
    resolve,
)

SSH = "OpenSSH.Server~~~~0.0.1.0"
WSL = "Microsoft-Windows-Subsystem-Linux"
VMP = "VirtualMachinePlatform"


def desired(**given: Any) -> remote_dev.Desired:
    base = {"openssh_server": None, "sshd_start_mode": "auto", "wsl": None,
            "virtual_machine_platform": None, "source": None}
    base.update(given)
    return resolve(base)


def state(sshd: dict[str, Any] | None = None, **states: str) -> dict[str, Any]:
    return {"build": 20348, "states": dict(states), "sshd": sshd}


def ops_of(result: remote_dev.Plan) -> list[tuple[str, str, dict[str, Any]]]:
    return result.ops


# -- options -------------------------------------------------------------------------


def test_nothing_given_reads_and_writes_nothing() -> None:
    want = desired()
    assert want.items == {}
    assert remote_dev.read_ops(want, need_facts=False) == []
    assert plan(want, state(), 20348).ops == []


def test_source_must_be_an_absolute_windows_path() -> None:
    assert desired(source="d:/fod/").source == r"d:\fod"
    assert desired(source=r"\\fs01\fod").source == r"\\fs01\fod"
    with pytest.raises(ValueError, match="not absolute"):
        desired(source="fod")
    with pytest.raises(ValueError, match="UNC share"):
        desired(source=r"C:\fod\..\x")


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError, match="present or absent"):
        desired(wsl="enabled")
    with pytest.raises(ValueError, match="sshd_start_mode"):
        desired(openssh_server="present", sshd_start_mode="automatic")


# -- release checks --------------------------------------------------------------------


def test_wsl2_on_server_2019_is_refused_with_the_reason() -> None:
    want = desired(wsl="present", virtual_machine_platform="present")
    with pytest.raises(ValueError) as err:
        check_build(want, 17763)
    text = str(err.value)
    assert "VirtualMachinePlatform feature does not exist before build 18362" in text
    assert "Windows Server 2019 (build 17763)" in text and "WSL 2" in text
    assert "wsl=present" in text  # what to do instead
    check_build(desired(wsl="present"), 17763)  # WSL 1 is fine there
    check_build(want, 20348)


def test_server_2016_refuses_openssh_and_wsl() -> None:
    with pytest.raises(ValueError) as err:
        check_build(desired(openssh_server="present", wsl="present"), 14393)
    text = str(err.value)
    assert "Windows Server 2016 (build 14393) has no OpenSSH Server capability" in text
    assert "wsl=present" in text
    # Asking for absence of what does not exist is not an error.
    check_build(desired(openssh_server="absent", virtual_machine_platform="absent"), 14393)


def test_unknown_build_defers_the_check() -> None:
    check_build(desired(virtual_machine_platform="present"), None)


def test_unknown_feature_present_fails_before_writing() -> None:
    want = desired(virtual_machine_platform="present")
    with pytest.raises(ValueError, match="does not offer the optional feature "
                                         "VirtualMachinePlatform"):
        plan(want, state(virtual_machine_platform="unknown"), 30000)


def test_facts_build() -> None:
    assert remote_dev.facts_build({"os": {"build": "20348"}}) == 20348
    assert remote_dev.facts_build({"os": {}}) is None
    assert remote_dev.facts_build(None) is None
    assert remote_dev.facts_build({"os": {"build": "x"}}) is None


# -- reads -----------------------------------------------------------------------------


def test_read_ops_only_what_is_managed() -> None:
    ops = remote_dev.read_ops(desired(wsl="present"), need_facts=True)
    assert [(label, op) for label, op, _args in ops] == [
        ("facts", "facts.get"), ("optional_feature", "feature.get")]
    ops = remote_dev.read_ops(desired(openssh_server="present", wsl="absent",
                                      virtual_machine_platform="absent"), need_facts=False)
    assert ops == [
        ("optional_feature", "feature.get", {"kind": "optional_feature", "names": [WSL, VMP]}),
        ("capability", "feature.get", {"kind": "capability", "names": [SSH]}),
        ("sshd", "service.get", {"name": "sshd"}),
    ]


def test_parse_reads() -> None:
    want = desired(openssh_server="present", wsl="present")
    got = remote_dev.parse_reads(want, {
        "facts": {"os": {"build": 17763}, "reboot_pending": {"pending": False}},
        "optional_feature": {"features": {WSL: "disabled"}},
        "capability": {"features": {SSH: "not_present"}},
        "sshd": {"exists": False, "name": "sshd"},
    })
    assert got["build"] == 17763
    assert got["states"] == {"openssh_server": "not_present", "wsl": "disabled"}
    assert got["sshd"] == {"exists": False, "start_mode": None, "state": None}


# -- planning --------------------------------------------------------------------------


def test_fresh_openssh_install_configures_and_starts_sshd() -> None:
    want = desired(openssh_server="present")
    result = plan(want, state(openssh_server="not_present"), 20348)
    assert ops_of(result) == [
        ("openssh_server", "feature.set",
         {"kind": "capability", "name": SSH, "state": "installed"}),
        ("sshd_mode", "service.set", {"name": "sshd", "start_mode": "auto"}),
        ("sshd_start", "service.control", {"name": "sshd", "state": "started"}),
    ]
    assert result.after == {"openssh_server": "installed"}
    assert result.sshd_after == {"exists": True, "start_mode": "auto", "state": "running"}


def test_manual_start_mode_does_not_start() -> None:
    want = desired(openssh_server="present", sshd_start_mode="manual")
    result = plan(want, state(openssh_server="not_present"), 20348)
    assert [op for _label, op, _args in result.ops] == ["feature.set"]


def test_preinstalled_openssh_on_2025_only_turns_sshd_on() -> None:
    want = desired(openssh_server="present", sshd_start_mode="delayed")
    sshd = {"exists": True, "start_mode": "disabled", "state": "stopped"}
    result = plan(want, state(sshd, openssh_server="installed"), 26100)
    # The start mode comes first: a disabled service cannot be started.
    assert [label for label, _op, _args in result.ops] == ["sshd_mode", "sshd_start"]


def test_converged_host_plans_nothing() -> None:
    want = desired(openssh_server="present", wsl="present", virtual_machine_platform="present")
    sshd = {"exists": True, "start_mode": "auto", "state": "running"}
    host = state(sshd, openssh_server="installed", wsl="enabled",
                 virtual_machine_platform="enable_pending")
    result = plan(want, host, 20348)
    assert result.ops == []
    out = remote_dev.report(want, host, result, set(), diff=False)
    assert out["changed"] is False
    # Still waiting for the reboot an earlier run asked for.
    assert out["reboot_required"] is True


def test_features_with_source_and_predicted_pending_state() -> None:
    want = desired(wsl="present", virtual_machine_platform="present", source=r"\\fs\sxs")
    result = plan(want, state(wsl="disabled", virtual_machine_platform="disabled"), 20348)
    assert ops_of(result) == [
        ("wsl", "feature.set", {"kind": "optional_feature", "name": WSL, "state": "enabled",
                                "source": r"\\fs\sxs"}),
        ("virtual_machine_platform", "feature.set",
         {"kind": "optional_feature", "name": VMP, "state": "enabled", "source": r"\\fs\sxs"}),
    ]
    out = remote_dev.report(want, state(wsl="disabled", virtual_machine_platform="disabled"),
                            result, {"wsl", "virtual_machine_platform"}, diff=True)
    assert out["reboot_required"] is True
    assert out["features"][WSL] == {"option": "wsl", "kind": "optional_feature",
                                    "before": "disabled", "after": "enable_pending",
                                    "changed": True}
    assert out["diff"] == {"before": {"wsl": "disabled", "virtual_machine_platform": "disabled"},
                           "after": {"wsl": "enable_pending",
                                     "virtual_machine_platform": "enable_pending"}}


def test_absent_stops_sshd_then_removes_without_source() -> None:
    want = desired(openssh_server="absent", source=r"C:\fod")
    sshd = {"exists": True, "start_mode": "auto", "state": "running"}
    result = plan(want, state(sshd, openssh_server="installed"), 20348)
    assert ops_of(result) == [
        ("sshd_stop", "service.control", {"name": "sshd", "state": "stopped"}),
        ("openssh_server", "feature.set",
         {"kind": "capability", "name": SSH, "state": "absent"}),
    ]
    assert result.sshd_after == {"exists": False, "start_mode": None, "state": None}


def test_absent_when_already_absent_or_unknown() -> None:
    want = desired(openssh_server="absent", wsl="absent")
    for states in ({"openssh_server": "not_present", "wsl": "disabled"},
                   {"openssh_server": "unknown", "wsl": "unknown"},
                   {"openssh_server": "uninstall_pending", "wsl": "removed"}):
        assert plan(want, state(**states), 14393).ops == []


def test_apply_results_take_the_hosts_word() -> None:
    want = desired(openssh_server="present", wsl="present")
    result = plan(want, state(openssh_server="not_present", wsl="disabled"), 20348)
    changed = remote_dev.apply_results(result, {
        "openssh_server": {"changed": True, "after": "installed"},
        "sshd_mode": {"changed": True, "after": {"start_mode": "auto"}},
        "sshd_start": {"changed": True, "after": "running"},
        # Windows finished this one at once, with no restart.
        "wsl": {"changed": True, "after": "enabled", "restart_needed": False},
    })
    assert changed == {"openssh_server", "sshd_mode", "sshd_start", "wsl"}
    out = remote_dev.report(want, state(openssh_server="not_present", wsl="disabled"),
                            result, changed, diff=True)
    assert out["reboot_required"] is False
    assert out["sshd"] == {"exists": True, "start_mode": "auto", "state": "running"}
    assert out["diff"]["before"]["sshd"] is None
    assert out["diff"]["after"]["sshd"] == {"start_mode": "auto", "state": "running"}
