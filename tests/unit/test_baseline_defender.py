"""The defender_exclusion control: go.exe process exclusions on and off, fixes, sim round trip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ansible_collections.winops.golang.plugins.module_utils import baseline_defender as bd
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import evaluate_on, run_ops

C = bd.CONTROL
ROOT = r"C:\Program Files\GoToolchains"
GO = ROOT + r"\current\bin\go.exe"


def params(on: bool, root: str = ROOT) -> dict[str, Any]:
    return {"toolchain_root": root, "defender_go_exclusion": on}


def seen(*process: str, available: bool = True) -> dict[str, Any]:
    return {"defender": {"available": available,
                         "exclusions": {"process": list(process), "path": [ROOT],
                                        "extension": [".go"]}}}


def test_reads_one_defender_get() -> None:
    assert C.reads(params(True)) == {"defender": ("defender.get", {})}


def test_go_exe_path_and_matching() -> None:
    assert bd.go_exe_path(ROOT) == GO
    assert bd.names_go_exe("GO.EXE") and bd.names_go_exe(r"D:\other\go.exe")
    assert bd.names_go_exe("C:/tools/go.exe")
    assert not bd.names_go_exe("gofmt.exe") and not bd.names_go_exe(r"C:\go.exe.bak")
    assert not bd.names_go_exe("cargo.exe")


@pytest.mark.parametrize("entry", ["go.exe", "Go.Exe", GO.upper(), GO.replace("\\", "/")])
def test_on_and_present_is_compliant(entry: str) -> None:
    ev = C.evaluate(params(True), seen("msbuild.exe", entry))
    assert (ev.status, ev.evidence, ev.fix) == (COMPLIANT, [], [])
    assert ev.message == f"Defender excludes the files go.exe opens ({entry})"


def test_on_and_missing_adds_the_full_path() -> None:
    # Another toolchain's go.exe is not this one's: evidence shows it, the fix adds ours.
    ev = C.evaluate(params(True), seen(r"D:\old\go.exe"))
    assert ev.status == NON_COMPLIANT
    assert ev.evidence == [{"kind": "process", "exclusion": GO, "issue": "missing",
                            "present": [r"D:\old\go.exe"]}]
    assert ev.fix == [("defender.set", {"kind": "process", "value": GO, "state": "present"})]
    assert ev.message == ("defender_go_exclusion is on but Defender has no process exclusion "
                          f"for go.exe or {GO}")


def test_off_and_none_is_compliant() -> None:
    ev = C.evaluate(params(False), seen("msbuild.exe", "gofmt.exe"))
    assert (ev.status, ev.message) == (COMPLIANT, "Defender has no process exclusion for go.exe")


def test_off_and_found_removes_each_one() -> None:
    ev = C.evaluate(params(False), seen("Go.exe", "msbuild.exe", GO))
    assert ev.status == NON_COMPLIANT
    assert ev.evidence == [{"kind": "process", "exclusion": "Go.exe", "issue": "unexpected"},
                           {"kind": "process", "exclusion": GO, "issue": "unexpected"}]
    assert ev.fix == [("defender.set", {"kind": "process", "value": "Go.exe", "state": "absent"}),
                      ("defender.set", {"kind": "process", "value": GO, "state": "absent"})]
    assert ev.message == ("Defender does not scan the files go.exe opens (process exclusion "
                          f"Go.exe, {GO}), but defender_go_exclusion is off")


@pytest.mark.parametrize("on", [True, False])
def test_without_defender_it_is_not_applicable(on: bool) -> None:
    ev = C.evaluate(params(on), {"defender": {"available": False, "exclusions": {
        "process": [], "path": [], "extension": []}}})
    assert (ev.status, ev.fix) == (NOT_APPLICABLE, [])
    assert ev.message == ("Microsoft Defender Antivirus is not installed or not running on this "
                          "host; there is no exclusion to judge")


def test_round_trip_on_the_simulated_host(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"), os_release="2016")
    ev = evaluate_on(host, C, params(True))
    assert ev.status == NON_COMPLIANT
    run_ops(host, ev.fix)
    assert evaluate_on(host, C, params(True)).status == COMPLIANT
    # Turned off again: the exclusion the control added is removed.
    ev = evaluate_on(host, C, params(False))
    assert ev.fix == [("defender.set", {"kind": "process", "value": GO, "state": "absent"})]
    run_ops(host, ev.fix)
    assert evaluate_on(host, C, params(False)).status == COMPLIANT
    host.set_defender(installed=False)
    assert evaluate_on(host, C, params(True)).status == NOT_APPLICABLE
