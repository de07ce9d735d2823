"""The authenticode control: what one read batch covers, findings, allow-list, sim round trip."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from ansible_collections.winops.golang.plugins.module_utils import baseline_signatures as bs
from ansible_collections.winops.golang.plugins.module_utils.baseline import (
    COMPLIANT,
    NON_COMPLIANT,
    NOT_APPLICABLE,
)
from ansible_collections.winops.golang.plugins.plugin_utils.winsim.host import SimHost
from support.baseline import evaluate_on

C = bs.CONTROL
ROOT = r"C:\Program Files\GoToolchains"
BIN = ROOT + r"\current\bin"
TOOLS = ROOT + r"\current\pkg\tool\windows_amd64"
GOOGLE = "A" * 40
OURS = "B" * 40


def params(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"toolchain_root": ROOT, "signature_paths": (),
                            "allowed_signers": ()}
    base.update(over)
    return base


def listing(*names: str, exists: bool = True) -> dict[str, Any]:
    return {"exists": exists, "entries": [{"name": n, "type": "file", "size": 1, "target": None}
                                          for n in names]}


def signed(thumbprint: str = GOOGLE, status: str = "Valid") -> dict[str, Any]:
    return {"exists": True, "status": status,
            "signer": {"subject": "CN=Example", "thumbprint": thumbprint,
                       "not_after": "2030-01-01T00:00:00Z"},
            "status_message": "Signature verified."}


def unsigned(path: str) -> dict[str, Any]:
    return {"exists": True, "status": "NotSigned", "signer": None,
            "status_message": f"The file {path} is not digitally signed."}


def missing() -> dict[str, Any]:
    return {"exists": False, "status": None, "signer": None, "status_message": None}


def root_listing(*versions: str, current: str = "go1.23.4") -> dict[str, Any]:
    entries: list[dict[str, Any]] = [{"name": "current", "type": "junction", "size": None,
                                      "target": f"{ROOT}\\{current}"}]
    entries += [{"name": v, "type": "directory", "size": None, "target": None}
                for v in versions]
    entries.append({"name": "toolchains.json", "type": "file", "size": 10, "target": None})
    return {"exists": True, "entries": entries}


def results_for(p: dict[str, Any], seen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Every read of the control answered: listings as given, signatures by path."""
    out: dict[str, Any] = {}
    for key, (op, args) in C.reads(p).items():
        if op == "file.signature":
            out[key] = seen.get(args["path"].lower(), missing())
    return out


def test_predicted_names_by_directory_kind() -> None:
    assert bs.predicted(BIN) == ("go.exe", "gofmt.exe")
    assert bs.predicted(TOOLS) == bs.TOOL_EXES
    assert bs.predicted(r"C:\tools") == bs.BIN_EXES + bs.TOOL_EXES


def test_default_reads_the_root_and_the_current_toolchain() -> None:
    reads = C.reads(params())
    assert reads["root"] == ("file.list", {"path": ROOT})
    assert reads["list0"] == ("file.list", {"path": BIN})
    assert reads["list1"] == ("file.list", {"path": TOOLS})
    assert reads["sig0_0"] == ("file.signature", {"path": BIN + r"\go.exe"})
    assert reads["sig1_4"] == ("file.signature", {"path": TOOLS + r"\compile.exe"})
    assert len(reads) == 3 + 2 + len(bs.TOOL_EXES)
    given = C.reads(params(signature_paths=(r"D:\go\bin",)))
    assert "root" not in given and sorted(given) == ["list0", "sig0_0", "sig0_1"]


def test_stock_toolchain_reads_all_not_signed_with_the_hint() -> None:
    p = params()
    res = results_for(p, {(BIN + r"\go.exe").lower(): unsigned(BIN + r"\go.exe"),
                          (BIN + r"\gofmt.exe").lower(): unsigned(BIN + r"\gofmt.exe")})
    res.update(root=root_listing("go1.23.4"), list0=listing("go.exe", "gofmt.exe"),
               list1=listing())
    ev = C.evaluate(p, res)
    assert ev.status == NON_COMPLIANT and ev.fix == []
    assert ev.evidence == [
        {"file": BIN + r"\go.exe", "status": "NotSigned", "signer": None, "thumbprint": None,
         "message": f"The file {BIN}\\go.exe is not digitally signed.", "issue": "not_signed"},
        {"file": BIN + r"\gofmt.exe", "status": "NotSigned", "signer": None,
         "thumbprint": None, "message": f"The file {BIN}\\gofmt.exe is not digitally signed.",
         "issue": "not_signed"},
    ]
    assert ev.message == ("2 of 2 executables fail: 2 NotSigned (the official Go Windows "
                          "archives are not Authenticode-signed (only the .msi installer is); "
                          "sign the toolchain yourself or rely on its SHA-256)")


