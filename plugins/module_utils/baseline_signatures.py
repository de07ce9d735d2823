"""Baseline control ``authenticode``: the Authenticode signatures of the Go toolchain's exes.

Part of the pure logic of ``winops.golang.win_go_baseline`` (see :mod:`baseline`).
Audit only: a signature cannot be fixed from here.

Every ``.exe`` found in the audited directories is checked with
``file.signature`` (``Get-AuthenticodeSignature``). Findings, each with the
file as evidence: ``NotSigned``, ``HashMismatch`` (changed after signing),
``NotTrusted`` (chain to a root the host does not trust), any other status
Windows reports, and a ``Valid`` signature whose signer's thumbprint is not on
``allowed_signers`` when that list is not empty.

**Stock Go toolchains are not Authenticode-signed.** Go's release workflow
(golang.org/x/build, ``internal/relui``) signs the Windows ``.msi`` installer
only; the ``.zip`` archives on go.dev/dl, which ``win_go_install`` installs,
and the module zips ``GOTOOLCHAIN`` downloads come unchanged from
``make.bash -distpack``. So on a stock install every exe reads ``NotSigned``
and this control reports the toolchain non-compliant: that is the finding,
not a fault of the host. Hosts that need signed toolchains sign them with
their own code-signing certificate (and list its thumbprint in
``allowed_signers``); otherwise rely on the SHA-256 of the archive, which
``win_go_install`` verifies against go.dev's published checksum.

**What one read batch can cover.** The module reads once, so the control
cannot list a directory and then check what it found. It lists each directory
and, in the same batch, checks the exes it can name up front: ``go.exe`` and
``gofmt.exe`` in a ``bin`` directory, the tools a Go release ships in a
``pkg\\tool\\windows_*`` directory (both sets in any other directory). An exe
the listing shows that is not one of those is reported as ``not_checked``
(it does not make the host non-compliant, and the message counts it). Without
``signature_paths`` the control audits the active toolchain through the
root's ``current`` junction (``<root>\\current\\bin`` and
``<root>\\current\\pkg\\tool\\windows_amd64``); the other version directories the
root's listing shows are reported as ``not_audited``: name their ``bin`` and
``pkg\\tool\\windows_amd64`` directories in ``signature_paths`` to audit them.
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
from ansible_collections.winops.golang.plugins.module_utils.go_install_layout import (
    CURRENT,
    VERSION_DIR,
)

BIN_EXES = ("go.exe", "gofmt.exe")
# What pkg\tool\windows_<arch> of a Go release holds (Go 1.21 to 1.25).
TOOL_EXES = ("addr2line.exe", "asm.exe", "buildid.exe", "cgo.exe", "compile.exe",
             "covdata.exe", "cover.exe", "doc.exe", "fix.exe", "link.exe", "nm.exe",
             "objdump.exe", "pack.exe", "pprof.exe", "test2json.exe", "trace.exe", "vet.exe")
TOOL_DIR = "pkg\\tool\\windows_amd64"
ISSUES = {"NotSigned": "not_signed", "HashMismatch": "hash_mismatch",
          "NotTrusted": "not_trusted"}
NOT_SIGNED_HINT = ("the official Go Windows archives are not Authenticode-signed (only the "
                   ".msi installer is); sign the toolchain yourself or rely on its SHA-256")


def predicted(directory: str) -> tuple[str, ...]:
    """The exe names checked in ``directory`` without listing it first."""
    parts = [p.casefold() for p in winpath.components(directory)]
    if parts and parts[-1] == "bin":
        return BIN_EXES
    if len(parts) >= 3 and parts[-3:-1] == ["pkg", "tool"] and parts[-1].startswith("windows_"):
        return TOOL_EXES
    return BIN_EXES + TOOL_EXES


def audited_directories(params: Mapping[str, Any]) -> list[str]:
    """``signature_paths``, or the active toolchain's two exe directories."""
    if params["signature_paths"]:
        return list(params["signature_paths"])
    current = winpath.join(params["toolchain_root"], CURRENT)
    return [winpath.join(current, "bin"), winpath.join(current, TOOL_DIR)]


def _evidence(path: str, result: Mapping[str, Any],
              allowed: tuple[str, ...]) -> dict[str, Any] | None:
    """The finding for one file's ``file.signature`` result, or None when it is fine."""
    status = str(result.get("status"))
    signer = result.get("signer") or {}
    item = {"file": path, "status": status, "signer": signer.get("subject"),
            "thumbprint": signer.get("thumbprint"), "message": result.get("status_message")}
    if status == "Valid":
        thumbprint = str(signer.get("thumbprint") or "").upper()
        if allowed and thumbprint not in allowed:
            return dict(item, issue="signer_not_allowed",
                        message=f"signed by {signer.get('subject')} ({thumbprint}), which is "
                                "not in allowed_signers")
        return None
    return dict(item, issue=ISSUES.get(status, "signature_error"))


