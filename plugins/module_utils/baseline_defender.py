"""Baseline control ``defender_exclusion``: the optional Defender exclusion for ``go.exe``.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).

The trade-off, off by default (``defender_go_exclusion: false``): Microsoft
Defender Antivirus scans every file a build writes and reads, which slows
builds down on build hosts. A *process* exclusion (Defender's
``ExclusionProcess``) stops real-time protection from scanning the files that
process opens, wherever they are; the process's own executable is still
scanned. But anything started as ``go.exe`` then reads and writes unscanned,
including malware dropped under that name or a module's code run by ``go
generate`` through it. Keep it for dedicated build hosts.

What Defender matches (Microsoft, "Configure exclusions for files opened by
processes"): a bare name (``go.exe``) excludes the files opened by any process
of that name anywhere on the host; a full path excludes only that executable;
a folder with ``\\*`` every process under it. Exclusions apply to real-time
protection only, not to scheduled or on-demand scans. The documentation speaks
of files opened by *that* process: the compiler and linker the go command
starts (``pkg\\tool\\windows_amd64\\compile.exe``, ``link.exe``) are other
processes and are not covered by a ``go.exe`` exclusion.

With ``defender_go_exclusion: true`` the control is compliant when the process
list holds ``go.exe`` or ``<toolchain_root>\\current\\bin\\go.exe`` (any case);
the fix adds the full path, the narrower of the two, so another program named
``go.exe`` is not excluded. Whether Defender matches a process started through
the ``current`` junction by the junction's path or by its target's is not
verified; if builds do not get faster, add ``go.exe`` by name instead (this
control accepts it). With ``false`` it is compliant when no process exclusion
names ``go.exe`` (by name, or any path ending in ``\\go.exe``); the fix removes
each one found. Path exclusions are not judged here. A host where Defender is
not installed or not running has nothing to judge: not applicable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import winpath
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
    Evaluation,
    Op,
)
from ansible_collections.winops.golang.plugins.module_utils.go_install_layout import CURRENT

GO_EXE = "go.exe"


def go_exe_path(toolchain_root: str) -> str:
    """``<toolchain_root>\\current\\bin\\go.exe``, the exclusion the fix adds."""
    return winpath.join(toolchain_root, CURRENT, "bin", GO_EXE)


def names_go_exe(entry: str) -> bool:
    """Whether a process exclusion is ``go.exe`` by name or a path to a ``go.exe``."""
    text = entry.strip().replace("/", "\\")
    return text.casefold() == GO_EXE or text.casefold().endswith("\\" + GO_EXE)


def _wanted(entry: str, toolchain_root: str) -> bool:
    text = entry.strip().replace("/", "\\")
    if text.casefold() == GO_EXE:
        return True
    try:
        return winpath.same_path(text, go_exe_path(toolchain_root))
    except ValueError:
        return False


@dataclass(frozen=True)
class DefenderExclusionControl:
    """Defender excludes go.exe only where builds were chosen over scanning."""

    id: str = "defender_exclusion"
    title: str = "Microsoft Defender excludes go.exe only when asked (build hosts)"
    source: str = ("Microsoft, Configure exclusions for files opened by processes "
                   "(Microsoft Defender Antivirus); CIS Microsoft Windows Server benchmark "
                   "(Microsoft Defender Antivirus)")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """Defender's state and exclusion lists."""
        return {"defender": ("defender.get", {})}

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Compare the process exclusions with ``defender_go_exclusion``."""
        got = results["defender"]
        if not got.get("available"):
            return Evaluation(NOT_APPLICABLE, [], [],
                              "Microsoft Defender Antivirus is not installed or not running "
                              "on this host; there is no exclusion to judge")
        processes = [str(p) for p in (got.get("exclusions") or {}).get("process") or []]
        root = params["toolchain_root"]
        if params["defender_go_exclusion"]:
            present = [p for p in processes if _wanted(p, root)]
            if present:
                return Evaluation(COMPLIANT, [], [],
                                  f"Defender excludes the files go.exe opens ({present[0]})")
            target = go_exe_path(root)
            evidence = [{"kind": "process", "exclusion": target, "issue": "missing",
                         "present": [p for p in processes if names_go_exe(p)]}]
            return Evaluation(NON_COMPLIANT, evidence,
                              [("defender.set", {"kind": "process", "value": target,
                                                 "state": "present"})],
                              f"defender_go_exclusion is on but Defender has no process "
                              f"exclusion for go.exe or {target}")
        found = [p for p in processes if names_go_exe(p)]
        if not found:
            return Evaluation(COMPLIANT, [], [], "Defender has no process exclusion for go.exe")
        evidence = [{"kind": "process", "exclusion": p, "issue": "unexpected"} for p in found]
        fix: list[Op] = [("defender.set", {"kind": "process", "value": p, "state": "absent"})
                         for p in found]
        return Evaluation(NON_COMPLIANT, evidence, fix,
                          f"Defender does not scan the files go.exe opens (process exclusion "
                          f"{', '.join(found)}), but defender_go_exclusion is off")


CONTROL = DefenderExclusionControl()