def test_findings_allow_list_unchecked_and_unaudited() -> None:
    p = params(allowed_signers=(OURS,))
    res = results_for(p, {
        (BIN + r"\go.exe").lower(): signed(OURS),
        (BIN + r"\gofmt.exe").lower(): signed(GOOGLE),
        (TOOLS + r"\compile.exe").lower(): signed(OURS, "HashMismatch"),
        (TOOLS + r"\link.exe").lower(): signed(OURS, "NotTrusted"),
        (TOOLS + r"\vet.exe").lower(): signed(OURS, "UnknownError"),
    })
    res.update(root=root_listing("go1.22.5", "go1.23.4"),
               list0=listing("go.exe", "gofmt.exe", "README"),
               list1=listing("compile.exe", "link.exe", "vet.exe", "newtool.exe"))
    ev = C.evaluate(p, res)
    assert ev.status == NON_COMPLIANT
    issues = [(e.get("file") or e.get("directory"), e["issue"]) for e in ev.evidence]
    assert issues == [
        (BIN + r"\gofmt.exe", "signer_not_allowed"),
        (TOOLS + r"\compile.exe", "hash_mismatch"),
        (TOOLS + r"\link.exe", "not_trusted"),
        (TOOLS + r"\vet.exe", "signature_error"),
        (TOOLS + r"\newtool.exe", "not_checked"),
        (ROOT + r"\go1.22.5", "not_audited"),
    ]
    assert ev.evidence[0]["message"] == (f"signed by CN=Example ({GOOGLE}), which is not in "
                                         "allowed_signers")
    assert ev.message == ("4 of 5 executables fail: 1 HashMismatch, 1 NotTrusted, "
                          "1 UnknownError, 1 signer not allowed; 1 exe not checked; "
                          "toolchains not audited: go1.22.5")


def test_all_valid_is_compliant_and_lists_what_was_not_covered() -> None:
    p = params(signature_paths=(r"D:\go\bin", r"D:\absent\bin"))
    res = results_for(p, {r"d:\go\bin\go.exe": signed(), r"d:\go\bin\gofmt.exe": signed()})
    res.update(list0=listing("go.exe", "gofmt.exe"), list1=listing(exists=False))
    ev = C.evaluate(p, res)
    assert (ev.status, ev.evidence, ev.fix) == (COMPLIANT, [], [])
    assert ev.message == "2 executables carry a valid signature; not present: D:\\absent\\bin"


def test_nothing_to_check() -> None:
    ev = C.evaluate(params(), {"root": {"exists": False, "entries": []}})
    assert (ev.status, ev.message) == (NOT_APPLICABLE, "the Go install root "
                                                       f"{ROOT} does not exist")
    p = params(signature_paths=(r"D:\empty",))
    res = results_for(p, {})
    res["list0"] = listing()
    assert C.evaluate(p, res).status == NOT_APPLICABLE


def test_on_the_simulated_host(tmp_path: Path) -> None:
    host = SimHost(str(tmp_path / "h"))
    ver = ROOT + r"\go1.23.4"
    ops: list[dict[str, Any]] = [
        {"op": "file.mkdir", "args": {"path": ver + r"\bin"}},
        {"op": "file.mkdir", "args": {"path": ver + r"\pkg\tool\windows_amd64"}},
        {"op": "file.mkdir", "args": {"path": ROOT + r"\go1.22.5\bin"}},
        {"op": "file.junction", "args": {"path": ROOT + r"\current", "target": ver}},
    ]
    for rel, text in ((r"\bin\go.exe", "go"), (r"\bin\gofmt.exe", "gofmt"),
                      (r"\pkg\tool\windows_amd64\compile.exe", "compile")):
        ops.append({"op": "file.write", "args": {
            "path": ver + rel, "content_b64": base64.b64encode(text.encode()).decode()}})
    assert host.run_batch({"ops": ops})["failed_op"] is None
    host.sign_file(ver + r"\bin\go.exe", "CN=Build Signing", OURS)
    host.sign_file(ver + r"\bin\gofmt.exe", "CN=Build Signing", OURS)
    p = params(allowed_signers=(OURS,))
    ev = evaluate_on(host, C, p)
    assert ev.status == NON_COMPLIANT
    assert [(e.get("file") or e.get("directory"), e["issue"]) for e in ev.evidence] == [
        (TOOLS + r"\compile.exe", "not_signed"), (ROOT + r"\go1.22.5", "not_audited")]
    assert ev.message == "1 of 3 executables fail: 1 NotSigned; toolchains not audited: go1.22.5"