@dataclass(frozen=True)
class AuthenticodeControl:
    """Every exe of the Go toolchains carries a valid signature by an allowed signer."""

    id: str = "authenticode"
    title: str = "Go toolchain executables carry a valid Authenticode signature"
    source: str = ("NIST SP 800-53 SI-7 (software integrity), CM-14 (signed components); "
                   "Microsoft, Get-AuthenticodeSignature")

    def reads(self, params: Mapping[str, Any]) -> dict[str, Op]:
        """The root listing (default mode), each directory's listing and predicted exes."""
        out: dict[str, Op] = {}
        if not params["signature_paths"]:
            out["root"] = ("file.list", {"path": params["toolchain_root"]})
        for i, directory in enumerate(audited_directories(params)):
            out[f"list{i}"] = ("file.list", {"path": directory})
            for k, name in enumerate(predicted(directory)):
                out[f"sig{i}_{k}"] = ("file.signature",
                                      {"path": winpath.join(directory, name)})
        return out

    def evaluate(self, params: Mapping[str, Any],
                 results: Mapping[str, dict[str, Any]]) -> Evaluation:
        """Judge every checked exe; count the exes and toolchains left unchecked."""
        allowed = tuple(params["allowed_signers"])
        evidence: list[dict[str, Any]] = []
        findings: list[dict[str, Any]] = []
        checked = 0
        missing: list[str] = []
        directories = audited_directories(params)
        if "root" in results and not results["root"].get("exists"):
            return Evaluation(NOT_APPLICABLE, [], [],
                              f"the Go install root {params['toolchain_root']} does not exist")
        for i, directory in enumerate(directories):
            listing = results[f"list{i}"]
            if not listing.get("exists"):
                missing.append(directory)
                continue
            names = predicted(directory)
            by_name = {n.casefold(): k for k, n in enumerate(names)}
            for entry in listing.get("entries") or []:
                name = str(entry.get("name"))
                if entry.get("type") != "file" or not name.casefold().endswith(".exe"):
                    continue
                path = winpath.join(directory, name)
                k = by_name.get(name.casefold())
                result = results.get(f"sig{i}_{k}") if k is not None else None
                if result is None or not result.get("exists"):
                    evidence.append({"file": path, "issue": "not_checked",
                                     "message": "not a name this control checks without "
                                                "listing first; add it to a later run"})
                    continue
                checked += 1
                found = _evidence(path, result, allowed)
                if found is not None:
                    findings.append(found)
        unaudited = self._unaudited(params, results)
        evidence = findings + evidence + unaudited
        notes = self._notes(evidence, missing)
        if not checked:
            return Evaluation(NOT_APPLICABLE, evidence, [],
                              f"no Go executable found to check{notes}")
        if not findings:
            return Evaluation(COMPLIANT, evidence, [],
                              f"{checked} executable{'s' if checked != 1 else ''} carry a valid "
                              f"signature{' by an allowed signer' if allowed else ''}{notes}")
        counts: dict[str, int] = {}
        for item in findings:
            what = "signer not allowed" if item["issue"] == "signer_not_allowed" \
                else item["status"]
            counts[what] = counts.get(what, 0) + 1
        summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
        hint = ""
        if all(item["status"] == "NotSigned" for item in findings) and \
                len(findings) == checked:
            hint = f" ({NOT_SIGNED_HINT})"
        return Evaluation(NON_COMPLIANT, evidence, [],
                          f"{len(findings)} of {checked} executables fail: {summary}{hint}{notes}")

    @staticmethod
    def _unaudited(params: Mapping[str, Any],
                   results: Mapping[str, dict[str, Any]]) -> list[dict[str, Any]]:
        """The version directories of the root that the default run does not audit."""
        root = results.get("root")
        if not root or not root.get("exists"):
            return []
        entries = root.get("entries") or []
        target = next((str(e.get("target") or "") for e in entries
                       if str(e.get("name")).casefold() == CURRENT and
                       e.get("type") == "junction"), "")
        out: list[dict[str, Any]] = []
        for entry in entries:
            name = str(entry.get("name"))
            if entry.get("type") != "directory" or not VERSION_DIR.match(name):
                continue
            path = winpath.join(params["toolchain_root"], name)
            if target and winpath.same_path(path, target):
                continue
            out.append({"directory": path, "issue": "not_audited",
                        "message": "only the current toolchain is audited without "
                                   f"signature_paths; add {winpath.join(path, 'bin')} and "
                                   f"{winpath.join(path, TOOL_DIR)} to audit it"})
        return out

    @staticmethod
    def _notes(evidence: list[dict[str, Any]], missing: list[str]) -> str:
        notes = []
        skipped = sum(1 for e in evidence if e.get("issue") == "not_checked")
        if skipped:
            notes.append(f"{skipped} exe{'s' if skipped != 1 else ''} not checked")
        versions = [e["directory"].rsplit("\\", 1)[-1] for e in evidence
                    if e.get("issue") == "not_audited"]
        if versions:
            notes.append(f"toolchains not audited: {', '.join(versions)}")
        if missing:
            notes.append(f"not present: {', '.join(missing)}")
        return f"; {'; '.join(notes)}" if notes else ""


CONTROL = AuthenticodeControl()
