"""The security baseline's catalogue: ids, options, selection, namespaced reads."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import baseline, baseline_catalog

ARGS: dict[str, Any] = {
    "toolchain_root": None, "workspace_directories": [r"C:\gopath", "c:/GOPATH"],
    "workspace_accounts": ["svc-gobuild", "SVC-GOBUILD "], "go_binaries": [],
    "mandatory_aslr": False, "signature_paths": [],
    "allowed_signers": ["a" * 40], "services": ["orders"],
    "enforce_service_accounts": False, "logon_right_accounts": [],
    "defender_go_exclusion": False,
}


def test_catalogue_order_and_ids() -> None:
    ids = [c.id for c in baseline_catalog.catalog()]
    assert ids == [i for i in baseline_catalog.CONTROL_IDS if i in ids]
    assert {"execution_policy", "toolchain_acl", "workspace_acl", "winrm"} <= set(ids)
    for control in baseline_catalog.catalog():
        assert control.title and control.source


def test_params_are_checked_and_read_only() -> None:
    params = baseline_catalog.build_params(ARGS)
    assert params["toolchain_root"] == r"C:\Program Files\GoToolchains"
    assert params["workspace_directories"] == (r"C:\gopath",)
    assert params["workspace_accounts"] == ("svc-gobuild",)
    assert params["allowed_signers"] == ("A" * 40,)
    with pytest.raises(TypeError):
        params["mandatory_aslr"] = True  # type: ignore[index]


@pytest.mark.parametrize(("change", "message"), [
    ({"toolchain_root": "GoToolchains"}, "toolchain_root 'GoToolchains' is not absolute"),
    ({"workspace_directories": [r"C:\a\..\b"]}, "must not contain '.' or '..'"),
    ({"allowed_signers": ["1234"]}, "allowed_signers: '1234' is not a certificate thumbprint"),
    ({"workspace_accounts": [" "]}, "workspace_accounts holds an empty account name"),
])
def test_bad_params(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        baseline_catalog.build_params({**ARGS, **change})
    assert message in str(err.value)


def test_select_modes_and_overrides() -> None:
    chosen = baseline_catalog.select("enforce", {"workspace_acl": {"enabled": False},
                                                 "execution_policy": {"mode": "audit"}})
    modes = {s.control.id: s.mode for s in chosen}
    assert "workspace_acl" not in modes
    assert modes["execution_policy"] == "audit"
    assert modes["toolchain_acl"] == "enforce"
    assert modes["winrm"] == "audit"  # only its own entry turns enforce on
    chosen = baseline_catalog.select("audit", {"winrm": {"mode": "enforce"},
                                               "authenticode": {"enabled": "False"}})
    assert {s.control.id: s.mode for s in chosen}["winrm"] == "enforce"
    assert "authenticode" not in {s.control.id for s in chosen}  # a templated boolean


@pytest.mark.parametrize(("overrides", "message"), [
    ({"firewall": {}, "antivirus": {}},
     "controls names unknown controls antivirus, firewall; known: execution_policy, "
     "toolchain_acl, workspace_acl, process_mitigations, authenticode, service_accounts, "
     "winrm, defender_exclusion"),
    ({"winrm": {"enable": False}}, "controls.winrm: unknown key enable (known: enabled, mode)"),
    ({"winrm": {"mode": "fix"}}, "controls.winrm.mode must be one of audit, enforce, not 'fix'"),
    ({"winrm": {"enabled": "maybe"}}, "controls.winrm.enabled must be true or false"),
    ({"winrm": "off"}, "controls.winrm must be a dict with enabled and/or mode"),
])
def test_select_refuses_bad_overrides(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as err:
        baseline_catalog.select("audit", overrides)
    assert str(err.value) == message


def test_reads_are_namespaced_and_split_back() -> None:
    params = baseline_catalog.build_params(ARGS)
    chosen = [s for s in baseline_catalog.select("audit", {})
              if s.control.id in ("execution_policy", "toolchain_acl")]
    reads = baseline_catalog.read_ops(chosen, params)
    assert list(reads) == ["execution_policy:machine_policy", "execution_policy:user_policy",
                           "execution_policy:local_machine", "toolchain_acl:acl"]
    results = [{"n": i} for i in range(len(reads))]
    split = baseline_catalog.split_results(list(reads), results)
    assert split == {"execution_policy": {"machine_policy": {"n": 0}, "user_policy": {"n": 1},
                                          "local_machine": {"n": 2}},
                     "toolchain_acl": {"acl": {"n": 3}}}


def test_finding_status_after_a_fix() -> None:
    control = baseline_catalog.catalog()[0]
    ev = baseline.Evaluation(baseline.NON_COMPLIANT, [], [("reg.set", {})], "m")
    assert baseline.finding(control, "enforce", ev, True).status == "changed"
    assert baseline.finding(control, "audit", ev, False).status == "non_compliant"
